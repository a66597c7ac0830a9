import type { LoadBalancerType, ServicePolicy, ServicePolicySpec } from '../../api/servicemesh';

// The service policy form: every field as the user typed it (text, so that
// an empty field means "not set" and a wrong one can be named), checked,
// and turned into a ServicePolicy's spec with only the fields that are set.

export interface PolicyDraft {
  name: string;
  service: string;
  maxConnections: string;
  connectTimeout: string;
  http1MaxPendingRequests: string;
  http2MaxRequests: string;
  maxRequestsPerConnection: string;
  maxRetries: string;
  consecutive5xxErrors: string;
  interval: string;
  baseEjectionTime: string;
  maxEjectionPercent: string;
  /** '' (the mesh's default), a simple algorithm, or a consistent hash */
  loadBalancer: '' | LoadBalancerType | 'header' | 'cookie' | 'sourceIP';
  hashHeader: string;
  hashCookie: string;
  hashCookieTTL: string;
  attempts: string;
  perTryTimeout: string;
  retryOn: string;
  timeout: string;
}

export const integerFields = ['maxConnections', 'http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'consecutive5xxErrors', 'maxEjectionPercent', 'attempts'] as const;
export const durationFields = ['connectTimeout', 'interval', 'baseEjectionTime', 'hashCookieTTL', 'perTryTimeout', 'timeout'] as const;
type DraftField = keyof PolicyDraft;

/** fieldPaths maps each input to the spec's path, as the API names it in a 422. */
export const fieldPaths: Record<Exclude<DraftField, 'name'>, string> = {
  service: 'spec.service',
  maxConnections: 'spec.connectionPool.tcp.maxConnections',
  connectTimeout: 'spec.connectionPool.tcp.connectTimeout',
  http1MaxPendingRequests: 'spec.connectionPool.http.http1MaxPendingRequests',
  http2MaxRequests: 'spec.connectionPool.http.http2MaxRequests',
  maxRequestsPerConnection: 'spec.connectionPool.http.maxRequestsPerConnection',
  maxRetries: 'spec.connectionPool.http.maxRetries',
  consecutive5xxErrors: 'spec.outlierDetection.consecutive5xxErrors',
  interval: 'spec.outlierDetection.interval',
  baseEjectionTime: 'spec.outlierDetection.baseEjectionTime',
  maxEjectionPercent: 'spec.outlierDetection.maxEjectionPercent',
  loadBalancer: 'spec.loadBalancer',
  hashHeader: 'spec.loadBalancer.consistentHash.httpHeaderName',
  hashCookie: 'spec.loadBalancer.consistentHash.httpCookie.name',
  hashCookieTTL: 'spec.loadBalancer.consistentHash.httpCookie.ttl',
  attempts: 'spec.retries.attempts',
  perTryTimeout: 'spec.retries.perTryTimeout',
  retryOn: 'spec.retries.retryOn',
  timeout: 'spec.timeout',
};

export function emptyPolicy(): PolicyDraft {
  return {
    name: '', service: '', maxConnections: '', connectTimeout: '', http1MaxPendingRequests: '', http2MaxRequests: '', maxRequestsPerConnection: '', maxRetries: '',
    consecutive5xxErrors: '', interval: '', baseEjectionTime: '', maxEjectionPercent: '', loadBalancer: '', hashHeader: '', hashCookie: '', hashCookieTTL: '',
    attempts: '', perTryTimeout: '', retryOn: '', timeout: '',
  };
}

export type PolicyProblem = 'required' | 'name' | 'integer' | 'min1' | 'percent' | 'attempts' | 'duration' | 'retryOn' | 'header' | 'empty';

// A Go duration as metav1.Duration reads it: 250ms, 10s, 1m30s.
const duration = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
// Envoy's retry conditions, and HTTP status codes.
const retryConditions = new Set(['5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx', 'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure', 'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);
const dnsLabel = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** policyProblems checks a draft: the problems by input. */
export function policyProblems(d: PolicyDraft): Partial<Record<DraftField, PolicyProblem>> {
  const p: Partial<Record<DraftField, PolicyProblem>> = {};
  if (!d.name) p.name = 'required';
  else if (!dnsLabel.test(d.name) || d.name.length > 63) p.name = 'name';
  if (!d.service) p.service = 'required';
  for (const f of integerFields) {
    const v = d[f].trim();
    if (!v) continue;
    if (!/^\d+$/.test(v)) p[f] = 'integer';
    else if (f === 'maxEjectionPercent' && Number(v) > 100) p[f] = 'percent';
    else if (f === 'attempts' && Number(v) > 20) p[f] = 'attempts';
    else if (f !== 'maxRetries' && f !== 'attempts' && f !== 'maxEjectionPercent' && Number(v) < 1) p[f] = 'min1';
  }
  for (const f of durationFields) {
    const v = d[f].trim();
    if (v && !duration.test(v)) p[f] = 'duration';
  }
  const retryOn = d.retryOn.trim();
  if (retryOn && retryOn.split(',').some((c) => !retryConditions.has(c.trim()) && !/^[1-5]\d\d$/.test(c.trim()))) p.retryOn = 'retryOn';
  if ((d.perTryTimeout.trim() || retryOn) && !d.attempts.trim()) p.attempts = 'required';
  if (d.loadBalancer === 'header' && !/^[!#$%&'*+\-.^_|~0-9A-Za-z]+$/.test(d.hashHeader)) p.hashHeader = d.hashHeader ? 'header' : 'required';
  if (d.loadBalancer === 'cookie' && !d.hashCookie.trim()) p.hashCookie = 'required';
  return p;
}

const int = (v: string) => (v.trim() ? Number(v.trim()) : undefined);
const str = (v: string) => v.trim() || undefined;

/** prune drops the keys whose value is undefined and the objects left empty. */
function prune<T extends object>(o: T): T | undefined {
  const out = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return Object.keys(out).length ? (out as T) : undefined;
}

/** toPolicySpec is the spec a draft asks for: only what is set. */
export function toPolicySpec(d: PolicyDraft): ServicePolicySpec {
  const tcp = prune({ maxConnections: int(d.maxConnections), connectTimeout: str(d.connectTimeout) });
  const http = prune({ http1MaxPendingRequests: int(d.http1MaxPendingRequests), http2MaxRequests: int(d.http2MaxRequests), maxRequestsPerConnection: int(d.maxRequestsPerConnection), maxRetries: int(d.maxRetries) });
  let loadBalancer: ServicePolicySpec['loadBalancer'];
  switch (d.loadBalancer) {
    case '':
      break;
    case 'header':
      loadBalancer = { consistentHash: { httpHeaderName: d.hashHeader.trim() } };
      break;
    case 'cookie':
      loadBalancer = { consistentHash: { httpCookie: prune({ name: d.hashCookie.trim(), ttl: str(d.hashCookieTTL) })! } };
      break;
    case 'sourceIP':
      loadBalancer = { consistentHash: { useSourceIP: true } };
      break;
    default:
      loadBalancer = { simple: d.loadBalancer };
  }
  const spec: ServicePolicySpec = {
    service: d.service,
    connectionPool: prune({ tcp, http }),
    outlierDetection: prune({ consecutive5xxErrors: int(d.consecutive5xxErrors), interval: str(d.interval), baseEjectionTime: str(d.baseEjectionTime), maxEjectionPercent: int(d.maxEjectionPercent) }),
    loadBalancer,
    retries: d.attempts.trim() ? prune({ attempts: Number(d.attempts.trim()), perTryTimeout: str(d.perTryTimeout), retryOn: str(d.retryOn) }) : undefined,
    timeout: str(d.timeout),
  };
  return prune(spec) ?? { service: d.service };
}

/** toDraft reads a ServicePolicy back into the form. */
export function toPolicyDraft(p: ServicePolicy): PolicyDraft {
  const s = p.spec;
  const n = (v: number | undefined) => (v === undefined ? '' : String(v));
  const ch = s.loadBalancer?.consistentHash;
  const lb: PolicyDraft['loadBalancer'] = s.loadBalancer?.simple ?? (ch?.httpHeaderName ? 'header' : ch?.httpCookie ? 'cookie' : ch?.useSourceIP ? 'sourceIP' : '');
  return {
    name: p.metadata.name,
    service: s.service,
    maxConnections: n(s.connectionPool?.tcp?.maxConnections),
    connectTimeout: s.connectionPool?.tcp?.connectTimeout ?? '',
    http1MaxPendingRequests: n(s.connectionPool?.http?.http1MaxPendingRequests),
    http2MaxRequests: n(s.connectionPool?.http?.http2MaxRequests),
    maxRequestsPerConnection: n(s.connectionPool?.http?.maxRequestsPerConnection),
    maxRetries: n(s.connectionPool?.http?.maxRetries),
    consecutive5xxErrors: n(s.outlierDetection?.consecutive5xxErrors),
    interval: s.outlierDetection?.interval ?? '',
    baseEjectionTime: s.outlierDetection?.baseEjectionTime ?? '',
    maxEjectionPercent: n(s.outlierDetection?.maxEjectionPercent),
    loadBalancer: lb,
    hashHeader: ch?.httpHeaderName ?? '',
    hashCookie: ch?.httpCookie?.name ?? '',
    hashCookieTTL: ch?.httpCookie?.ttl ?? '',
    attempts: n(s.retries?.attempts),
    perTryTimeout: s.retries?.perTryTimeout ?? '',
    retryOn: s.retries?.retryOn ?? '',
    timeout: s.timeout ?? '',
  };
}

/** inputOf is the input of a field path the server named (the longest path that matches), for its objection. */
export function inputOf(path: string): Exclude<DraftField, 'name'> | 'name' | undefined {
  if (path === 'metadata.name') return 'name';
  let best: Exclude<DraftField, 'name'> | undefined;
  for (const [f, p] of Object.entries(fieldPaths) as [Exclude<DraftField, 'name'>, string][]) {
    if ((path === p || path.startsWith(p + '.')) && (!best || p.length > fieldPaths[best].length)) best = f;
  }
  return best;
}
