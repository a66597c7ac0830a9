import { Label } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { iam, useApiList } from '../api/tenant';
import type { LoginRecord } from '../api/types';
import { age, formatTime } from './format';
import { ResourceTable } from './ResourceTable';

const attemptedAt = (r: LoginRecord) => r.metadata.annotations?.['iam.superkube.io/attempted-at'] ?? r.metadata.creationTimestamp;

/** LoginHistory lists a user's login attempts, newest first: when, how, from where, and whether it worked. */
export function LoginHistory({ username }: { username: string }) {
  const { t, i18n } = useTranslation('common');
  return (
    <ResourceTable<LoginRecord>
      id="login-records"
      ariaLabel={t('Login history')}
      resource="loginrecords"
      source={(params) => useApiList<LoginRecord>(`${iam}/users/${encodeURIComponent(username)}/loginrecords`, params)}
      perPage={5}
      nameFilter={false}
      columns={[
        { title: t('Time'), sortKey: 'createTime', render: (r) => <span title={age(attemptedAt(r))}>{formatTime(attemptedAt(r), i18n.language)}</span> },
        {
          title: t('Result'),
          render: (r) =>
            r.spec.success ? (
              <Label color="green" isCompact data-test="login-result">
                {t('Succeeded')}
              </Label>
            ) : (
              <Label color="red" isCompact data-test="login-result">
                {t('Failed')}
              </Label>
            ),
        },
        { title: t('Method'), render: (r) => (r.spec.provider ? `${r.spec.type} (${r.spec.provider})` : r.spec.type) },
        { title: t('Source address'), render: (r) => r.spec.sourceIP || '-' },
        { title: t('Browser or client'), render: (r) => <span className="ke-truncate" title={r.spec.userAgent}>{r.spec.userAgent || '-'}</span>, hideBelow: 'xl' },
        { title: t('Reason'), render: (r) => r.spec.reason || '-', hideBelow: 'lg' },
      ]}
      emptyTitle={t('No logins yet')}
      emptyText={t('Login attempts of the last days are listed here.')}
    />
  );
}
