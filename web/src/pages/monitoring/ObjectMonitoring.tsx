import { Title } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { useMetrics, type WorkloadKind } from '../../api/monitoring';
import { MetricChart } from '../../components/monitoring/MetricChart';
import { ChartGrid, MonitoringSection } from '../../components/monitoring/Panels';
import { useTimeRange } from '../../components/monitoring/TimeRangePicker';

// The Monitoring tabs of a workload and of a pod: the object's own use
// over time, and the same per pod (a workload) or per container (a pod).
// Two requests each.

export const workloadMetrics = ['workload_cpu_usage', 'workload_memory_usage_wo_cache', 'workload_net_bytes_received', 'workload_net_bytes_transmitted', 'workload_replica', 'workload_replica_available'];
export const podMetrics = ['pod_cpu_usage', 'pod_memory_usage_wo_cache', 'pod_net_bytes_received', 'pod_net_bytes_transmitted', 'pod_restarts'];
export const podSplitMetrics = ['pod_cpu_usage', 'pod_memory_usage_wo_cache', 'pod_restarts'];
export const containerMetrics = ['container_cpu_usage', 'container_memory_usage_wo_cache'];

/** WorkloadMonitoring is a Deployment's, StatefulSet's or DaemonSet's Monitoring tab. */
export function WorkloadMonitoring({ namespace, kind, name }: { namespace: string; kind: WorkloadKind; name: string }) {
  const { t } = useTranslation('monitoring');
  const range = useTimeRange();
  const opts = { range: range.range, refresh: range.refresh };
  const w = useMetrics({ level: 'workload', namespace, kind, name }, { ...opts, metrics: workloadMetrics });
  const pods = useMetrics({ level: 'pod', namespace, workload: { kind, name } }, { ...opts, metrics: podSplitMetrics });
  return (
    <MonitoringSection title={t('Monitoring')} range={range} test="workload">
      <ChartGrid>
        <MetricChart title={t('CPU')} query={w} test="workload-cpu" lines={[{ metric: 'workload_cpu_usage', label: t('Used') }]} />
        <MetricChart title={t('Memory')} query={w} test="workload-memory" lines={[{ metric: 'workload_memory_usage_wo_cache', label: t('Used') }]} />
        <MetricChart
          title={t('Network')}
          query={w}
          test="workload-network"
          lines={[
            { metric: 'workload_net_bytes_received', label: t('Received') },
            { metric: 'workload_net_bytes_transmitted', label: t('Transmitted') },
          ]}
        />
        <MetricChart
          title={t('Replicas')}
          query={w}
          test="workload-replicas"
          lines={[
            { metric: 'workload_replica_available', label: t('Available') },
            { metric: 'workload_replica', label: t('Desired'), dashed: true },
          ]}
        />
      </ChartGrid>
      <Title headingLevel="h3">{t('Per pod')}</Title>
      <ChartGrid>
        <MetricChart title={t('CPU per pod')} query={pods} test="workload-pod-cpu" lines={[{ metric: 'pod_cpu_usage', label: '', by: 'pod' }]} />
        <MetricChart title={t('Memory per pod')} query={pods} test="workload-pod-memory" lines={[{ metric: 'pod_memory_usage_wo_cache', label: '', by: 'pod' }]} />
        <MetricChart title={t('Restarts per pod')} query={pods} test="workload-pod-restarts" lines={[{ metric: 'pod_restarts', label: '', by: 'pod' }]} />
      </ChartGrid>
    </MonitoringSection>
  );
}

/** PodMonitoring is a pod's Monitoring tab. */
export function PodMonitoring({ namespace, pod }: { namespace: string; pod: string }) {
  const { t } = useTranslation('monitoring');
  const range = useTimeRange();
  const opts = { range: range.range, refresh: range.refresh };
  const p = useMetrics({ level: 'pod', namespace, pod }, { ...opts, metrics: podMetrics });
  const containers = useMetrics({ level: 'container', namespace, pod }, { ...opts, metrics: containerMetrics });
  return (
    <MonitoringSection title={t('Monitoring')} range={range} test="pod">
      <ChartGrid>
        <MetricChart title={t('CPU')} query={p} test="pod-cpu" lines={[{ metric: 'pod_cpu_usage', label: t('Used') }]} />
        <MetricChart title={t('Memory')} query={p} test="pod-memory" lines={[{ metric: 'pod_memory_usage_wo_cache', label: t('Used') }]} />
        <MetricChart
          title={t('Network')}
          query={p}
          test="pod-network"
          lines={[
            { metric: 'pod_net_bytes_received', label: t('Received') },
            { metric: 'pod_net_bytes_transmitted', label: t('Transmitted') },
          ]}
        />
        <MetricChart title={t('Restarts')} query={p} test="pod-restarts" lines={[{ metric: 'pod_restarts', label: t('Restarts') }]} />
      </ChartGrid>
      <Title headingLevel="h3">{t('Per container')}</Title>
      <ChartGrid>
        <MetricChart title={t('CPU per container')} query={containers} test="container-cpu" lines={[{ metric: 'container_cpu_usage', label: '', by: 'container' }]} />
        <MetricChart title={t('Memory per container')} query={containers} test="container-memory" lines={[{ metric: 'container_memory_usage_wo_cache', label: '', by: 'container' }]} />
      </ChartGrid>
    </MonitoringSection>
  );
}
