import { ApiError } from './client';
import {
  asMetrics,
  byLabel,
  getMetrics,
  isUnavailable,
  latest,
  latestOf,
  maxPoints,
  metricsURL,
  promURL,
  ranked,
  resolveRange,
  retryMetrics,
  stepFor,
  targetPath,
  workloadKind,
  workloadOf,
  type Metrics,
} from './monitoring';

const base = '/kapis/monitoring.superkube.io/v1alpha3';
const now = Date.UTC(2026, 11, 3, 12, 0, 0); // ms
const nowSec = now / 1000;

describe('targetPath', () => {
  it.each([
    ['the cluster', { level: 'cluster' as const }, '/cluster'],
    ['the nodes', { level: 'node' as const }, '/nodes'],
    ['one node', { level: 'node' as const, node: 'kwok-1' }, '/nodes/kwok-1'],
    ['the workspaces', { level: 'workspace' as const }, '/workspaces'],
    ['one workspace', { level: 'workspace' as const, workspace: 'acme' }, '/workspaces/acme'],
    ["a workspace's projects", { level: 'namespace' as const, workspace: 'acme' }, '/workspaces/acme/namespaces'],
    ['the projects', { level: 'namespace' as const }, '/namespaces'],
    ['one project', { level: 'namespace' as const, namespace: 'dev' }, '/namespaces/dev'],
    ["a project's workloads", { level: 'workload' as const, namespace: 'dev' }, '/namespaces/dev/workloads'],
    ["a project's deployments", { level: 'workload' as const, namespace: 'dev', kind: 'deployment' as const }, '/namespaces/dev/workloads/deployment'],
    ['one statefulset', { level: 'workload' as const, namespace: 'dev', kind: 'statefulset' as const, name: 'db' }, '/namespaces/dev/workloads/statefulset/db'],
    ["a workspace's pods", { level: 'pod' as const, workspace: 'acme' }, '/workspaces/acme/pods'],
    ["a project's pods", { level: 'pod' as const, namespace: 'dev' }, '/namespaces/dev/pods'],
    ['one pod', { level: 'pod' as const, namespace: 'dev', pod: 'web-1' }, '/namespaces/dev/pods/web-1'],
    ["a node's pods", { level: 'pod' as const, node: 'kwok-1' }, '/nodes/kwok-1/pods'],
    ["a workload's pods", { level: 'pod' as const, namespace: 'dev', workload: { kind: 'daemonset' as const, name: 'agent' } }, '/namespaces/dev/workloads/daemonset/agent/pods'],
    ["a pod's containers", { level: 'container' as const, namespace: 'dev', pod: 'web-1' }, '/namespaces/dev/pods/web-1/containers'],
    ['one container', { level: 'container' as const, namespace: 'dev', pod: 'web-1', container: 'app' }, '/namespaces/dev/pods/web-1/containers/app'],
    ["a project's claims", { level: 'pvc' as const, namespace: 'dev' }, '/namespaces/dev/persistentvolumeclaims'],
    ['a component', { level: 'component' as const, component: 'controller-manager' as const }, '/components/controller-manager'],
  ])('names %s', (_name, target, path) => {
    expect(targetPath(target)).toBe(base + path);
  });

  it('encodes the names it puts in a path', () => {
    expect(targetPath({ level: 'pod', namespace: 'dev', pod: 'a/b' })).toBe(`${base}/namespaces/dev/pods/a%2Fb`);
  });

  it('maps the console resources to workload kinds, and no other kind', () => {
    expect(workloadKind('deployments')).toBe('deployment');
    expect(workloadKind('statefulsets')).toBe('statefulset');
    expect(workloadKind('daemonsets')).toBe('daemonset');
    expect(workloadKind('jobs')).toBeUndefined();
  });
});

describe('ranges', () => {
  it.each([
    ['15m', 900],
    ['1h', 3600],
    ['6h', 21600],
    ['24h', 86400],
    ['7d', 604800],
  ] as const)('reads the last %s with at most maxPoints points, ending now', (key, seconds) => {
    const r = resolveRange({ key }, now);
    expect(r.end).toBe(nowSec);
    expect(r.start).toBeLessThanOrEqual(nowSec - seconds);
    expect(r.start).toBeGreaterThan(nowSec - seconds - r.step);
    // The last point is the end itself (now), whatever the step.
    expect((r.end - r.start) % r.step).toBe(0);
    expect(Math.floor((r.end - r.start) / r.step) + 1).toBeLessThanOrEqual(maxPoints + 1);
  });

  it('takes round steps: 15s for an hour, 2m for 6 hours, 10m for a day, an hour for a week', () => {
    expect(resolveRange({ key: '15m' }, now).step).toBe(15);
    expect(resolveRange({ key: '1h' }, now).step).toBe(15);
    expect(resolveRange({ key: '6h' }, now).step).toBe(120);
    expect(resolveRange({ key: '24h' }, now).step).toBe(600);
    expect(resolveRange({ key: '7d' }, now).step).toBe(3600);
  });

  it('keeps any duration to maxPoints points, also beyond the round steps', () => {
    for (const s of [60, 1000, 3601, 100_000, 5_000_000, 400 * 86400]) {
      expect(s / stepFor(s)).toBeLessThanOrEqual(maxPoints);
    }
  });

  it('reads a custom range as given, but not past now', () => {
    const r = resolveRange({ key: 'custom', start: nowSec - 7200, end: nowSec - 3600 }, now);
    expect(r).toEqual({ start: nowSec - 7200, end: nowSec - 3600, step: 15 });
    expect(resolveRange({ key: 'custom', start: nowSec - 600, end: nowSec + 3600 }, now).end).toBe(nowSec);
  });
});

describe('metricsURL', () => {
  it('asks for every metric of a chart group in one request, over a range', () => {
    const u = new URL(metricsURL({ level: 'cluster' }, { metrics: ['cluster_cpu_usage', 'cluster_cpu_total'], range: { key: '1h' } }, now), 'https://x');
    expect(u.pathname).toBe(`${base}/cluster`);
    expect(u.searchParams.get('metrics_filter')).toBe('cluster_cpu_usage|cluster_cpu_total');
    expect(u.searchParams.get('start')).toBe(String(nowSec - 3600));
    expect(u.searchParams.get('end')).toBe(String(nowSec));
    expect(u.searchParams.get('step')).toBe('15s');
    expect(u.searchParams.has('time')).toBe(false);
    expect(u.searchParams.has('sort_metric')).toBe(false);
  });

  it('asks for the latest values without a range, and ranks a list level', () => {
    const u = new URL(
      metricsURL({ level: 'pod', workspace: 'acme' }, { metrics: ['pod_cpu_usage', 'pod_memory_usage_wo_cache'], sort: { metric: 'pod_cpu_usage' }, page: 1, limit: 5 }, now),
      'https://x',
    );
    expect(u.pathname).toBe(`${base}/workspaces/acme/pods`);
    expect([...u.searchParams.keys()].sort()).toEqual(['limit', 'metrics_filter', 'page', 'sort_metric', 'sort_type']);
    expect(u.searchParams.get('sort_metric')).toBe('pod_cpu_usage');
    expect(u.searchParams.get('sort_type')).toBe('desc');
    expect(u.searchParams.get('limit')).toBe('5');
  });

  it('names the objects of a list level in resources_filter', () => {
    const u = new URL(metricsURL({ level: 'node' }, { metrics: ['node_cpu_utilisation'], resources: ['kwok-1', 'kwok-2'] }, now), 'https://x');
    expect(u.searchParams.get('resources_filter')).toBe('kwok-1|kwok-2');
  });

  it('sends raw PromQL to query_range with the range', () => {
    const u = new URL(promURL({ query: 'sum(up) by (job)', range: { key: '15m' } }, now), 'https://x');
    expect(u.pathname).toBe(`${base}/query_range`);
    expect(u.searchParams.get('query')).toBe('sum(up) by (job)');
    expect(u.searchParams.get('step')).toBe('15s');
  });
});

const answer: Metrics = {
  apiVersion: 'monitoring.superkube.io/v1alpha3',
  kind: 'Metrics',
  results: [
    {
      metricName: 'pod_cpu_usage',
      unit: 'cores',
      resultType: 'vector',
      series: [
        { labels: { namespace: 'dev', pod: 'web-2' }, value: [1733250000, '0.5'] },
        { labels: { namespace: 'dev', pod: 'web-1' }, value: [1733250000, '0.25'] },
      ],
    },
    {
      metricName: 'pod_memory_usage_wo_cache',
      unit: 'bytes',
      resultType: 'vector',
      series: [
        { labels: { namespace: 'dev', pod: 'web-1' }, value: [1733250000, '1048576'] },
        { labels: { namespace: 'dev', pod: 'web-2' }, value: [1733250000, 'NaN'] },
      ],
    },
  ],
  totalItems: 37,
  page: 1,
};

describe('reading answers', () => {
  it('reads the latest value of a range, skipping NaN at the end', () => {
    expect(latest({ labels: {}, values: [[1, '1'], [2, '2'], [3, 'NaN']] })).toBe(2);
    expect(latest({ labels: {}, value: [1, '+Inf'] })).toBeNull();
    expect(latestOf(answer, 'pod_cpu_usage')).toBe(0.5);
    expect(latestOf(answer, 'missing')).toBeNull();
  });

  it('maps a list level by a label, and keeps the API order of a ranking with every metric', () => {
    expect(byLabel(answer, 'pod_cpu_usage', 'pod')).toEqual(new Map([['web-2', 0.5], ['web-1', 0.25]]));
    expect(ranked(answer, 'pod_cpu_usage', 'pod')).toEqual([
      { name: 'web-2', labels: { namespace: 'dev', pod: 'web-2' }, values: { pod_cpu_usage: 0.5, pod_memory_usage_wo_cache: null } },
      { name: 'web-1', labels: { namespace: 'dev', pod: 'web-1' }, values: { pod_cpu_usage: 0.25, pod_memory_usage_wo_cache: 1048576 } },
    ]);
  });

  it("reads a raw query's answer in the API's shape or in Prometheus' own", () => {
    expect(asMetrics(answer, 'q')).toBe(answer);
    const m = asMetrics({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { job: 'etcd' }, values: [[1, '1']] }] } }, 'up');
    expect(m.results[0]).toEqual({ metricName: 'up', unit: '', resultType: 'matrix', series: [{ labels: { job: 'etcd' }, value: undefined, values: [[1, '1']] }] });
  });
});

describe('errors', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('turns a 503 into an unavailable monitoring store, with the server message, and does not retry it', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() =>
        Promise.resolve(
          new Response(JSON.stringify({ kind: 'Status', status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: 'prometheus did not answer within 10s' }), { status: 503 }),
        ),
      ),
    );
    const err = await getMetrics({ level: 'cluster' }, { metrics: ['cluster_cpu_usage'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isUnavailable(err)).toBe(true);
    expect((err as ApiError).status.message).toBe('prometheus did not answer within 10s');
    expect(retryMetrics(0, err)).toBe(false);
  });

  it('does not take a bad request or a refusal for unavailability, and retries no answer at all twice', () => {
    expect(isUnavailable(new ApiError(400, { message: 'unknown metric' }))).toBe(false);
    expect(isUnavailable(new ApiError(403, {}))).toBe(false);
    expect(retryMetrics(0, new ApiError(400, {}))).toBe(false);
    expect(retryMetrics(0, new TypeError('failed to fetch'))).toBe(true);
    expect(retryMetrics(2, new TypeError('failed to fetch'))).toBe(false);
  });
});

describe('workloadOf', () => {
  it.each([
    ['the workload and owner_kind labels', { namespace: 'dev', workload: 'web', owner_kind: 'Deployment' }, { kind: 'deployment', name: 'web' }],
    ["the kind's own label", { namespace: 'dev', statefulset: 'db' }, { kind: 'statefulset', name: 'db' }],
    ['a kind and name joined', { namespace: 'dev', workload: 'DaemonSet:agent' }, { kind: 'daemonset', name: 'agent' }],
  ])('reads %s', (_n, labels, want) => {
    expect(workloadOf(labels)).toEqual(want);
  });
});
