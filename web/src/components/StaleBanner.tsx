import { Alert } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import type { Freshness } from '../api/types';

/**
 * StaleBanner tells that a list may be out of date (the list engine marks
 * such answers, docs/api.md) and since when; nothing when it is fresh.
 */
export function StaleBanner({ freshness }: { freshness?: Freshness }) {
  const { t, i18n } = useTranslation('common');
  if (!freshness?.stale) return null;
  const since = freshness.since ? new Date(freshness.since) : undefined;
  return (
    <Alert variant="warning" isInline title={t('This list may be out of date')} data-test="stale-banner">
      {since && !Number.isNaN(since.getTime())
        ? t('The platform is not in touch with Kubernetes right now and shows what it last saw at {{time}}. The list refreshes by itself.', {
            time: since.toLocaleTimeString(i18n.language),
          })
        : t('The platform is not in touch with Kubernetes right now and shows what it last saw. The list refreshes by itself.')}
    </Alert>
  );
}
