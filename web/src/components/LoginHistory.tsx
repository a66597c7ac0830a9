import { Label } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { useLoginRecords } from '../api/iam';
import type { LoginRecord } from '../api/types';
import { age, formatTime } from './format';
import { ResourceTable, useTableState } from './ResourceTable';

const attemptedAt = (r: LoginRecord) => r.metadata.annotations?.['iam.superkube.io/attempted-at'] ?? r.metadata.creationTimestamp;

/** LoginHistory lists a user's login attempts, newest first: when, how, from where, and whether it worked. */
export function LoginHistory({ username }: { username: string }) {
  const { t, i18n } = useTranslation('common');
  const table = useTableState({ perPage: 5 });
  const records = useLoginRecords(username, table.params);
  return (
    <ResourceTable<LoginRecord>
      id="login-records"
      ariaLabel={t('Login history')}
      table={table}
      query={records}
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
