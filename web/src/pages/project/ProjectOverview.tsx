import { Card, CardBody, CardTitle, Gallery, PageSection, Title } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useList } from '../../api/resources';
import type { K8sObject } from '../../api/types';
import { Events } from '../../components/Events';
import { PageHeader } from '../../components/PageHeader';
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
          <Link to={`/projects/${namespace}/${resource}`}>{q.data?.totalItems ?? '…'}</Link>
        </Title>
      </CardBody>
    </Card>
  );
}

export default function ProjectOverview() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('project');
  const ws = useProjectWorkspace(namespace);
  return (
    <>
      <PageHeader title={t('Project {{name}}', { name: namespace })} crumbs={ws ? [{ title: ws, to: `/workspaces/${ws}/projects` }, { title: namespace }] : undefined} />
      <PageSection>
        <Gallery hasGutter minWidths={{ default: '160px' }}>
          {['deployments', 'statefulsets', 'daemonsets', 'jobs', 'pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims'].map((r) => (
            <KindCount key={r} namespace={namespace} resource={r} />
          ))}
        </Gallery>
      </PageSection>
      <PageSection>
        <Title headingLevel="h2">{t('Recent events')}</Title>
        <Events namespace={namespace} />
      </PageSection>
    </>
  );
}
