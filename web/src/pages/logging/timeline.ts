import type { AuditRecord, EventRecord } from '../../api/events';
import type { ContainerStatus, Pod } from '../../api/types';
import { templateDiff, type DiffLine, type Revision } from './revisions';

// The timeline of an object: its events, the audit records of changes to
// it, and what its pods' status tells (starts, restarts, failures), in
// one list, newest first; for a workload, its revisions with what changed
// in the pod template.

/** The kinds of entry, each with its icon and colour. */
export type TimelineKind = 'normal' | 'warning' | 'change' | 'revision' | 'start' | 'restart' | 'failure' | 'exit';

interface Base {
  /** unique within a timeline */
  key: string;
  /** RFC 3339 */
  time: string;
  /** Unix milliseconds, for the order */
  at: number;
  kind: TimelineKind;
}

export interface EventEntry extends Base {
  source: 'event';
  event: EventRecord;
}

export interface ChangeEntry extends Base {
  source: 'audit';
  audit: AuditRecord;
}

/** PodEntry is what a pod's status tells of one moment: the pod or a container started, restarted, failed or exited. */
export interface PodEntry extends Base {
  source: 'pod';
  pod: string;
  /** none: the pod itself */
  container?: string;
  reason?: string;
  exitCode?: number;
  restartCount?: number;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** RevisionEntry is a revision of a workload's pod template, made then, with its diff against the revision before it when that is known. */
export interface RevisionEntry extends Base {
  source: 'revision';
  revision: Revision;
  /** the revision compared with; none: the first revision, or the ones before it are gone */
  previous?: number;
  diff?: DiffLine[];
}

export type TimelineEntry = EventEntry | ChangeEntry | PodEntry | RevisionEntry;

/** The verbs of the requests that change an object, which the timeline asks the audit search for. */
export const changeVerbs = ['create', 'update', 'patch', 'delete'];

function ms(ts: string | undefined): number | undefined {
  if (!ts) return undefined;
  const v = Date.parse(ts);
  return Number.isNaN(v) ? undefined : v;
}

/** eventEntry is an occurrence of an event: a Warning stands out. */
export function eventEntry(e: EventRecord): EventEntry | undefined {
  const at = ms(e.time);
  if (at === undefined) return undefined;
  return { source: 'event', key: `event/${e.uid ?? `${e.involvedObject.kind}/${e.involvedObject.name}/${e.reason ?? ''}`}/${e.time}/${e.count ?? 1}`, time: e.time, at, kind: e.type === 'Warning' ? 'warning' : 'normal', event: e };
}

/**
 * isChange tells an audited request that changed the object itself, not
 * its status: controllers write a status many times a minute, which would
 * bury the changes people made.
 */
export function isChange(r: Pick<AuditRecord, 'subresource'>): boolean {
  return r.subresource !== 'status';
}

/** changeEntry is an audited request that changed the object. */
export function changeEntry(r: AuditRecord, i: number): ChangeEntry | undefined {
  const at = ms(r.time);
  if (at === undefined) return undefined;
  return { source: 'audit', key: `audit/${r.auditID ?? `${r.time}/${i}`}/${r.source}`, time: r.time, at, kind: 'change', audit: r };
}

/** terminatedKind tells a container's end: a failure when its exit code is not 0 (or it was killed for memory), else an exit. */
function terminatedKind(t: { reason?: string; exitCode?: number }): TimelineKind {
  return (t.exitCode ?? 0) !== 0 || t.reason === 'OOMKilled' || t.reason === 'Error' ? 'failure' : 'exit';
}

function containerEntries(pod: string, c: ContainerStatus): PodEntry[] {
  const out: PodEntry[] = [];
  const base = { source: 'pod' as const, pod, container: c.name, restartCount: c.restartCount };
  const running = c.state?.running?.startedAt;
  const runAt = ms(running);
  if (running && runAt !== undefined) {
    // Running after a restart is a restart; else the container's first start.
    out.push({ ...base, key: `pod/${pod}/${c.name}/run/${running}`, time: running, at: runAt, kind: c.restartCount > 0 ? 'restart' : 'start', startedAt: running });
  }
  for (const [which, term] of [
    ['now', c.state?.terminated],
    ['last', c.lastState?.terminated],
  ] as const) {
    if (!term) continue;
    const time = term.finishedAt ?? term.startedAt;
    const at = ms(time);
    if (!time || at === undefined) continue;
    out.push({
      ...base,
      key: `pod/${pod}/${c.name}/${which}/${time}`,
      time,
      at,
      kind: terminatedKind(term),
      reason: term.reason,
      exitCode: term.exitCode,
      message: term.message,
      startedAt: term.startedAt,
      finishedAt: term.finishedAt,
    });
  }
  return out;
}

/**
 * podEntries are what the pods' current status tells: each pod's start,
 * each container's (re)start and its last end (the state before its last
 * restart, or its end now). Earlier restarts are not in the status; their
 * events (BackOff, Killing …) are.
 */
export function podEntries(pods: Pod[]): PodEntry[] {
  const out: PodEntry[] = [];
  for (const p of pods) {
    const name = p.metadata.name;
    const started = p.status?.startTime;
    const at = ms(started);
    if (started && at !== undefined) out.push({ source: 'pod', key: `pod/${name}/start/${started}`, time: started, at, kind: 'start', pod: name, startedAt: started });
    const init = (p.status as { initContainerStatuses?: ContainerStatus[] } | undefined)?.initContainerStatuses ?? [];
    for (const c of [...init, ...(p.status?.containerStatuses ?? [])]) out.push(...containerEntries(name, c));
  }
  return out;
}

/**
 * revisionEntries are a workload's revisions (oldest first, as
 * deploymentRevisions and controllerRevisions give them), each with the
 * diff of its pod template against the revision before it. The controller
 * keeps only the latest revisions (revisionHistoryLimit): the oldest one
 * kept has nothing to compare with unless it is the first.
 */
export function revisionEntries(revisions: Revision[]): RevisionEntry[] {
  const out: RevisionEntry[] = [];
  revisions.forEach((r, i) => {
    const at = ms(r.created);
    if (at === undefined) return;
    const prev = i > 0 ? revisions[i - 1] : undefined;
    out.push({ source: 'revision', key: `revision/${r.uid ?? r.name}/${r.revision}`, time: r.created, at, kind: 'revision', revision: r, previous: prev?.revision, diff: prev ? templateDiff(prev, r) : undefined });
  });
  return out;
}

const order: Record<TimelineKind, number> = { failure: 0, warning: 1, restart: 2, exit: 3, change: 4, revision: 5, start: 6, normal: 7 };

/**
 * mergeTimeline puts the entries in one list, newest first (at the same
 * moment, failures and warnings first), each once: an event found by two
 * searches (its object's and its pods') is one entry; writes of the
 * status are left out.
 */
export function mergeTimeline(events: EventRecord[], changes: AuditRecord[], pods: PodEntry[], revisions: RevisionEntry[] = []): TimelineEntry[] {
  const seen = new Set<string>();
  const out: TimelineEntry[] = [];
  const add = (e: TimelineEntry | undefined) => {
    if (!e || seen.has(e.key)) return;
    seen.add(e.key);
    out.push(e);
  };
  events.forEach((e) => add(eventEntry(e)));
  changes.forEach((r, i) => {
    if (isChange(r)) add(changeEntry(r, i));
  });
  pods.forEach(add);
  revisions.forEach(add);
  return out.sort((a, b) => b.at - a.at || order[a.kind] - order[b.kind] || a.key.localeCompare(b.key));
}

/**
 * timelineStart is where an object's timeline begins, Unix seconds: a
 * minute before the object was made, at most maxDays back from now.
 */
export function timelineStart(created: string | undefined, now: number, maxDays = 30): number {
  const nowSec = Math.floor(now / 1000);
  const earliest = nowSec - maxDays * 86400;
  const c = ms(created);
  if (c === undefined) return earliest;
  return Math.max(earliest, Math.floor(c / 1000) - 60);
}
