import type { Node, Pod } from '../../api/types';
import { drain, setLabels, setTaints, staysOnDrain } from './nodeActions';

const pod = (name: string, extra: Partial<Pod['metadata']> = {}, phase = 'Running'): Pod => ({
  metadata: { name, namespace: 'dev', ...extra },
  spec: { containers: [] },
  status: { phase },
});

describe('drain', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('leaves DaemonSet, static and finished pods, cordons the node, and evicts the others through the Eviction API', async () => {
    const calls: { method: string; url: string; body: unknown }[] = [];
    vi.stubGlobal('fetch', vi.fn((u: string, init: RequestInit) => {
      calls.push({ method: init.method ?? 'GET', url: u, body: init.body ? JSON.parse(init.body as string) : undefined });
      if (u.includes('/pods/guarded/eviction')) return Promise.resolve(new Response(JSON.stringify({ kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'Cannot evict pod as it would violate the pod\'s disruption budget.' }), { status: 429 }));
      if (u.includes('/pods/gone/eviction')) return Promise.resolve(new Response(JSON.stringify({ kind: 'Status', code: 404 }), { status: 404 }));
      return Promise.resolve(new Response('{}', { status: 201 }));
    }));
    const node: Node = { metadata: { name: 'n1' }, spec: {} };
    const ds = pod('agent', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u', controller: true }] });
    const mirror = pod('etcd', { annotations: { 'kubernetes.io/config.mirror': 'x' } });
    const done = pod('batch', {}, 'Succeeded');
    expect([staysOnDrain(ds), staysOnDrain(mirror), staysOnDrain(done), staysOnDrain(pod('web'))]).toEqual(['daemonset', 'mirror', 'finished', undefined]);
    const r = await drain(node, [ds, pod('web'), mirror, pod('guarded'), done, pod('gone')]);
    expect(calls[0]).toMatchObject({ method: 'PATCH', body: { spec: { unschedulable: true } } });
    expect(calls[0].url).toContain('/api/v1/nodes/n1');
    expect(calls.slice(1).map((c) => c.url.replace(/^.*\/api\/v1/, ''))).toEqual(['/namespaces/dev/pods/web/eviction', '/namespaces/dev/pods/guarded/eviction', '/namespaces/dev/pods/gone/eviction']);
    expect(calls[1].body).toEqual({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web', namespace: 'dev' } });
    expect(r.evicted).toEqual(['dev/web', 'dev/gone']);
    expect(r.failed.map((f) => f.pod)).toEqual(['dev/guarded']);
  });

  it('removes the labels taken away and keeps the others', async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal('fetch', vi.fn((_u: string, init: RequestInit) => {
      bodies.push(JSON.parse(init.body as string));
      return Promise.resolve(new Response('{}', { status: 200 }));
    }));
    await setLabels('n1', { a: '1', b: '2' }, { a: '1', c: '3' });
    expect(bodies[0]).toEqual({ metadata: { labels: { a: '1', b: null, c: '3' } } });
  });

  it('saves the taints a user manages and keeps those Kubernetes manages, at the version read', async () => {
    const calls: { method: string; body?: unknown }[] = [];
    vi.stubGlobal('fetch', vi.fn((_u: string, init: RequestInit) => {
      calls.push({ method: init.method ?? 'GET', body: init.body ? JSON.parse(init.body as string) : undefined });
      const node = { metadata: { name: 'n1', resourceVersion: '42' }, spec: { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'old', effect: 'NoSchedule' }] } };
      return Promise.resolve(new Response(JSON.stringify(node), { status: 200 }));
    }));
    await setTaints('n1', [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unschedulable', value: '', effect: 'NoSchedule' }]);
    expect(calls.map((c) => c.method)).toEqual(['GET', 'PATCH']);
    expect(calls[1].body).toEqual({
      metadata: { resourceVersion: '42' },
      spec: { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'dedicated', value: 'db', effect: 'NoExecute' }] },
    });
  });
});
