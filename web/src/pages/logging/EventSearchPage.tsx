import { PageSection } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { PageHeader } from '../../components/PageHeader';
import { EventSearch } from './EventSearch';

/**
 * EventSearchPage is the event search of a project (projects/:namespace/events)
 * or of every project whose events the user may list (platform/events).
 */
export default function EventSearchPage() {
  const { t } = useTranslation('logging');
  const { namespace } = useParams();
  return (
    <>
      <PageHeader
        title={t('Event search')}
        crumbs={namespace ? [{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Event search') }] : undefined}
      />
      <PageSection>
        {/* A new project starts a new search. */}
        <EventSearch key={namespace ?? ''} namespace={namespace} />
      </PageSection>
    </>
  );
}
