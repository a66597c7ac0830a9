import { PageSection } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ClusterSwitcher } from '../../components/ClusterSwitcher';
import { useCluster, withCluster } from '../../api/cluster';
import { kinds } from '../../api/kinds';
import type { K8sObject } from '../../api/types';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable, type Column } from '../../components/ResourceTable';
import { columnsFor } from '../project/columns';

/** AllPods lists the pods of every project the user may see (what the cluster overview's Pods card counts). */
export default function AllPods() {
  const { t } = useTranslation('platform');
  const cluster = useCluster();
  const [name, ...rest] = columnsFor('pods', t);
  const project: Column<K8sObject> = {
    title: t('Project'),
    render: (p) => <Link to={withCluster(`/projects/${p.metadata.namespace}/overview`, cluster)}>{p.metadata.namespace}</Link>,
  };
  return (
    <>
      <PageHeader title={t('Pods')} crumbs={[{ title: t('Cluster overview'), to: '/platform/overview' }, { title: t('Pods') }]} actions={<ClusterSwitcher />} />
      <PageSection>
        <ResourceTable<K8sObject>
          id="all-pods"
          ariaLabel={t('Pods')}
          resource="pods"
          columns={[name, project, ...rest]}
          statuses={kinds.pods.statuses}
          link={(p) => withCluster(`/projects/${p.metadata.namespace}/pods/${p.metadata.name}`, cluster)}
          emptyTitle={t('No pods yet')}
          emptyText={t('Pods appear here when workloads run in projects.')}
        />
      </PageSection>
    </>
  );
}
