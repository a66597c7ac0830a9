import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { byLabel, isUnavailable, useMetrics, type Metrics } from '../../api/monitoring';
import type { Node } from '../../api/types';
import { MonitoringUnavailable } from '../../components/monitoring/MetricChart';
import { formatValue } from '../../components/monitoring/units';
import type { Column } from '../../components/ResourceTable';

export const nodeUsageMetrics = ['node_cpu_usage', 'node_cpu_total', 'node_memory_usage_wo_cache', 'node_memory_total'];

export interface NodeUsageResult {
  data?: Metrics;
  error: unknown;
  t: TFunction;
  lang: string;
}

/** useNodeUsage reads the latest CPU and memory use of the named nodes (the page of a table) in one request, again every minute. */
export function useNodeUsage(names: string[]): NodeUsageResult {
  const { t, i18n } = useTranslation('monitoring');
  const q = useMetrics({ level: 'node' }, { metrics: nodeUsageMetrics, resources: names, enabled: names.length > 0, refresh: '1m' });
  return { data: q.data, error: q.error, t, lang: i18n.language };
}

/** usedOf shows a node's use of a resource and the share of its capacity ("250 millicores (6%)"), or a dash. */
function usedOf(u: NodeUsageResult, node: string, used: string, total: string): string {
  if (u.error) return '–';
  const v = byLabel(u.data, used, 'node').get(node) ?? null;
  const c = byLabel(u.data, total, 'node').get(node) ?? null;
  const unit = u.data?.results.find((r) => r.metricName === used)?.unit ?? '';
  if (v === null) return '–';
  const share = c ? ` (${formatValue(v / c, 'ratio', u.t, u.lang)})` : '';
  return formatValue(v, unit, u.t, u.lang) + share;
}

/** usageColumns are the nodes table's CPU and memory use columns. */
export function usageColumns(u: NodeUsageResult): Column<Node>[] {
  return [
    { title: u.t('CPU used'), render: (n) => <span data-test={`usage-cpu-${n.metadata.name}`}>{usedOf(u, n.metadata.name, 'node_cpu_usage', 'node_cpu_total')}</span> },
    { title: u.t('Memory used'), render: (n) => <span data-test={`usage-memory-${n.metadata.name}`}>{usedOf(u, n.metadata.name, 'node_memory_usage_wo_cache', 'node_memory_total')}</span> },
  ];
}

/** NodeUsage says, above the table, when the use columns cannot be filled because monitoring is unavailable. */
export function NodeUsage({ usage }: { usage: NodeUsageResult }) {
  return isUnavailable(usage.error) ? <MonitoringUnavailable error={usage.error} /> : null;
}
