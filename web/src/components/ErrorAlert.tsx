import { Alert, AlertActionLink } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { describeError } from '../api/errors';

/**
 * ErrorAlert shows why a request failed, in the user's language: what
 * happened, what to do, the wrong fields (but those hideFields names, which
 * the form marks itself), a retry when trying again may help, and the server's own text
 * folded away as a detail.
 */
export function ErrorAlert({ error, title, onRetry, hideFields = [] }: { error: unknown; title?: string; onRetry?: () => void; hideFields?: string[] }) {
  const { t } = useTranslation('common');
  const d = describeError(error, t);
  const fields = Object.entries(d.fields).filter(([f]) => !hideFields.some((h) => f === h || f.startsWith(h + '.') || f.startsWith(h + '[')));
  return (
    <Alert
      variant={d.kind === 'forbidden' || d.kind === 'network' || d.kind === 'unavailable' ? 'warning' : 'danger'}
      isInline
      title={title ?? d.title}
      data-test="error"
      data-kind={d.kind}
      actionLinks={
        onRetry && d.retryable ? (
          <AlertActionLink onClick={onRetry} data-test="retry">
            {t('Try again')}
          </AlertActionLink>
        ) : undefined
      }
    >
      <p data-test="error-detail">{d.detail}</p>
      {fields.length > 0 && (
        <ul data-test="error-fields">
          {fields.map(([f, msgs]) => (
            <li key={f}>
              <code>{f}</code>: {msgs.join(' ')}
            </li>
          ))}
        </ul>
      )}
      {d.serverMessage && d.kind !== 'network' && (
        <details className="ke-error-details">
          <summary>{t('Details from the server')}</summary>
          <code>{d.serverMessage}</code>
        </details>
      )}
    </Alert>
  );
}
