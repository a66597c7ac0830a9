import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, query } from './client';
import { apiPath, kinds } from './kinds';
import { refreshInterval, resolveRange, retryMetrics, type MetricResult, type Metrics, type Refresh, type Sample, type TimeRange } from './monitoring';
import { createObject, readObject } from './mutations';
import type { ListParams } from './resources';
import type { Condition, K8sObject, List, Workload } from './types';

// The service mesh and tracing API of ke-apiserver
// (servicemesh.superkube.io/v1alpha2, docs/proposals/20261206-servicemesh.md),
// typed: a project's Strategies (grayscale releases) and ServicePolicies,
// its Services with their versions, its membership of the mesh, its
// traffic graph and the versions' metrics, and its traces (Jaeger's query
// API trimmed to the caller's projects). The types mirror
// api/servicemesh/v1alpha2. Pages call these and never build a path of
// their own; the answers' shapes are adjusted here alone.

export const servicemeshGroup = 'servicemesh.superkube.io';
export const servicemesh = `/kapis/${servicemeshGroup}/v1alpha2`;

const enc = encodeURIComponent;

/** Labels of api/servicemesh/v1alpha2 (labels.go). */
export const appLabel = 'app';
export const defaultVersionLabel = 'version';

/** A duration as metav1.Duration writes it: "250ms", "10s", "1m0s". */
export type Duration = string;

// Strategies.

export const strategyTypes = ['Canary', 'BlueGreen', 'Mirror'] as const;
export type StrategyType = (typeof strategyTypes)[number];

export type Decision = 'Promote' | 'Rollback';
export type VersionRole = 'Principal' | 'Canary';

/** StringMatch: exactly one of exact, prefix and regex (RE2). */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface CookieMatch {
  name: string;
  value: StringMatch;
}

/** RequestMatch: every header and cookie listed must match; several RequestMatches are alternatives. */
export interface RequestMatch {
  headers?: Record<string, StringMatch>;
  cookies?: CookieMatch[];
}

export interface StrategySpec {
  type: StrategyType;
  service: string;
  versionLabel?: string;
  principal: string;
  canary: string;
  weight?: number;
  match?: RequestMatch[];
  active?: VersionRole;
  mirror?: { percent: number };
  decision?: Decision;
}

export interface WorkloadStatus {
  kind: string;
  name: string;
  replicas: number;
  readyReplicas: number;
}

export interface VersionStatus {
  name: string;
  weight: number;
  pods: number;
  workloads?: WorkloadStatus[];
}

export const strategyPhases = ['Pending', 'Progressing', 'Promoted', 'RolledBack', 'Failed'] as const;
export type StrategyPhase = (typeof strategyPhases)[number];

export interface Strategy extends K8sObject {
  spec: StrategySpec;
  status?: {
    observedGeneration?: number;
    phase?: StrategyPhase;
    /** the principal first, then the canary */
    versions?: VersionStatus[];
    virtualService?: string;
    destinationRule?: string;
    /** the field of the spec a failure is about (spec.canary, spec.match[0].headers.x-user.regex) */
    field?: string;
    decidedAt?: string;
    conditions?: Condition[];
  };
}

// Service policies.

export const loadBalancerTypes = ['RoundRobin', 'LeastRequest', 'Random', 'Passthrough'] as const;
export type LoadBalancerType = (typeof loadBalancerTypes)[number];

export interface ServicePolicySpec {
  service: string;
  connectionPool?: {
    tcp?: { maxConnections?: number; connectTimeout?: Duration };
    http?: { http1MaxPendingRequests?: number; http2MaxRequests?: number; maxRequestsPerConnection?: number; maxRetries?: number };
  };
  outlierDetection?: { consecutive5xxErrors?: number; interval?: Duration; baseEjectionTime?: Duration; maxEjectionPercent?: number };
  loadBalancer?: {
    simple?: LoadBalancerType;
    consistentHash?: { httpHeaderName?: string; httpCookie?: { name: string; path?: string; ttl?: Duration }; useSourceIP?: boolean };
  };
  retries?: { attempts: number; perTryTimeout?: Duration; retryOn?: string };
  timeout?: Duration;
}

export interface ServicePolicy extends K8sObject {
  spec: ServicePolicySpec;
  status?: { observedGeneration?: number; virtualService?: string; destinationRule?: string; field?: string; conditions?: Condition[] };
}

// A project's Services as the mesh sees them.

/** A version of a service as the services list gives it (internal/handlers/servicemesh). */
export interface ServiceVersion {
  /** the version label's value; "" for pods without the label */
  name: string;
  pods: number;
  readyPods?: number;
  workloads?: (WorkloadStatus & { images?: string[] })[];
}

/** MeshService is a Service of the project with its versions, and the strategies and policy that route it. */
export interface MeshService {
  name: string;
  /** the Service's selector */
  selector?: Record<string, string>;
  /** the versions of its pods; those without a version label are left out */
  versions: ServiceVersion[];
  /** the undecided Strategy of the service, if any */
  strategy?: string;
  /** its ServicePolicy, if any */
  policy?: string;
}

export interface MeshServiceList {
  items: MeshService[];
  totalItems: number;
  /** whether the project is in the mesh (sidecar injection) */
  meshEnabled?: boolean;
}

/** The services list's answer: Services with the mesh's view of them (GET namespaces/{ns}/services). */
interface RawService extends K8sObject {
  spec?: { selector?: Record<string, string> };
  versions?: ServiceVersion[] | null;
  strategies?: { name: string; phase: string; type?: StrategyType; decision?: Decision }[] | null;
  servicePolicies?: { name: string; phase: string }[] | null;
  mesh?: boolean;
}

/** meshServices reads the services list's answer into what the pages use. */
export function meshServices(l: List<RawService>): MeshServiceList {
  return {
    totalItems: l.totalItems,
    meshEnabled: l.items[0]?.mesh,
    items: l.items.map((s) => ({
      name: s.metadata.name,
      selector: s.spec?.selector,
      versions: (s.versions ?? []).filter((v) => v.name !== ''),
      strategy: (s.strategies ?? []).find((x) => !x.decision)?.name,
      policy: s.servicePolicies?.[0]?.name,
    })),
  };
}

/** Mesh is the project's membership of the mesh (the istio-injection label). */
export interface Mesh {
  enabled: boolean;
}

// Topology and metrics.

export type NodeKind = 'service' | 'workload' | 'external' | 'unknown';

export interface TopologyNode {
  id: string;
  kind: NodeKind;
  namespace?: string;
  name: string;
  service?: string;
  workload?: string;
  version?: string;
}

export interface TopologyEdge {
  source: string;
  target: string;
  /** requests per second */
  rate: number;
  /** 0 to 1 */
  errorRatio: number;
  /** milliseconds */
  latencyP50?: number;
  latencyP95?: number;
  latencyP99?: number;
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  window?: string;
}

/** The topology endpoint's answer (internal/servicemesh/topology): latencies grouped, a workload node's app beside its name. */
interface RawTopology {
  nodes: { id: string; kind: NodeKind; namespace?: string; name: string; app?: string; version?: string }[] | null;
  edges: { source: string; target: string; rate: number; errorRatio: number; responses?: Record<string, number>; latency?: { p50: number; p95: number; p99: number } | null }[] | null;
  start?: string;
  end?: string;
}

/** topologyOf reads the endpoint's graph into the page's. */
export function topologyOf(r: RawTopology): Topology {
  return {
    nodes: (r.nodes ?? []).map((n) => ({
      id: n.id,
      kind: n.kind,
      namespace: n.namespace,
      name: n.name,
      version: n.version,
      service: n.kind === 'service' ? n.name : n.app,
      workload: n.kind === 'workload' ? n.name : undefined,
    })),
    edges: (r.edges ?? []).map((e) => ({ source: e.source, target: e.target, rate: e.rate, errorRatio: e.errorRatio, latencyP50: e.latency?.p50, latencyP95: e.latency?.p95, latencyP99: e.latency?.p99 })),
  };
}

/** A series' points: [Unix seconds, value]. */
export type Points = [number, number | string][];

export interface VersionMetrics {
  version: string;
  current: { rate: number; errorRatio: number; p50?: number; p95?: number; p99?: number };
  series: { rate?: Points; errorRatio?: Points; p95?: Points };
}

export interface VersionsMetrics {
  versions: VersionMetrics[];
  units?: Record<string, string>;
}

interface RawSeries {
  current: number | null;
  points: { t: number; v: number }[] | null;
}

/** The versions endpoint's answer (internal/servicemesh/topology): a series per measure, latency by quantile in milliseconds. */
interface RawVersions {
  versions: { version: string; rate: RawSeries; errorRatio: RawSeries; latency: Record<string, RawSeries> | null }[] | null;
  units?: Record<string, string>;
}

/** versionsOf reads the endpoint's versions into the page's. */
export function versionsOf(r: RawVersions): VersionsMetrics {
  const points = (x: RawSeries | undefined): Points => (x?.points ?? []).map((p) => [p.t, p.v]);
  return {
    units: { rate: 'req/s', errorRatio: 'ratio', p95: 'ms' },
    versions: (r.versions ?? []).map((v) => ({
      version: v.version,
      current: { rate: v.rate.current ?? NaN, errorRatio: v.errorRatio.current ?? NaN, p50: v.latency?.p50?.current ?? undefined, p95: v.latency?.p95?.current ?? undefined, p99: v.latency?.p99?.current ?? undefined },
      series: { rate: points(v.rate), errorRatio: points(v.errorRatio), p95: points(v.latency?.p95) },
    })),
  };
}

// Tracing.

export interface KeyValue {
  key: string;
  type?: string;
  value: unknown;
}

export interface SpanLog {
  /** µs since the epoch */
  timestamp: number;
  fields: KeyValue[];
}

export interface Span {
  spanID: string;
  parentSpanID?: string;
  service: string;
  namespace?: string;
  operation: string;
  /** µs since the epoch */
  startTime: number;
  /** µs */
  duration: number;
  tags?: KeyValue[];
  logs?: SpanLog[];
  /** OpenTelemetry's error status or the error tag, as the API tells it */
  error?: boolean;
  /** the resource's attributes (k8s.namespace.name, service.name ...) */
  processTags?: KeyValue[];
}

export interface Trace {
  traceID: string;
  spans: Span[];
  /** spans of projects the caller may not read, left out */
  hiddenSpans?: number;
}

export interface TraceSearch {
  service: string;
  operation?: string;
  /** tags the spans must carry, key to value */
  tags?: Record<string, string>;
  /** durations as Jaeger reads them: "100ms", "1.5s" */
  minDuration?: string;
  maxDuration?: string;
  /** Unix seconds */
  start?: number;
  end?: number;
  /** seconds back from now, when start and end are not given (resolved when the request is sent) */
  lookback?: number;
  limit?: number;
}

export interface TraceResults {
  items: Trace[];
  totalItems?: number;
  /** the spans of other projects left out of all the traces found */
  hiddenSpans?: number;
}

// Paths.

const nsPath = (ns: string) => `${servicemesh}/namespaces/${enc(ns)}`;
const strategiesPath = (ns: string) => `${nsPath(ns)}/strategies`;
const strategyPath = (ns: string, name: string) => `${strategiesPath(ns)}/${enc(name)}`;
const policiesPath = (ns: string) => `${nsPath(ns)}/servicepolicies`;
const policyPath = (ns: string, name: string) => `${policiesPath(ns)}/${enc(name)}`;
const tracingPath = (ns: string) => `${nsPath(ns)}/tracing`;

/** How often a strategy's page reads it again: the controller applies a change within moments. */
export const strategyRefreshMs = 3000;

function useListOf<T>(path: string, params: ListParams, enabled = true, refetchInterval: number | false = false) {
  return useQuery({
    queryKey: ['api', path, params],
    queryFn: ({ signal }) => api.get<List<T>>(path + query(params), signal),
    placeholderData: keepPreviousData,
    enabled,
    refetchInterval,
  });
}

// Strategies.

export function useStrategies(ns: string, params: ListParams, enabled = true) {
  return useListOf<Strategy>(strategiesPath(ns), params, enabled && !!ns, strategyRefreshMs * 2);
}

export function useStrategy(ns: string, name: string) {
  return useQuery({
    queryKey: ['api', strategyPath(ns, name)],
    queryFn: ({ signal }) => api.get<Strategy>(strategyPath(ns, name), signal),
    enabled: !!ns && !!name,
    refetchInterval: strategyRefreshMs,
  });
}

export function createStrategy(ns: string, s: Strategy) {
  return api.post<Strategy>(strategiesPath(ns), s);
}

export function deleteStrategy(ns: string, name: string) {
  return api.del<unknown>(strategyPath(ns, name));
}

/** setWeight shifts a canary's share of the requests (0 to 100). */
export function setWeight(ns: string, name: string, weight: number) {
  return api.put<Strategy>(`${strategyPath(ns, name)}/weight`, { weight });
}

/** decide promotes the canary or rolls back to the principal: final. */
export function decide(ns: string, name: string, decision: Decision) {
  return api.post<Strategy>(`${strategyPath(ns, name)}/${decision === 'Promote' ? 'promote' : 'rollback'}`, {});
}

// Service policies.

export function useServicePolicies(ns: string, params: ListParams, enabled = true) {
  return useListOf<ServicePolicy>(policiesPath(ns), params, enabled && !!ns);
}

export function useServicePolicy(ns: string, name: string) {
  return useQuery({
    queryKey: ['api', policyPath(ns, name)],
    queryFn: ({ signal }) => api.get<ServicePolicy>(policyPath(ns, name), signal),
    enabled: !!ns && !!name,
  });
}

export function createServicePolicy(ns: string, p: ServicePolicy) {
  return api.post<ServicePolicy>(policiesPath(ns), p);
}

/** updateServicePolicy replaces the policy read at its resourceVersion (a change made meanwhile is a conflict). */
export function updateServicePolicy(ns: string, p: ServicePolicy) {
  const obj: ServicePolicy = { ...p };
  delete obj.status;
  return api.put<ServicePolicy>(policyPath(ns, p.metadata.name), obj);
}

export function deleteServicePolicy(ns: string, name: string) {
  return api.del<unknown>(policyPath(ns, name));
}

// Services and membership.

/** useMeshServices reads the project's Services with their versions (all of them: a project has few). */
export function useMeshServices(ns: string, enabled = true) {
  const path = `${nsPath(ns)}/services`;
  return useQuery({
    queryKey: ['api', path],
    queryFn: ({ signal }) => api.get<List<RawService>>(path + query({ limit: 500, sortBy: 'name', ascending: true }), signal).then(meshServices),
    enabled: enabled && !!ns,
  });
}

export function meshKey(ns: string) {
  return ['api', `${nsPath(ns)}/mesh`] as const;
}

export function useMesh(ns: string, enabled = true) {
  return useQuery({
    queryKey: meshKey(ns),
    queryFn: ({ signal }) => api.get<Mesh>(`${nsPath(ns)}/mesh`, signal),
    enabled: enabled && !!ns,
  });
}

export function setMesh(ns: string, enabled: boolean) {
  return api.put<Mesh>(`${nsPath(ns)}/mesh`, { enabled });
}

// Deployments of a new version, through the Kubernetes API as the user.

export function readDeployment(ns: string, name: string) {
  return readObject<Workload>(kinds.deployments, ns, name);
}

export function createDeployment(ns: string, d: Workload) {
  return createObject<Workload>(kinds.deployments, ns, d);
}

/** deploymentPath is where a Deployment lives in the Kubernetes API (for tests' and links' sake). */
export function deploymentPath(ns: string, name: string) {
  return apiPath(kinds.deployments, ns, name);
}

// Topology and metrics.

/**
 * useTopology reads the project's traffic graph over a range; the range is
 * resolved when the request is sent (as useMetrics does), so that a
 * refresh reads the same entry at a later moment.
 */
export function useTopology(ns: string, range: TimeRange, refresh: Refresh = 'off', enabled = true) {
  const path = `${nsPath(ns)}/topology`;
  return useQuery({
    queryKey: ['api', path, range],
    queryFn: ({ signal }): Promise<Topology> => {
      const r = resolveRange(range);
      return api.get<RawTopology>(path + query({ start: r.start, end: r.end }), signal).then(topologyOf);
    },
    enabled: enabled && !!ns,
    placeholderData: keepPreviousData,
    refetchInterval: refreshInterval[refresh],
    retry: retryMetrics,
  });
}

/** useVersionMetrics reads each version's rate, error ratio and latency of a service over a range, to compare a canary. */
export function useVersionMetrics(ns: string, service: string, range: TimeRange, refresh: Refresh = 'off', enabled = true) {
  const path = `${nsPath(ns)}/services/${enc(service)}/versions/metrics`;
  return useQuery({
    queryKey: ['api', path, range],
    queryFn: ({ signal }): Promise<VersionsMetrics> => {
      const r = resolveRange(range);
      return api.get<RawVersions>(path + query({ start: r.start, end: r.end, step: `${r.step}s` }), signal).then(versionsOf);
    },
    enabled: enabled && !!ns && !!service,
    placeholderData: keepPreviousData,
    refetchInterval: refreshInterval[refresh],
    retry: retryMetrics,
  });
}

/**
 * versionsAsMetrics gives the versions' series in the monitoring API's
 * shape (one metric per chart, one series per version), so that the
 * monitoring pages' charts draw them: rate (count/s), errorRatio (ratio)
 * and p95 (seconds; the API states milliseconds).
 */
export function versionsAsMetrics(v: VersionsMetrics | undefined): Metrics | undefined {
  if (!v) return undefined;
  const metric = (name: 'rate' | 'errorRatio' | 'p95', unit: string, scale = 1): MetricResult => ({
    metricName: name,
    unit,
    resultType: 'matrix',
    series: v.versions.map((x) => ({ labels: { version: x.version }, values: (x.series[name] ?? []).map(([t, val]) => [t, String(Number(val) * scale)] as Sample) })),
  });
  const msUnit = (v.units?.p95 ?? 'ms') === 'ms';
  return { results: [metric('rate', 'count/s'), metric('errorRatio', 'ratio'), msUnit ? metric('p95', 'seconds', 0.001) : metric('p95', v.units?.p95 ?? 'seconds')] };
}

// Tracing.

export function useTraceServices(ns: string, enabled = true) {
  const path = `${tracingPath(ns)}/services`;
  return useQuery({
    queryKey: ['api', path],
    queryFn: ({ signal }) => api.get<{ items: { name: string }[] }>(path, signal).then((l) => (l.items ?? []).map((s) => s.name)),
    enabled: enabled && !!ns,
  });
}

export function useOperations(ns: string, service: string) {
  const path = `${tracingPath(ns)}/services/${enc(service)}/operations`;
  return useQuery({
    queryKey: ['api', path],
    queryFn: ({ signal }) => api.get<{ items: { name: string; spanKind?: string }[] }>(path, signal).then((l) => l.items ?? []),
    enabled: !!ns && !!service,
  });
}

/** tracesQuery is a search's query string: tags as Jaeger's query API reads them (a JSON object), times in µs. */
export function tracesQuery(search: TraceSearch, now = Date.now()): string {
  const s = { ...search };
  if (s.start === undefined && s.end === undefined && s.lookback) {
    s.end = Math.floor(now / 1000);
    s.start = s.end - s.lookback;
  }
  return query({
    service: s.service,
    operation: s.operation,
    tags: s.tags && Object.keys(s.tags).length > 0 ? JSON.stringify(s.tags) : undefined,
    minDuration: s.minDuration,
    maxDuration: s.maxDuration,
    start: s.start !== undefined ? s.start * 1_000_000 : undefined,
    end: s.end !== undefined ? s.end * 1_000_000 : undefined,
    limit: s.limit,
  });
}

export function useTraceSearch(ns: string, s: TraceSearch | undefined) {
  const path = `${tracingPath(ns)}/traces`;
  return useQuery({
    queryKey: ['api', path, s],
    queryFn: ({ signal }) => api.get<TraceResults>(path + tracesQuery(s!), signal).then((r) => ({ ...r, items: r.items ?? [], hiddenSpans: r.hiddenSpans ?? (r.items ?? []).reduce((n, t) => n + (t.hiddenSpans ?? 0), 0) })),
    enabled: !!ns && !!s?.service,
  });
}

export function useTrace(ns: string, traceID: string) {
  const path = `${tracingPath(ns)}/traces/${enc(traceID)}`;
  return useQuery({
    queryKey: ['api', path],
    queryFn: ({ signal }) => api.get<Trace>(path, signal),
    enabled: !!ns && !!traceID,
  });
}
