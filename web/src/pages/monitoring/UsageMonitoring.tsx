import { Card, CardBody, CardTitle, Gallery } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { kinds } from '../../api/kinds';
import { useMetrics, workloadOf } from '../../api/monitoring';
import { MetricChart } from '../../components/monitoring/MetricChart';
import { ChartGrid, MonitoringSection } from '../../components/monitoring/Panels';
import { useTimeRange } from '../../components/monitoring/TimeRangePicker';
import { TopTable } from '../../components/monitoring/TopTable';
import { topPodMetrics } from './NodeMonitoring';

// A workspace's or a project's use over time, and what in it uses the most:
// three requests (the charts, the top projects or workloads, the top pods).

/** levelMetrics are the usage metrics of a workspace or a project, named by the level's prefix. */
export function levelMetrics(prefix: 'workspace' | 'namespace'): string[] {
  return ['cpu_usage', 'memory_usage_wo_cache', 'net_bytes_received', 'net_bytes_transmitted', 'pod_count', 'pod_running_count'].map((m) => `${prefix}_${m}`);
}

/** resourceOf is the console's resource (deployments) of a workload kind of the API. */
function resourceOf(kind: string | undefined): string | undefined {
  const r = kind ? `${kind}s` : undefined;
  return r && kinds[r] ? r : undefined;
}

function UsageCharts({ prefix, query, test }: { prefix: 'workspace' | 'namespace'; query: ReturnType<typeof useMetrics>; test: string }) {
  const { t } = useTranslation('monitoring');
  return (
    <ChartGrid>
      <MetricChart title={t('CPU')} query={query} test={`${test}-cpu`} lines={[{ metric: `${prefix}_cpu_usage`, label: t('Used') }]} />
      <MetricChart title={t('Memory')} query={query} test={`${test}-memory`} lines={[{ metric: `${prefix}_memory_usage_wo_cache`, label: t('Used') }]} />
      <MetricChart
        title={t('Network')}
        query={query}
        test={`${test}-network`}
        lines={[
          { metric: `${prefix}_net_bytes_received`, label: t('Received') },
          { metric: `${prefix}_net_bytes_transmitted`, label: t('Transmitted') },
        ]}
      />
      <MetricChart
        title={t('Pods')}
        query={query}
        test={`${test}-pods`}
        lines={[
          { metric: `${prefix}_pod_running_count`, label: t('Running') },
          { metric: `${prefix}_pod_count`, label: t('All') },
        ]}
      />
    </ChartGrid>
  );
}

/** WorkspaceMonitoring is a workspace overview's use: charts, the projects and the pods that use the most CPU. */
export function WorkspaceMonitoring({ workspace }: { workspace: string }) {
  const { t } = useTranslation('monitoring');
  const range = useTimeRange();
  const m = useMetrics({ level: 'workspace', workspace }, { range: range.range, refresh: range.refresh, metrics: levelMetrics('workspace') });
  const projects = useMetrics({ level: 'namespace', workspace }, { metrics: ['namespace_cpu_usage', 'namespace_memory_usage_wo_cache'], sort: { metric: 'namespace_cpu_usage' }, limit: 5, refresh: range.refresh });
  const pods = useMetrics({ level: 'pod', workspace }, { metrics: topPodMetrics, sort: { metric: 'pod_cpu_usage' }, limit: 5, refresh: range.refresh });
  return (
    <MonitoringSection title={t('Usage')} range={range} test="workspace">
      <UsageCharts prefix="workspace" query={m} test="workspace" />
      <Gallery hasGutter minWidths={{ default: '100%', lg: '480px' }}>
        <Card isCompact>
          <CardTitle>{t('Projects using the most CPU')}</CardTitle>
          <CardBody>
            <TopTable
              query={projects}
              sortMetric="namespace_cpu_usage"
              nameOf="namespace"
              nameTitle={t('Project')}
              ariaLabel={t('Projects using the most CPU')}
              columns={[
                { metric: 'namespace_cpu_usage', title: t('CPU') },
                { metric: 'namespace_memory_usage_wo_cache', title: t('Memory') },
              ]}
              link={(name) => `/projects/${name}/overview`}
              test="workspace-projects"
            />
          </CardBody>
        </Card>
        <TopPods query={pods} test="workspace-pods" withProject />
      </Gallery>
    </MonitoringSection>
  );
}

function TopPods({ query, test, withProject }: { query: ReturnType<typeof useMetrics>; test: string; withProject?: boolean }) {
  const { t } = useTranslation('monitoring');
  return (
    <Card isCompact>
      <CardTitle>{t('Pods using the most CPU')}</CardTitle>
      <CardBody>
        <TopTable
          query={query}
          sortMetric="pod_cpu_usage"
          nameOf="pod"
          nameTitle={t('Pod')}
          ariaLabel={t('Pods using the most CPU')}
          extra={withProject ? { title: t('Project'), render: (l) => l.namespace ?? '-' } : undefined}
          columns={[
            { metric: 'pod_cpu_usage', title: t('CPU') },
            { metric: 'pod_memory_usage_wo_cache', title: t('Memory') },
          ]}
          link={(name, l) => (l.namespace ? `/projects/${l.namespace}/pods/${name}` : undefined)}
          test={test}
        />
      </CardBody>
    </Card>
  );
}

/** ProjectMonitoring is a project overview's use: charts, the workloads and the pods that use the most CPU. */
export function ProjectMonitoring({ namespace }: { namespace: string }) {
  const { t } = useTranslation('monitoring');
  const range = useTimeRange();
  const m = useMetrics({ level: 'namespace', namespace }, { range: range.range, refresh: range.refresh, metrics: levelMetrics('namespace') });
  const workloads = useMetrics({ level: 'workload', namespace }, { metrics: ['workload_cpu_usage', 'workload_memory_usage_wo_cache'], sort: { metric: 'workload_cpu_usage' }, limit: 5, refresh: range.refresh });
  const pods = useMetrics({ level: 'pod', namespace }, { metrics: topPodMetrics, sort: { metric: 'pod_cpu_usage' }, limit: 5, refresh: range.refresh });
  return (
    <MonitoringSection title={t('Usage')} range={range} test="project">
      <UsageCharts prefix="namespace" query={m} test="project" />
      <Gallery hasGutter minWidths={{ default: '100%', lg: '480px' }}>
        <Card isCompact>
          <CardTitle>{t('Workloads using the most CPU')}</CardTitle>
          <CardBody>
            <TopTable
              query={workloads}
              sortMetric="workload_cpu_usage"
              nameOf={(l) => workloadOf(l).name}
              nameTitle={t('Workload')}
              ariaLabel={t('Workloads using the most CPU')}
              extra={{ title: t('Kind'), render: (l) => kinds[resourceOf(workloadOf(l).kind) ?? '']?.kind ?? '-' }}
              columns={[
                { metric: 'workload_cpu_usage', title: t('CPU') },
                { metric: 'workload_memory_usage_wo_cache', title: t('Memory') },
              ]}
              link={(name, l) => {
                const r = resourceOf(workloadOf(l).kind);
                return r ? `/projects/${namespace}/${r}/${name}` : undefined;
              }}
              test="project-workloads"
            />
          </CardBody>
        </Card>
        <TopPods query={pods} test="project-pods" />
      </Gallery>
    </MonitoringSection>
  );
}
