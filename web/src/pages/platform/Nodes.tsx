import { PageSection } from '@patternfly/react-core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { hostCluster, useCluster } from '../../api/cluster';
import { ClusterSwitcher } from '../../components/ClusterSwitcher';
import { useList } from '../../api/resources';
import type { Node } from '../../api/types';
import { age } from '../../components/format';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable, useTableState, type Column } from '../../components/ResourceTable';
import { NodeUsage, useNodeUsage, usageColumns } from '../monitoring/NodeUsage';
import { StatusLabel } from '../../components/StatusLabel';
import { derivedStatus } from '../../components/status';

export function nodeRoles(n: Node): string {
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((l) => l.startsWith('node-role.kubernetes.io/'))
    .map((l) => l.slice('node-role.kubernetes.io/'.length));
  return roles.join(', ') || 'worker';
}

export function nodeColumns(t: TFunction): Column<Node>[] {
  return [
    { title: t('Name'), sortKey: 'name', render: (n) => n.metadata.name },
    { title: t('Status'), sortKey: 'status', render: (n) => <StatusLabel status={derivedStatus(n)} /> },
    { title: t('Schedulable'), render: (n) => (n.spec.unschedulable ? t('No') : t('Yes')) },
    { title: t('Roles'), render: nodeRoles },
    { title: t('CPU'), render: (n) => n.status?.allocatable?.cpu ?? '-' },
    { title: t('Memory'), render: (n) => n.status?.allocatable?.memory ?? '-' },
    { title: t('Pods'), render: (n) => n.status?.allocatable?.pods ?? '-', hideBelow: 'xl' },
    { title: t('Version'), render: (n) => n.status?.nodeInfo?.kubeletVersion ?? '-', hideBelow: 'xl' },
    { title: t('Age'), sortKey: 'createTime', render: (n) => age(n.metadata.creationTimestamp) },
  ];
}

/**
 * Nodes lists the nodes with their CPU and memory use: one request to the
 * monitoring API for the nodes of the page on screen.
 */
export default function Nodes() {
  const { t } = useTranslation('platform');
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const cluster = useCluster();
  const q = useList<Node>('nodes', undefined, table.params);
  // The monitoring API has the host's metrics only: a member's nodes are listed without their use.
  const host = cluster === hostCluster;
  const usage = useNodeUsage(host ? (q.data?.items ?? []).map((n) => n.metadata.name) : []);
  const columns = nodeColumns(t);
  // The usage after the status and the roles, before the allocatable figures.
  if (host) columns.splice(4, 0, ...usageColumns(usage));
  return (
    <>
      <PageHeader title={t('Nodes')} actions={<ClusterSwitcher />} />
      <PageSection>
        <NodeUsage usage={usage} />
        <ResourceTable<Node> id="nodes" ariaLabel={t('Nodes')} table={table} query={q} columns={columns} statuses={['ready', 'notready']} link={(n) => `/platform/nodes/${n.metadata.name}`} />
      </PageSection>
    </>
  );
}
