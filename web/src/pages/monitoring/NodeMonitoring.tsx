import { Card, CardBody, CardTitle } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMetrics } from '../../api/monitoring';
import { MetricChart } from '../../components/monitoring/MetricChart';
import { ChartGrid, MonitoringSection } from '../../components/monitoring/Panels';
import { useTimeRange } from '../../components/monitoring/TimeRangePicker';
import { TopTable } from '../../components/monitoring/TopTable';
import { Capacity } from './ClusterMonitoring';

export const nodeMetrics = [
  'node_cpu_usage',
  'node_cpu_total',
  'node_memory_usage_wo_cache',
  'node_memory_total',
  'node_pod_running_count',
  'node_pod_quota',
  'node_net_bytes_received',
  'node_net_bytes_transmitted',
];
export const topPodMetrics = ['pod_cpu_usage', 'pod_memory_usage_wo_cache'];

/** NodeMonitoring is a node's Monitoring tab: its use against capacity over time, and its busiest pods. Two requests. */
export default function NodeMonitoring({ node }: { node: string }) {
  const { t } = useTranslation('monitoring');
  const range = useTimeRange();
  const opts = { range: range.range, refresh: range.refresh };
  const m = useMetrics({ level: 'node', node }, { ...opts, metrics: nodeMetrics });
  const top = useMetrics({ level: 'pod', node }, { metrics: topPodMetrics, sort: { metric: 'pod_cpu_usage' }, limit: 10, refresh: range.refresh });
  return (
    <MonitoringSection title={t('Monitoring')} range={range} test="node">
      <ChartGrid>
        <Capacity query={m} prefix="node" test="node" />
        <MetricChart
          title={t('CPU')}
          query={m}
          test="node-cpu"
          lines={[
            { metric: 'node_cpu_usage', label: t('Used') },
            { metric: 'node_cpu_total', label: t('Capacity'), dashed: true },
          ]}
        />
        <MetricChart
          title={t('Memory')}
          query={m}
          test="node-memory"
          lines={[
            { metric: 'node_memory_usage_wo_cache', label: t('Used') },
            { metric: 'node_memory_total', label: t('Capacity'), dashed: true },
          ]}
        />
        <MetricChart
          title={t('Pods')}
          query={m}
          test="node-pods"
          lines={[
            { metric: 'node_pod_running_count', label: t('Running') },
            { metric: 'node_pod_quota', label: t('Allowed'), dashed: true },
          ]}
        />
        <MetricChart
          title={t('Network')}
          query={m}
          test="node-network"
          lines={[
            { metric: 'node_net_bytes_received', label: t('Received') },
            { metric: 'node_net_bytes_transmitted', label: t('Transmitted') },
          ]}
        />
      </ChartGrid>
      <Card isCompact>
        <CardTitle>{t('Pods using the most CPU')}</CardTitle>
        <CardBody>
          <TopTable
            query={top}
            sortMetric="pod_cpu_usage"
            nameOf="pod"
            nameTitle={t('Pod')}
            ariaLabel={t('Pods using the most CPU')}
            extra={{ title: t('Project'), render: (l) => (l.namespace ? <Link to={`/projects/${l.namespace}/overview`}>{l.namespace}</Link> : '-') }}
            columns={[
              { metric: 'pod_cpu_usage', title: t('CPU') },
              { metric: 'pod_memory_usage_wo_cache', title: t('Memory') },
            ]}
            link={(name, l) => (l.namespace ? `/projects/${l.namespace}/pods/${name}` : undefined)}
            test="node-pods"
          />
        </CardBody>
      </Card>
    </MonitoringSection>
  );
}
