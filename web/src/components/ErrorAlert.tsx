import { Alert } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';

/** ErrorAlert shows an API error: its message and, when named, the wrong fields. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const { t } = useTranslation('common');
  const message = error instanceof Error ? error.message : String(error);
  const fields = error instanceof ApiError ? error.fields : [];
  const forbidden = error instanceof ApiError && error.code === 403;
  return (
    <Alert variant="danger" isInline title={title ?? (forbidden ? t('Not allowed') : t('Something went wrong'))} data-test="error">
      {message}
      {fields.length > 0 && (
        <div>
          {t('Fields')}: {fields.join(', ')}
        </div>
      )}
    </Alert>
  );
}
