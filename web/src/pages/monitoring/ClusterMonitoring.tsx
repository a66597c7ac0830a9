import { Card, CardBody, CardTitle, Stack, Title } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { latestOf, useMetrics, type Metrics } from '../../api/monitoring';
import { MetricChart, MetricsState, type MetricsResult } from '../../components/monitoring/MetricChart';
import { ChartGrid, MonitoringSection } from '../../components/monitoring/Panels';
import { useTimeRange } from '../../components/monitoring/TimeRangePicker';
import { UsageBar, type BarKind } from '../../components/monitoring/UsageBar';

// The cluster overview's charts: usage against capacity, the API server and
// etcd, in three requests (one per group), whatever the range.

export const clusterMetrics = [
  'cluster_cpu_usage',
  'cluster_cpu_total',
  'cluster_memory_usage_wo_cache',
  'cluster_memory_total',
  'cluster_pod_running_count',
  'cluster_pod_count',
  'cluster_node_online',
  'cluster_node_total',
  'cluster_net_bytes_received',
  'cluster_net_bytes_transmitted',
];
export const apiserverMetrics = ['apiserver_request_rate', 'apiserver_request_latency_p99', 'apiserver_error_rate'];
export const etcdMetrics = ['etcd_server_has_leader', 'etcd_db_size', 'etcd_request_latency_p99'];

/** unitOf is the unit the API stated for a metric. */
function unitOf(m: Metrics | undefined, name: string): string {
  return m?.results.find((r) => r.metricName === name)?.unit ?? '';
}

/** Capacity shows, as bars, what the cluster uses of its CPU, memory, pods and nodes (the latest values of the range read for the charts). */
export function Capacity({ query, prefix, test }: { query: MetricsResult; prefix: 'cluster' | 'node'; test: string }) {
  const { t } = useTranslation('monitoring');
  const m = query.data;
  const state = <MetricsState query={query} height={120} />;
  const bar = (title: string, used: string, total: string, id: string, kind: BarKind = 'use') => (
    <UsageBar title={title} used={latestOf(m, used)} total={latestOf(m, total)} unit={unitOf(m, used) || unitOf(m, total)} test={id} kind={kind} />
  );
  return (
    <Card isCompact data-test={`capacity-${test}`}>
      <CardTitle>{t('Usage against capacity')}</CardTitle>
      <CardBody>
        {query.error || query.isLoading || !m ? (
          state
        ) : (
          <Stack hasGutter>
            {bar(t('CPU'), `${prefix}_cpu_usage`, `${prefix}_cpu_total`, 'cpu')}
            {bar(t('Memory'), `${prefix}_memory_usage_wo_cache`, `${prefix}_memory_total`, 'memory')}
            {prefix === 'cluster' ? bar(t('Pods running'), 'cluster_pod_running_count', 'cluster_pod_count', 'pods', 'share') : bar(t('Pods'), 'node_pod_running_count', 'node_pod_quota', 'pods')}
            {prefix === 'cluster' && bar(t('Nodes online'), 'cluster_node_online', 'cluster_node_total', 'nodes', 'health')}
          </Stack>
        )}
      </CardBody>
    </Card>
  );
}

/** ClusterMonitoring is the cluster overview's monitoring: usage against capacity, the API server and etcd. */
export default function ClusterMonitoring() {
  const { t } = useTranslation('monitoring');
  const range = useTimeRange();
  const opts = { range: range.range, refresh: range.refresh };
  const cluster = useMetrics({ level: 'cluster' }, { ...opts, metrics: clusterMetrics });
  const apiserver = useMetrics({ level: 'component', component: 'apiserver' }, { ...opts, metrics: apiserverMetrics });
  const etcd = useMetrics({ level: 'component', component: 'etcd' }, { ...opts, metrics: etcdMetrics });
  return (
    <MonitoringSection title={t('Monitoring')} range={range} test="cluster">
      <ChartGrid>
        <Capacity query={cluster} prefix="cluster" test="cluster" />
        <MetricChart
          title={t('CPU')}
          query={cluster}
          test="cluster-cpu"
          lines={[
            { metric: 'cluster_cpu_usage', label: t('Used') },
            { metric: 'cluster_cpu_total', label: t('Capacity'), dashed: true },
          ]}
        />
        <MetricChart
          title={t('Memory')}
          query={cluster}
          test="cluster-memory"
          lines={[
            { metric: 'cluster_memory_usage_wo_cache', label: t('Used') },
            { metric: 'cluster_memory_total', label: t('Capacity'), dashed: true },
          ]}
        />
        <MetricChart
          title={t('Pods')}
          query={cluster}
          test="cluster-pods"
          lines={[
            { metric: 'cluster_pod_running_count', label: t('Running') },
            { metric: 'cluster_pod_count', label: t('All') },
          ]}
        />
        <MetricChart
          title={t('Network')}
          query={cluster}
          test="cluster-network"
          lines={[
            { metric: 'cluster_net_bytes_received', label: t('Received') },
            { metric: 'cluster_net_bytes_transmitted', label: t('Transmitted') },
          ]}
        />
      </ChartGrid>
      <Title headingLevel="h3">{t('API server')}</Title>
      <ChartGrid>
        <MetricChart title={t('API requests')} query={apiserver} test="apiserver-requests" lines={[{ metric: 'apiserver_request_rate', label: t('Requests') }]} />
        <MetricChart title={t('API latency (p99)')} query={apiserver} test="apiserver-latency" lines={[{ metric: 'apiserver_request_latency_p99', label: t('p99') }]} />
        <MetricChart title={t('API errors')} query={apiserver} test="apiserver-errors" lines={[{ metric: 'apiserver_error_rate', label: t('Errors') }]} />
      </ChartGrid>
      <Title headingLevel="h3">etcd</Title>
      <ChartGrid>
        <MetricChart title={t('etcd has a leader')} query={etcd} test="etcd-leader" lines={[{ metric: 'etcd_server_has_leader', label: t('Leader') }]} />
        <MetricChart title={t('etcd database size')} query={etcd} test="etcd-size" lines={[{ metric: 'etcd_db_size', label: t('Size') }]} />
        <MetricChart title={t('etcd latency (p99)')} query={etcd} test="etcd-latency" lines={[{ metric: 'etcd_request_latency_p99', label: t('p99') }]} />
      </ChartGrid>
    </MonitoringSection>
  );
}
