import { PageSection } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ClusterSwitcher } from '../../components/ClusterSwitcher';
import { useCluster, withCluster } from '../../api/cluster';
import { creatorAnnotation, displayName, workspaceLabel, type K8sObject } from '../../api/types';
import { age } from '../../components/format';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable } from '../../components/ResourceTable';
import { StatusLabel } from '../../components/StatusLabel';
import { derivedStatus } from '../../components/status';

/** AllProjects lists every project of the cluster (what the cluster overview's Projects card counts). */
export default function AllProjects() {
  const { t } = useTranslation('platform');
  const cluster = useCluster();
  return (
    <>
      <PageHeader title={t('Projects')} crumbs={[{ title: t('Cluster overview'), to: '/platform/overview' }, { title: t('Projects') }]} actions={<ClusterSwitcher />} />
      <PageSection>
        <ResourceTable<K8sObject>
          id="all-projects"
          ariaLabel={t('Projects')}
          resource="namespaces"
          params={{ labelSelector: workspaceLabel }}
          statuses={['active', 'terminating']}
          link={(ns) => withCluster(`/projects/${ns.metadata.name}/overview`, cluster)}
          defaultSortBy="name"
          defaultAscending
          columns={[
            { title: t('Name'), sortKey: 'name', render: (ns) => displayName(ns) + (displayName(ns) !== ns.metadata.name ? ` (${ns.metadata.name})` : '') },
            {
              title: t('Workspace'),
              render: (ns) => {
                const ws = ns.metadata.labels?.[workspaceLabel];
                return ws ? <Link to={`/workspaces/${ws}/overview`}>{ws}</Link> : '-';
              },
            },
            { title: t('Status'), render: (ns) => <StatusLabel status={derivedStatus(ns) ?? (ns.status as { phase?: string } | undefined)?.phase} /> },
            { title: t('Creator'), render: (ns) => ns.metadata.annotations?.[creatorAnnotation] ?? '-', hideBelow: 'lg' },
            { title: t('Age'), sortKey: 'createTime', render: (ns) => age(ns.metadata.creationTimestamp) },
          ]}
          emptyTitle={t('No projects yet')}
          emptyText={t('Projects are made in workspaces: open a workspace to create one.')}
        />
      </PageSection>
    </>
  );
}
