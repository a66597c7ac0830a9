import { PageSection } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { PageHeader } from '../../components/PageHeader';
import { LogSearch } from './LogSearch';

/**
 * LogSearchPage is the log search of a project (projects/:namespace/logs)
 * or of every project the user may read (platform/logs).
 */
export default function LogSearchPage() {
  const { t } = useTranslation('logging');
  const { namespace } = useParams();
  return (
    <>
      <PageHeader
        title={t('Log search')}
        crumbs={namespace ? [{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Log search') }] : undefined}
      />
      <PageSection>
        {/* A new project starts a new search. */}
        <LogSearch key={namespace ?? ''} namespace={namespace} />
      </PageSection>
    </>
  );
}
