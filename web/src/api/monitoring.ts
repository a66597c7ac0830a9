import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ApiError, api, query } from './client';

// The monitoring API of ke-apiserver (monitoring.superkube.io/v1alpha3),
// typed: one request carries every metric of a chart group (metrics_filter),
// for one object or a ranked page of a list level. Pages call the hooks and
// never build a path of their own.

export const monitoring = '/kapis/monitoring.superkube.io/v1alpha3';

/** The units the API states for each metric. */
export type Unit = 'cores' | 'bytes' | 'bytes/s' | 'ratio' | 'count' | 'count/s' | 'seconds';

/** A sample as Prometheus gives it: Unix seconds and the value as a string ("NaN" possible). */
export type Sample = [number, string];

export interface Series {
  labels: Record<string, string>;
  /** an instant query's sample */
  value?: Sample;
  /** a range query's samples */
  values?: Sample[];
}

export interface MetricResult {
  metricName: string;
  /** one of Unit; a unit the console does not know is shown after the number */
  unit: string;
  resultType: 'vector' | 'matrix';
  series: Series[];
  /** set when this metric alone failed; the others still answer */
  error?: string;
}

export interface Metrics {
  apiVersion?: string;
  kind?: string;
  results: MetricResult[];
  /** set when a list level was ranked or paged */
  totalItems?: number;
  page?: number;
}

/** The workload kinds the API knows, as it spells them in paths. */
export type WorkloadKind = 'deployment' | 'statefulset' | 'daemonset';

/** workloadKind maps the console's resource (deployments) to the API's workload kind, or undefined for a kind without workload metrics. */
export function workloadKind(resource: string): WorkloadKind | undefined {
  switch (resource) {
    case 'deployments':
      return 'deployment';
    case 'statefulsets':
      return 'statefulset';
    case 'daemonsets':
      return 'daemonset';
  }
  return undefined;
}

export type Component = 'apiserver' | 'etcd' | 'scheduler' | 'controller-manager' | 'platform';

/**
 * Target is what the metrics are of: one object, or the objects of a list
 * level (to be ranked), as the API's paths name them.
 */
export type Target =
  | { level: 'cluster' }
  | { level: 'node'; node?: string }
  | { level: 'workspace'; workspace?: string }
  /** a project, the projects of the cluster, or with workspace those of a workspace */
  | { level: 'namespace'; namespace?: string; workspace?: string }
  | { level: 'workload'; namespace: string; kind?: WorkloadKind; name?: string }
  /** a pod, or the pods of a project, a workspace, a node or a workload */
  | { level: 'pod'; namespace?: string; pod?: string; workspace?: string; node?: string; workload?: { kind: WorkloadKind; name: string } }
  | { level: 'container'; namespace: string; pod: string; container?: string }
  | { level: 'pvc'; namespace: string; pvc?: string }
  | { level: 'component'; component: Component };

const enc = encodeURIComponent;

/** targetPath is the API path of a target. */
export function targetPath(t: Target): string {
  switch (t.level) {
    case 'cluster':
      return `${monitoring}/cluster`;
    case 'node':
      return `${monitoring}/nodes${t.node ? '/' + enc(t.node) : ''}`;
    case 'workspace':
      return `${monitoring}/workspaces${t.workspace ? '/' + enc(t.workspace) : ''}`;
    case 'namespace':
      if (t.namespace) return `${monitoring}/namespaces/${enc(t.namespace)}`;
      return t.workspace ? `${monitoring}/workspaces/${enc(t.workspace)}/namespaces` : `${monitoring}/namespaces`;
    case 'workload': {
      let p = `${monitoring}/namespaces/${enc(t.namespace)}/workloads`;
      if (t.kind) p += `/${t.kind}`;
      if (t.kind && t.name) p += `/${enc(t.name)}`;
      return p;
    }
    case 'pod':
      if (t.workload && t.namespace) return `${monitoring}/namespaces/${enc(t.namespace)}/workloads/${t.workload.kind}/${enc(t.workload.name)}/pods`;
      if (t.node) return `${monitoring}/nodes/${enc(t.node)}/pods`;
      if (t.workspace) return `${monitoring}/workspaces/${enc(t.workspace)}/pods`;
      return `${monitoring}/namespaces/${enc(t.namespace ?? '')}/pods${t.pod ? '/' + enc(t.pod) : ''}`;
    case 'container':
      return `${monitoring}/namespaces/${enc(t.namespace)}/pods/${enc(t.pod)}/containers${t.container ? '/' + enc(t.container) : ''}`;
    case 'pvc':
      return `${monitoring}/namespaces/${enc(t.namespace)}/persistentvolumeclaims${t.pvc ? '/' + enc(t.pvc) : ''}`;
    case 'component':
      return `${monitoring}/components/${t.component}`;
  }
}

/** The time ranges the picker offers; custom names a start and an end. */
export const rangeKeys = ['15m', '1h', '6h', '24h', '7d', 'custom'] as const;
export type RangeKey = (typeof rangeKeys)[number];

/** TimeRange is a chosen range: the last 15m ... 7d, or from start to end (Unix seconds). */
export interface TimeRange {
  key: RangeKey;
  start?: number;
  end?: number;
}

const rangeSeconds: Record<Exclude<RangeKey, 'custom'>, number> = { '15m': 900, '1h': 3600, '6h': 21600, '24h': 86400, '7d': 604800 };

/** At most this many points per series: more would not show on a chart's width, and would cost the server. */
export const maxPoints = 240;

/** The steps a range is read at, in seconds: round durations, the shortest a usual scrape interval. */
const steps = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** stepFor is the shortest round step that keeps a range of this many seconds to at most maxPoints points. */
export function stepFor(seconds: number): number {
  const least = seconds / maxPoints;
  return steps.find((s) => s >= least) ?? Math.ceil(least / 86400) * 86400;
}

/** ResolvedRange is a range as the API takes it: Unix seconds and a step in seconds. */
export interface ResolvedRange {
  start: number;
  end: number;
  step: number;
}

/**
 * resolveRange turns a chosen range into start, end and step at a moment
 * (now, in milliseconds): the end is now (a custom range's own end), and
 * the step keeps every series to at most maxPoints points.
 */
export function resolveRange(r: TimeRange, now = Date.now()): ResolvedRange {
  const nowSec = Math.floor(now / 1000);
  let start: number;
  let end: number;
  if (r.key === 'custom') {
    end = Math.min(r.end ?? nowSec, nowSec);
    start = Math.min(r.start ?? end - 3600, end - 60);
  } else {
    end = nowSec;
    start = end - rangeSeconds[r.key];
  }
  const step = stepFor(end - start);
  // The points are counted back from the end, so that the last one is the
  // end itself: with the first point on a multiple of the step instead, the
  // last could fall up to a step before now, and a week read at 1 h steps
  // of a cluster up for minutes showed no point at all.
  start = end - Math.ceil((end - start) / step) * step;
  return { start, end, step };
}

/** Auto-refresh choices, and how often each reads again (ms). */
export const refreshKeys = ['off', '15s', '1m'] as const;
export type Refresh = (typeof refreshKeys)[number];
export const refreshInterval: Record<Refresh, number | false> = { off: false, '15s': 15_000, '1m': 60_000 };

export interface MetricsQuery {
  /** metric names (sent as one metrics_filter, separated by |) */
  metrics: string[];
  /** names of the objects of a list level (resources_filter) */
  resources?: string[];
  /** a range; without one, an instant query (the latest values) */
  range?: TimeRange;
  /** ranking of a list level by the latest value of a metric */
  sort?: { metric: string; type?: 'asc' | 'desc' };
  page?: number;
  limit?: number;
}

/** metricsURL builds a request's path and query; a range is resolved at now (ms). */
export function metricsURL(target: Target, q: MetricsQuery, now = Date.now()): string {
  const range = q.range ? resolveRange(q.range, now) : undefined;
  return (
    targetPath(target) +
    query({
      metrics_filter: q.metrics.join('|'),
      resources_filter: q.resources?.length ? q.resources.join('|') : undefined,
      start: range?.start,
      end: range?.end,
      step: range ? `${range.step}s` : undefined,
      sort_metric: q.sort?.metric,
      sort_type: q.sort ? (q.sort.type ?? 'desc') : undefined,
      page: q.page,
      limit: q.limit,
    })
  );
}

/** getMetrics reads the metrics of a target. */
export function getMetrics(target: Target, q: MetricsQuery, signal?: AbortSignal, now = Date.now()): Promise<Metrics> {
  return api.get<Metrics>(metricsURL(target, q, now), signal);
}

/**
 * isUnavailable tells an answer that says monitoring cannot answer now
 * (Prometheus down or slow: the API's 503, or a gateway's 502/504).
 */
export function isUnavailable(err: unknown): boolean {
  return err instanceof ApiError && (err.code === 503 || err.code === 502 || err.code === 504);
}

/**
 * retryMetrics retries like every read, but not an unavailable monitoring
 * store: the API already waited its timeout, and the chart says so at once
 * rather than spinning through two more timeouts.
 */
export function retryMetrics(count: number, err: unknown): boolean {
  // As queryClient's shouldRetry (not imported, so that the first load's chunks stay as they are).
  return !isUnavailable(err) && !(err instanceof ApiError && err.code < 500) && count < 2;
}

export interface MetricsOptions extends MetricsQuery {
  refresh?: Refresh;
  enabled?: boolean;
}

/** metricsKey is the cache key of a request: the range by its choice, so that a refresh reads the same entry at a later moment. */
export function metricsKey(target: Target, q: MetricsQuery) {
  return ['monitoring', targetPath(target), q.metrics.join('|'), q.resources?.join('|') ?? '', q.range ?? null, q.sort ?? null, q.page ?? 0, q.limit ?? 0] as const;
}

/**
 * useMetrics reads, in one request, the metrics of a chart group. A range
 * is resolved when the request is sent, so that auto-refresh (refresh)
 * moves it on to now.
 */
export function useMetrics(target: Target, opts: MetricsOptions) {
  const { refresh = 'off', enabled = true, ...q } = opts;
  return useQuery({
    queryKey: metricsKey(target, q),
    queryFn: ({ signal }) => getMetrics(target, q, signal),
    enabled: enabled && q.metrics.length > 0,
    refetchInterval: refreshInterval[refresh],
    retry: retryMetrics,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
}

// Reading answers.

/** num reads a sample's value: NaN and infinities are no value (null). */
export function num(s: string | undefined): number | null {
  if (s === undefined) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/** resultOf is the result of one metric in an answer. */
export function resultOf(m: Metrics | undefined, name: string): MetricResult | undefined {
  return m?.results.find((r) => r.metricName === name);
}

/** latest is a series' latest value: an instant query's value, or a range's last sample that has one. */
export function latest(s: Series | undefined): number | null {
  if (!s) return null;
  if (s.value) return num(s.value[1]);
  const vs = s.values ?? [];
  for (let i = vs.length - 1; i >= 0; i--) {
    const v = num(vs[i][1]);
    if (v !== null) return v;
  }
  return null;
}

/** latestOf is the latest value of a metric's first series (one object's metric). */
export function latestOf(m: Metrics | undefined, name: string): number | null {
  return latest(resultOf(m, name)?.series[0]);
}

/**
 * byLabel maps the latest values of a list level's metric by a label of
 * its series (pod, node, namespace ...).
 */
export function byLabel(m: Metrics | undefined, name: string, label: string): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const s of resultOf(m, name)?.series ?? []) {
    const k = s.labels[label];
    if (k !== undefined) out.set(k, latest(s));
  }
  return out;
}

/** NameOf names the object of a series: a label (pod, node, namespace) or a function of the labels. */
export type NameOf = string | ((labels: Record<string, string>) => string | undefined);

function nameIn(labels: Record<string, string>, nameOf: NameOf): string | undefined {
  return typeof nameOf === 'string' ? labels[nameOf] : nameOf(labels);
}

/** seriesKey tells one object's series from another's of the same name (a pod name in two projects, a Deployment and a StatefulSet of one name). */
function seriesKey(labels: Record<string, string>, nameOf: NameOf): string {
  return `${labels.namespace ?? ''}/${labels.owner_kind ?? labels.workload_kind ?? ''}/${nameIn(labels, nameOf) ?? ''}`;
}

/**
 * ranked is the objects of a ranked answer in the order of its sort
 * metric's series (the API orders them), each with its latest value of
 * every metric of the answer.
 */
export function ranked(m: Metrics | undefined, sortMetric: string, nameOf: NameOf): { name: string; labels: Record<string, string>; values: Record<string, number | null> }[] {
  const order = resultOf(m, sortMetric)?.series ?? [];
  return order.flatMap((s) => {
    const name = nameIn(s.labels, nameOf);
    if (name === undefined) return [];
    const key = seriesKey(s.labels, nameOf);
    const values: Record<string, number | null> = {};
    for (const r of m?.results ?? []) values[r.metricName] = latest(r.series.find((x) => seriesKey(x.labels, nameOf) === key));
    return [{ name, labels: s.labels, values }];
  });
}

/**
 * workloadOf reads which workload a workload-level series is of: its kind
 * (as the API spells it, deployment ...) and name, from the labels the API
 * sets (workload and owner_kind, or the kind's own label).
 */
export function workloadOf(labels: Record<string, string>): { kind?: WorkloadKind; name?: string } {
  const kinds: WorkloadKind[] = ['deployment', 'statefulset', 'daemonset'];
  const rawKind = (labels.owner_kind ?? labels.workload_kind ?? labels.kind ?? '').toLowerCase();
  let kind = kinds.find((k) => k === rawKind);
  let name = labels.workload ?? labels.owner_name ?? labels.name;
  for (const k of kinds) {
    if (!name && labels[k]) {
      name = labels[k];
      kind ??= k;
    }
  }
  // "Deployment:web", as some exporters join them
  if (name && !kind && name.includes(':')) {
    const [k, n] = name.split(':', 2);
    kind = kinds.find((x) => x === k.toLowerCase());
    if (kind) name = n;
  }
  return { kind, name };
}

/** The API path of raw PromQL, for platform administrators. */
export interface PromQuery {
  query: string;
  range: TimeRange;
}

/** promURL builds a raw PromQL range query's path. */
export function promURL(q: PromQuery, now = Date.now()): string {
  const r = resolveRange(q.range, now);
  return `${monitoring}/query_range` + query({ query: q.query, start: r.start, end: r.end, step: `${r.step}s` });
}

/** PrometheusAnswer is Prometheus' own answer shape, which a raw query may pass through. */
export interface PrometheusAnswer {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value?: Sample; values?: Sample[] }[] };
}

/** asMetrics reads a raw query's answer in the API's shape, or in Prometheus' own. */
export function asMetrics(a: Metrics | PrometheusAnswer, name: string): Metrics {
  if ('results' in a) return a;
  return {
    results: [
      {
        metricName: name,
        unit: '',
        resultType: a.data.resultType === 'matrix' ? 'matrix' : 'vector',
        series: a.data.result.map((r) => ({ labels: r.metric, value: r.value, values: r.values })),
      },
    ],
  };
}

/** usePromQuery runs raw PromQL over a range (platform administrators only; the API refuses others with 403). */
export function usePromQuery(q: PromQuery | undefined, refresh: Refresh = 'off') {
  return useQuery({
    queryKey: ['monitoring', 'query_range', q?.query ?? '', q?.range ?? null],
    queryFn: async ({ signal }) => asMetrics(await api.get<Metrics | PrometheusAnswer>(promURL(q!), signal), q!.query),
    enabled: !!q && q.query.trim() !== '',
    refetchInterval: refreshInterval[refresh],
    retry: retryMetrics,
    placeholderData: keepPreviousData,
  });
}
