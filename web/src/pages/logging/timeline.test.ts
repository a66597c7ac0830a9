import type { AuditRecord, EventRecord } from '../../api/events';
import type { Pod } from '../../api/types';
import { mergeTimeline, podEntries, timelineStart } from './timeline';

const pod = (name: string, status: Pod['status']): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop' }, spec: { containers: [] }, status });

describe('podEntries', () => {
  it('tells a pod start and a container first start', () => {
    const e = podEntries([pod('web-1', { startTime: '2026-12-04T10:00:00Z', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'x', state: { running: { startedAt: '2026-12-04T10:00:05Z' } } }] })]);
    expect(e.map((x) => [x.kind, x.pod, x.container, x.time])).toEqual([
      ['start', 'web-1', undefined, '2026-12-04T10:00:00Z'],
      ['start', 'web-1', 'app', '2026-12-04T10:00:05Z'],
    ]);
  });

  it('tells a restart and the failure before it, with its reason and exit code', () => {
    const e = podEntries([
      pod('web-1', {
        containerStatuses: [
          {
            name: 'app',
            ready: true,
            restartCount: 3,
            image: 'x',
            state: { running: { startedAt: '2026-12-04T10:05:00Z' } },
            lastState: { terminated: { reason: 'OOMKilled', exitCode: 137, startedAt: '2026-12-04T10:01:00Z', finishedAt: '2026-12-04T10:04:50Z' } },
          },
        ],
      }),
    ]);
    expect(e).toHaveLength(2);
    expect(e[0]).toMatchObject({ kind: 'restart', restartCount: 3, time: '2026-12-04T10:05:00Z' });
    expect(e[1]).toMatchObject({ kind: 'failure', reason: 'OOMKilled', exitCode: 137, time: '2026-12-04T10:04:50Z' });
  });

  it('tells an end with exit code 0 as an exit, not a failure, and leaves out what has no time', () => {
    const e = podEntries([
      pod('job-1', {
        containerStatuses: [
          { name: 'a', ready: false, restartCount: 0, image: 'x', state: { terminated: { reason: 'Completed', exitCode: 0, finishedAt: '2026-12-04T10:00:00Z' } } },
          { name: 'b', ready: false, restartCount: 0, image: 'x', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } },
        ],
      }),
    ]);
    expect(e.map((x) => [x.container, x.kind])).toEqual([['a', 'exit']]);
  });
});

describe('mergeTimeline', () => {
  const ev = (time: string, reason: string, type = 'Normal', uid = reason): EventRecord => ({ time, namespace: 'shop', involvedObject: { kind: 'Deployment', name: 'web' }, reason, type, uid, count: 1 });
  const change: AuditRecord = { time: '2026-12-04T10:00:00Z', source: 'kube-apiserver', user: 'admin', verb: 'create', resource: 'deployments', name: 'web', namespace: 'shop', code: 201, auditID: 'a1' };

  it('merges events, changes and pod entries newest first, each event once', () => {
    const pods = podEntries([pod('web-1', { startTime: '2026-12-04T10:00:02Z' })]);
    const merged = mergeTimeline([ev('2026-12-04T10:00:01Z', 'ScalingReplicaSet'), ev('2026-12-04T10:00:03Z', 'BackOff', 'Warning'), ev('2026-12-04T10:00:01Z', 'ScalingReplicaSet')], [change], pods);
    expect(merged.map((e) => [e.source, e.kind])).toEqual([
      ['event', 'warning'],
      ['pod', 'start'],
      ['event', 'normal'],
      ['audit', 'change'],
    ]);
  });

  it("leaves out writes of the object's status", () => {
    const status: AuditRecord = { ...change, verb: 'update', subresource: 'status', user: 'system:serviceaccount:kube-system:deployment-controller', auditID: 'a2' };
    const scale: AuditRecord = { ...change, verb: 'update', subresource: 'scale', auditID: 'a3' };
    expect(mergeTimeline([], [change, status, scale], []).map((e) => (e.source === 'audit' ? e.audit.auditID : ''))).toEqual(['a1', 'a3']);
  });

  it('puts a warning before a normal event of the same moment, and skips records without a time', () => {
    const merged = mergeTimeline([ev('2026-12-04T10:00:00Z', 'A'), ev('2026-12-04T10:00:00Z', 'B', 'Warning'), ev('soon', 'C')], [], []);
    expect(merged.map((e) => e.kind)).toEqual(['warning', 'normal']);
  });
});

describe('timelineStart', () => {
  const now = Date.UTC(2026, 11, 4, 12, 0, 0);
  it('starts a minute before the object was made, at most 30 days back', () => {
    expect(timelineStart('2026-12-04T11:00:00Z', now)).toBe(now / 1000 - 3600 - 60);
    expect(timelineStart('2025-01-01T00:00:00Z', now)).toBe(now / 1000 - 30 * 86400);
    expect(timelineStart(undefined, now)).toBe(now / 1000 - 30 * 86400);
  });
});
