import type { K8sObject } from '../../api/types';
import { controllerRevisions, deploymentRevisions, lineDiff, templateYAML, withContext, type DiffLine } from './revisions';
import { mergeTimeline, revisionEntries } from './timeline';

/** replicaSet is a Deployment's ReplicaSet of a revision, with the hash label the controller adds. */
function replicaSet(revision: number | undefined, created: string, image: string, env: Record<string, string> = {}): K8sObject {
  return {
    metadata: {
      name: `web-${revision ?? 'x'}abc`,
      uid: `uid-${revision}`,
      creationTimestamp: created,
      annotations: revision === undefined ? {} : { 'deployment.kubernetes.io/revision': String(revision) },
    },
    spec: {
      template: {
        metadata: { labels: { app: 'web', 'pod-template-hash': `h${revision}` } },
        spec: { containers: [{ name: 'app', image, env: Object.entries(env).map(([name, value]) => ({ name, value })) }] },
      },
    },
  };
}

const changed = (lines: DiffLine[]) => lines.filter((l) => l.op !== 'same').map((l) => `${l.op === 'added' ? '+' : '-'}${l.text.trim()}`);

describe('revisions of a workload', () => {
  it("reads a Deployment's revisions from its ReplicaSets, oldest first, without the hash label and without unnumbered ones", () => {
    const revs = deploymentRevisions([replicaSet(2, '2026-12-04T12:05:00Z', 'busybox:1.37'), replicaSet(1, '2026-12-04T12:00:00Z', 'busybox'), replicaSet(undefined, '2026-12-04T12:01:00Z', 'x')]);
    expect(revs.map((r) => r.revision)).toEqual([1, 2]);
    expect(revs[0].created).toBe('2026-12-04T12:00:00Z');
    expect(templateYAML(revs[0].template)).not.toContain('pod-template-hash');
    expect(templateYAML(revs[0].template)).toContain('app: web');
  });

  it("reads a StatefulSet's or DaemonSet's revisions from its ControllerRevisions, without the patch directives", () => {
    const cr = (n: number, image: string): K8sObject => ({
      metadata: { name: `db-${n}`, uid: `cr-${n}`, creationTimestamp: `2026-12-04T12:0${n}:00Z` },
      revision: n,
      data: { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image }] } } } } as unknown as Record<string, string>,
    });
    const revs = controllerRevisions([cr(3, 'postgres:17'), cr(2, 'postgres:16')]);
    expect(revs.map((r) => r.revision)).toEqual([2, 3]);
    expect(templateYAML(revs[0].template)).not.toContain('$patch');
    expect(changed(revisionEntries(revs)[1].diff!)).toEqual(['-image: postgres:16', '+image: postgres:17']);
  });

  it('the first revision has no diff; each next one its diff against the one before', () => {
    const entries = revisionEntries(deploymentRevisions([replicaSet(1, '2026-12-04T12:00:00Z', 'busybox', { MODE: 'a' }), replicaSet(2, '2026-12-04T12:05:00Z', 'busybox:1.37', { MODE: 'b' })]));
    expect(entries.map((e) => [e.revision.revision, e.previous, e.kind, e.time])).toEqual([
      [1, undefined, 'revision', '2026-12-04T12:00:00Z'],
      [2, 1, 'revision', '2026-12-04T12:05:00Z'],
    ]);
    expect(entries[0].diff).toBeUndefined();
    expect(changed(entries[1].diff!)).toEqual(['-image: busybox', '+image: busybox:1.37', '-value: a', '+value: b']);
  });

  it('the oldest revision kept compares with nothing when those before it are gone', () => {
    const entries = revisionEntries(deploymentRevisions([replicaSet(5, '2026-12-04T12:00:00Z', 'a'), replicaSet(7, '2026-12-04T12:05:00Z', 'b')]));
    expect(entries[0].previous).toBeUndefined();
    expect(entries[1].previous).toBe(5);
  });

  it('merges revisions into the timeline, newest first', () => {
    const entries = revisionEntries(deploymentRevisions([replicaSet(1, '2026-12-04T12:00:00Z', 'a'), replicaSet(2, '2026-12-04T12:05:00Z', 'b')]));
    const merged = mergeTimeline([], [], [{ source: 'pod', key: 'pod/p/start', time: '2026-12-04T12:02:00Z', at: Date.parse('2026-12-04T12:02:00Z'), kind: 'start', pod: 'p' }], entries);
    expect(merged.map((e) => e.key)).toEqual(['revision/uid-2/2', 'pod/p/start', 'revision/uid-1/1']);
  });
});

describe('the line diff', () => {
  const cases: { name: string; before: string; after: string; want: string[] }[] = [
    { name: 'the same text has no change', before: 'a\nb\n', after: 'a\nb\n', want: [] },
    { name: 'a changed line is removed and added', before: 'a\nb\nc\n', after: 'a\nB\nc\n', want: ['-b', '+B'] },
    { name: 'a line added at the end', before: 'a\n', after: 'a\nb\n', want: ['+b'] },
    { name: 'a line removed at the start', before: 'a\nb\n', after: 'b\n', want: ['-a'] },
  ];
  for (const c of cases) it(c.name, () => expect(changed(lineDiff(c.before, c.after))).toEqual(c.want));

  it('keeps three lines around each change and counts the unchanged lines left out', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n') + '\n';
    const after = before.replace('l10\n', 'L10\n');
    const shown = withContext(lineDiff(before, after));
    expect(shown[0]).toEqual({ op: 'skip', count: 7 });
    expect(shown.slice(1, 4).map((l) => ('text' in l ? l.text : ''))).toEqual(['l7', 'l8', 'l9']);
    expect(shown.filter((l) => l.op === 'removed' || l.op === 'added')).toHaveLength(2);
    expect(shown[shown.length - 1]).toEqual({ op: 'skip', count: 6 });
  });
});
