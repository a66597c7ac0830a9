import { hostCluster, useCluster } from '../../api/cluster';
import { ClusterSwitcher } from '../../components/ClusterSwitcher';
import { Alert, Card, CardBody, CardTitle, Gallery, PageSection, Title } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useList } from '../../api/resources';
import { useWorkspaces } from '../../api/tenant';
import type { K8sObject, Node } from '../../api/types';
import { PageHeader } from '../../components/PageHeader';
import { nodeColumns } from './Nodes';
import { ResourceTable } from '../../components/ResourceTable';
import ClusterMonitoring from '../monitoring/ClusterMonitoring';

/** Count is a card with a number that links to its list; "–" when the number could not be read, "…" while it loads. */
export function Count({ title, value, failed, to, test }: { title: string; value: number | undefined; failed?: boolean; to?: string; test: string }) {
  const shown = value ?? (failed ? '–' : '…');
  return (
    <Card isCompact data-test={`count-${test}`}>
      <CardTitle>{title}</CardTitle>
      <CardBody>
        <Title headingLevel="h2" size="2xl">
          {to && value !== undefined ? <Link to={to}>{shown}</Link> : shown}
        </Title>
      </CardBody>
    </Card>
  );
}

/** ClusterOverview counts nodes, workspaces, projects and pods, charts the cluster's usage, API server and etcd, and lists the nodes with their capacity. */
export default function ClusterOverview() {
  const { t } = useTranslation('platform');
  const cluster = useCluster();
  const one = { limit: 1 };
  const nodes = useList<Node>('nodes', undefined, one);
  const ready = useList<Node>('nodes', undefined, { ...one, status: 'ready' });
  const projects = useList<K8sObject>('namespaces', undefined, { ...one, labelSelector: 'superkube.io/workspace' });
  const pods = useList<K8sObject>('pods', undefined, one, { live: false });
  const workspaces = useWorkspaces(one);
  return (
    <>
      <PageHeader title={t('Cluster overview')} actions={<ClusterSwitcher />} />
      <PageSection>
        <Gallery hasGutter minWidths={{ default: '180px' }}>
          <Count title={t('Nodes ready')} value={ready.data && nodes.data ? ready.data.totalItems : undefined} failed={!!ready.error || !!nodes.error} to="/platform/nodes" test="nodes-ready" />
          <Count title={t('Nodes')} value={nodes.data?.totalItems} failed={!!nodes.error} to="/platform/nodes" test="nodes" />
          <Count title={t('Workspaces')} value={workspaces.data?.totalItems} failed={!!workspaces.error} to="/platform/workspaces" test="workspaces" />
          <Count title={t('Projects')} value={projects.data?.totalItems} failed={!!projects.error} to="/platform/projects" test="projects" />
          <Count title={t('Pods')} value={pods.data?.totalItems} failed={!!pods.error} to="/platform/pods" test="pods" />
        </Gallery>
      </PageSection>
      <PageSection>
        {cluster === hostCluster ? (
          <ClusterMonitoring />
        ) : (
          <Alert isInline isPlain variant="info" title={t('The charts are of the host cluster only: the metrics of member clusters are not collected yet.')} data-test="member-metrics" />
        )}
      </PageSection>
      <PageSection>
        <Title headingLevel="h2">{t('Nodes')}</Title>
        <ResourceTable<Node> id="overview-nodes" ariaLabel={t('Nodes')} resource="nodes" columns={nodeColumns(t)} link={(n) => `/platform/nodes/${n.metadata.name}`} defaultSortBy="name" defaultAscending />
      </PageSection>
    </>
  );
}
