import { PageSection } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { PageHeader } from '../../components/PageHeader';
import { AuditSearch } from './AuditSearch';

/**
 * AuditSearchPage is the audit search of the platform (platform/auditing)
 * or of a workspace (workspaces/:workspace/auditing).
 */
export default function AuditSearchPage() {
  const { t } = useTranslation('logging');
  const { workspace } = useParams();
  return (
    <>
      <PageHeader
        title={t('Audit search')}
        crumbs={workspace ? [{ title: workspace, to: `/workspaces/${workspace}/overview` }, { title: t('Audit search') }] : undefined}
      />
      <PageSection>
        <AuditSearch key={workspace ?? ''} workspace={workspace} />
      </PageSection>
    </>
  );
}
