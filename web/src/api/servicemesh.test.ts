import { describe, expect, it } from 'vitest';
import { meshServices, topologyOf, versionsAsMetrics, versionsOf } from './servicemesh';

describe('the answers read into the pages’ shapes', () => {
  it('reads the services list', () => {
    const l = meshServices({
      totalItems: 1,
      items: [
        {
          metadata: { name: 'reviews' },
          spec: { selector: { app: 'reviews' } },
          versions: [{ name: '', pods: 1 }, { name: 'v1', pods: 2, readyPods: 2, workloads: [{ kind: 'Deployment', name: 'reviews-v1', replicas: 2, readyReplicas: 2 }] }],
          strategies: [{ name: 'old', phase: 'Promoted', decision: 'Promote' }, { name: 'now', phase: 'Progressing' }],
          servicePolicies: [{ name: 'p', phase: 'Ready' }],
          mesh: true,
        },
      ],
    });
    expect(l).toEqual({ totalItems: 1, meshEnabled: true, items: [{ name: 'reviews', selector: { app: 'reviews' }, versions: [{ name: 'v1', pods: 2, readyPods: 2, workloads: [{ kind: 'Deployment', name: 'reviews-v1', replicas: 2, readyReplicas: 2 }] }], strategy: 'now', policy: 'p' }] });
  });

  it('reads the graph', () => {
    const g = topologyOf({
      nodes: [
        { id: 'w1', kind: 'workload', namespace: 'shop', name: 'reviews-v1', app: 'reviews', version: 'v1' },
        { id: 's1', kind: 'service', namespace: 'shop', name: 'reviews' },
      ],
      edges: [{ source: 's1', target: 'w1', rate: 2, errorRatio: 0.1, latency: { p50: 5, p95: 20, p99: 40 } }, { source: 'x', target: 's1', rate: 1, errorRatio: 0, latency: null }],
    });
    expect(g.nodes[0]).toMatchObject({ service: 'reviews', workload: 'reviews-v1', version: 'v1' });
    expect(g.nodes[1]).toMatchObject({ service: 'reviews', workload: undefined });
    expect(g.edges).toEqual([
      { source: 's1', target: 'w1', rate: 2, errorRatio: 0.1, latencyP50: 5, latencyP95: 20, latencyP99: 40 },
      { source: 'x', target: 's1', rate: 1, errorRatio: 0, latencyP50: undefined, latencyP95: undefined, latencyP99: undefined },
    ]);
    expect(topologyOf({ nodes: null, edges: null })).toEqual({ nodes: [], edges: [] });
  });

  it('reads the versions and gives them to the charts, latency in seconds', () => {
    const v = versionsOf({
      versions: [{ version: 'v2', rate: { current: 3, points: [{ t: 10, v: 3 }] }, errorRatio: { current: null, points: [] }, latency: { p95: { current: 120, points: [{ t: 10, v: 120 }] } } }],
    });
    expect(v.versions[0].current.p95).toBe(120);
    const m = versionsAsMetrics(v)!;
    expect(m.results.map((r) => [r.metricName, r.unit, r.series[0].labels.version, r.series[0].values])).toEqual([
      ['rate', 'count/s', 'v2', [[10, '3']]],
      ['errorRatio', 'ratio', 'v2', []],
      ['p95', 'seconds', 'v2', [[10, '0.12']]],
    ]);
  });
});
