import { Card, CardBody, CardTitle, Gallery, PageSection, Title } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useProjectAccess } from '../../api/access';
import { useList } from '../../api/resources';
import type { K8sObject } from '../../api/types';
import { Events } from '../../components/Events';
import { PageHeader } from '../../components/PageHeader';
import { NotFound } from '../../components/PageState';
import { useProjectWorkspace } from '../../layout/useProjectWorkspace';
import { kindTitle } from './kindTitles';

function KindCount({ namespace, resource }: { namespace: string; resource: string }) {
  const { t } = useTranslation('project');
  const q = useList<K8sObject>(resource, namespace, { limit: 1 }, { live: false });
  return (
    <Card isCompact data-test={`count-${resource}`}>
      <CardTitle>{t(kindTitle(resource))}</CardTitle>
      <CardBody>
        <Title headingLevel="h2" size="2xl">
          {q.data ? <Link to={`/projects/${namespace}/${resource}`}>{q.data.totalItems}</Link> : q.error ? '–' : '…'}
        </Title>
      </CardBody>
    </Card>
  );
}

export default function ProjectOverview() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('project');
  const ws = useProjectWorkspace(namespace);
  const access = useProjectAccess(namespace);
  // The same query useProjectWorkspace makes: the project, if the user may see it.
  const project = useList<K8sObject>('namespaces', undefined, { names: namespace, limit: 1 }, { live: false, enabled: !!namespace });
  if (project.data && project.data.items.length === 0) return <NotFound detail={t('There is no project {{name}}, or you are not a member of it.', { name: namespace })} />;
  return (
    <>
      <PageHeader title={t('Project {{name}}', { name: namespace })} crumbs={ws ? [{ title: ws, to: `/workspaces/${ws}/projects` }, { title: namespace }] : undefined} />
      <PageSection>
        <Gallery hasGutter minWidths={{ default: '160px' }}>
          {['deployments', 'statefulsets', 'daemonsets', 'jobs', 'pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims']
            .filter((r) => access.may(r))
            .map((r) => (
              <KindCount key={r} namespace={namespace} resource={r} />
            ))}
        </Gallery>
      </PageSection>
      <PageSection>
        <Title headingLevel="h2">{t('Recent events')}</Title>
        {access.may('pods') || !access.loaded ? <Events namespace={namespace} /> : null}
      </PageSection>
    </>
  );
}
