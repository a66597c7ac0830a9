import { Alert, Button, EmptyState, EmptyStateBody, Flex, FlexItem, Label, Spinner, Stack } from '@patternfly/react-core';
import CodeBranchIcon from '@patternfly/react-icons/dist/esm/icons/code-branch-icon';
import ExclamationCircleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-circle-icon';
import ExclamationTriangleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-triangle-icon';
import InfoCircleIcon from '@patternfly/react-icons/dist/esm/icons/info-circle-icon';
import PencilAltIcon from '@patternfly/react-icons/dist/esm/icons/pencil-alt-icon';
import PlayIcon from '@patternfly/react-icons/dist/esm/icons/play-icon';
import RedoIcon from '@patternfly/react-icons/dist/esm/icons/redo-icon';
import StopCircleIcon from '@patternfly/react-icons/dist/esm/icons/stop-circle-icon';
import type { TFunction } from 'i18next';
import { useMemo, useState, type ComponentType, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { eventMessage } from '../../api/errors';
import { isNotServed, useAudit, useEvents, type AuditRecord, type EventRecord } from '../../api/events';
import { isStoreUnavailable } from '../../api/logging';
import { useList } from '../../api/resources';
import type { K8sObject, Pod } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { loaded, RecordTime, Spin, StoreUnavailable } from '../../components/logging/SearchParts';
import { AuditCode, auditTarget } from './AuditSearch';
import { EventObject, EventType } from './EventSearch';
import { controllerRevisions, deploymentRevisions, withContext, type DiffLine } from './revisions';
import { changeVerbs, mergeTimeline, podEntries, revisionEntries, timelineStart, type RevisionEntry, type TimelineEntry, type TimelineKind } from './timeline';

const icons: Record<TimelineKind, ComponentType> = {
  normal: InfoCircleIcon,
  warning: ExclamationTriangleIcon,
  change: PencilAltIcon,
  revision: CodeBranchIcon,
  start: PlayIcon,
  restart: RedoIcon,
  failure: ExclamationCircleIcon,
  exit: StopCircleIcon,
};

function kindName(k: TimelineKind, t: TFunction): string {
  switch (k) {
    case 'normal':
      return t('Event');
    case 'warning':
      return t('Warning event');
    case 'change':
      return t('Change');
    case 'revision':
      return t('Revision');
    case 'start':
      return t('Start');
    case 'restart':
      return t('Restart');
    case 'failure':
      return t('Failure');
    case 'exit':
      return t('Exit');
  }
}

/** The kinds a workload owns whose events are part of its timeline. */
const ownedKinds: Record<string, string> = { deployments: 'replicasets', cronjobs: 'jobs' };

/** The workloads whose revisions are part of their timeline, and the kind that holds them (found by its owner reference). */
const revisionKinds: Record<string, string> = { deployments: 'replicasets', statefulsets: 'controllerrevisions', daemonsets: 'controllerrevisions' };

/** The resources whose pods a workload has: their pods' status and events are part of its timeline. */
const withPods = new Set(['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs']);

function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="ke-timeline-details pf-v6-u-font-size-sm" data-test="timeline-details">
      {rows
        .filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => (
          <div key={k}>
            <dt className="pf-v6-u-font-weight-bold" style={{ display: 'inline' }}>
              {k}:
            </dt>{' '}
            <dd style={{ display: 'inline', margin: 0 }}>{v}</dd>
          </div>
        ))}
    </dl>
  );
}

/**
 * Diff shows what changed in a pod template between two revisions, line by
 * line with three lines around each change: added lines marked + (green),
 * removed ones - (red), so that the colour is not the only sign.
 */
export function Diff({ lines, label }: { lines: DiffLine[]; label: string }) {
  const { t } = useTranslation('logging');
  return (
    <pre className="ke-diff" aria-label={label} data-test="timeline-diff">
      {withContext(lines).map((l, i) =>
        l.op === 'skip' ? (
          <div key={i} className="ke-diff-skip" data-op="skip">
            {t('… {{count}} unchanged lines', { count: l.count })}
          </div>
        ) : (
          <div key={i} className={`ke-diff-${l.op}`} data-op={l.op} data-test="diff-line">
            <span aria-hidden="true">{l.op === 'added' ? '+ ' : l.op === 'removed' ? '- ' : '  '}</span>
            {l.op !== 'same' && <span className="pf-v6-screen-reader">{l.op === 'added' ? t('added:') : t('removed:')} </span>}
            {l.text}
          </div>
        ),
      )}
    </pre>
  );
}

/** describeRevision is a revision's line (its number and how much of the template changed) and its details, with the diff. */
function describeRevision(e: RevisionEntry, t: TFunction, time: (ts: string | undefined) => ReactNode): { line: ReactNode; facts: [string, ReactNode][]; body?: ReactNode } {
  const r = e.revision;
  const added = e.diff?.filter((l) => l.op === 'added').length ?? 0;
  const removed = e.diff?.filter((l) => l.op === 'removed').length ?? 0;
  let what: string;
  if (e.previous === undefined) what = r.revision === 1 ? t('first revision') : t('the revisions before it are no longer kept');
  else if (added + removed === 0) what = t('the same pod template as revision {{previous}}', { previous: e.previous });
  else what = t('pod template changed from revision {{previous}} (lines +{{added}} −{{removed}})', { previous: e.previous, added, removed });
  return {
    line: (
      <>
        <strong data-test="timeline-revision">{t('Revision {{n}}', { n: r.revision })}</strong> <span>{what}</span>
      </>
    ),
    facts: [
      [t('Revision'), r.revision],
      [t('Kept as'), r.name],
      [t('Made'), time(r.created)],
    ],
    body: e.diff && added + removed > 0 ? <Diff lines={e.diff} label={t('Changes from revision {{previous}} to {{n}}', { previous: e.previous, n: r.revision })} /> : undefined,
  };
}

/** describe is an entry's line (what happened, in a few words) and its details. */
function describe(e: TimelineEntry, self: string, t: TFunction, lang: string): { line: ReactNode; facts: [string, ReactNode][]; body?: ReactNode } {
  const time = (ts: string | undefined) => (ts ? <RecordTime ts={ts} lang={lang} millis={false} /> : undefined);
  if (e.source === 'revision') return describeRevision(e, t, time);
  if (e.source === 'event') {
    const ev: EventRecord = e.event;
    const o = ev.involvedObject;
    const other = `${o.kind}/${o.name}` !== self;
    return {
      line: (
        <>
          <EventType type={ev.type} /> <strong data-test="timeline-reason">{ev.reason ?? '-'}</strong>
          {other && (
            <>
              {' '}
              <EventObject e={ev} withNamespace={false} />
            </>
          )}{' '}
          <span data-test="timeline-message">{eventMessage(ev.message, t)}</span>
          {(ev.count ?? 1) > 1 && (
            <Label isCompact variant="outline" className="pf-v6-u-ml-sm">
              {t('×{{n}}', { n: ev.count })}
            </Label>
          )}
        </>
      ),
      facts: [
        [t('Object'), `${o.kind}/${o.name}`],
        [t('Type'), ev.type],
        [t('Reason'), ev.reason],
        [t('Message'), ev.message],
        [t('Count'), ev.count],
        [t('First seen'), time(ev.firstTime)],
        [t('Last seen'), time(ev.time)],
        [t('Source'), ev.source],
      ],
    };
  }
  if (e.source === 'audit') {
    const r: AuditRecord = e.audit;
    return {
      line: (
        <>
          <strong>{t('{{verb}} by {{user}}', { verb: r.verb, user: r.user || '-' })}</strong> <AuditCode r={r} /> <span>{auditTarget(r)}</span>
        </>
      ),
      facts: [
        [t('User'), r.user],
        [t('Verb'), r.verb],
        [t('Resource and name'), auditTarget(r)],
        [t('Code'), r.code ?? r.result],
        [t('Source IP'), r.sourceIP],
        [t('Component'), r.source],
        [t('User agent'), r.userAgent],
        [t('Audit ID'), r.auditID],
      ],
    };
  }
  const who = e.container ? t('Container {{container}} of pod {{pod}}', { container: e.container, pod: e.pod }) : t('Pod {{pod}}', { pod: e.pod });
  let what: string;
  switch (e.kind) {
    case 'restart':
      what = t('restarted ({{count}} restarts in all)', { count: e.restartCount ?? 0 });
      break;
    case 'failure':
      what = t('failed: {{reason}}, exit code {{code}}', { reason: e.reason ?? '-', code: e.exitCode ?? '-' });
      break;
    case 'exit':
      what = t('exited: {{reason}}, exit code {{code}}', { reason: e.reason ?? '-', code: e.exitCode ?? '-' });
      break;
    default:
      what = t('started');
  }
  return {
    line: (
      <>
        <strong>{who}</strong> {what}
      </>
    ),
    facts: [
      [t('Pod'), e.pod],
      [t('Container'), e.container],
      [t('Reason'), e.reason],
      [t('Exit code'), e.exitCode],
      [t('Message'), e.message],
      [t('Started'), time(e.startedAt)],
      [t('Finished'), time(e.finishedAt)],
      [t('Restarts'), e.restartCount],
    ],
  };
}

/**
 * Timeline tells what happened to an object, newest first: its events
 * (and, for a workload, its pods' events; for a Deployment its
 * ReplicaSets', for a CronJob its Jobs'), the audited changes to it
 * (which only administrators may read; for the others there are none),
 * a workload's revisions with what changed in the pod template, and, for
 * workloads and pods, the starts, restarts and failures the
 * pods' status tells. Each entry opens to its details.
 */
export function Timeline({ namespace, resource, kind, object }: { namespace: string; resource: string; kind: string; object: K8sObject }) {
  const { t, i18n } = useTranslation('logging');
  const lang = i18n.language;
  const name = object.metadata.name;
  const uid = object.metadata.uid;
  const [now, setNow] = useState(() => Date.now());
  const start = timelineStart(object.metadata.creationTimestamp, now);
  const end = Math.floor(now / 1000);

  const selector = withPods.has(resource) ? (object.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels : undefined;
  const labelSelector = selector ? Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',') : '';
  const podList = useList<Pod>('pods', namespace, { labelSelector, limit: 100 }, { enabled: !!labelSelector, live: false });
  const pods = useMemo<Pod[]>(() => (resource === 'pods' ? [object as Pod] : labelSelector ? (podList.data?.items ?? []) : []), [resource, object, labelSelector, podList.data]);
  const podNames = useMemo(() => (resource === 'pods' ? [] : pods.map((p) => p.metadata.name).sort()), [resource, pods]);

  // A Deployment's ReplicaSets and a CronJob's Jobs report for it (SuccessfulCreate, FailedCreate …): their events are its own.
  const children = uid ? ownedKinds[resource] : undefined;
  const owned = useList<K8sObject>(children ?? 'replicasets', namespace, { ownerReference: uid ?? '', limit: 50 }, { enabled: !!children, live: false });
  const uids = useMemo(() => (uid ? [uid, ...(owned.data?.items ?? []).map((o) => o.metadata.uid).filter((u): u is string => !!u).sort()] : []), [uid, owned.data]);
  // A workload's revisions: a Deployment's are its ReplicaSets (listed above), a StatefulSet's or DaemonSet's its ControllerRevisions.
  const revisionKind = uid ? revisionKinds[resource] : undefined;
  const crs = useList<K8sObject>('controllerrevisions', namespace, { ownerReference: uid ?? '', limit: 50 }, { enabled: revisionKind === 'controllerrevisions', live: false });
  const revisions = useMemo(() => {
    if (revisionKind === 'replicasets') return revisionEntries(deploymentRevisions(owned.data?.items ?? []));
    if (revisionKind === 'controllerrevisions') return revisionEntries(controllerRevisions(crs.data?.items ?? []));
    return [];
  }, [revisionKind, owned.data, crs.data]);
  const ownSearch = uid ? (children && owned.isLoading ? undefined : { namespace, uids, start, end }) : { namespace, kinds: [kind], names: [name], start, end };
  const own = useEvents(ownSearch, 'desc');
  const ofPods = useEvents(podNames.length ? { namespace, kinds: ['Pod'], names: podNames, start, end } : undefined, 'desc');
  const changes = useAudit({ resources: [resource], names: [name], namespaces: [namespace], verbs: changeVerbs, start, end }, 'desc');

  const ownEvents = loaded<EventRecord>(own);
  const podEvents = loaded<EventRecord>(ofPods);
  const audit = loaded<AuditRecord>(changes);
  const entries = useMemo(
    () => mergeTimeline([...ownEvents.records, ...podEvents.records], changes.error ? [] : audit.records, podEntries(pods), revisions),
    [ownEvents.records, podEvents.records, audit.records, changes.error, pods, revisions],
  );
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (key: string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(key)) n.delete(key);
      else n.add(key);
      return n;
    });

  const unavailable = isStoreUnavailable(own.error) ? own.error : undefined;
  const loading = !ownSearch || own.isLoading || (!!podNames.length && ofPods.isLoading) || (!!labelSelector && podList.isLoading);
  const more = ownEvents.total > ownEvents.records.length || podEvents.total > podEvents.records.length || audit.total > audit.records.length;
  const self = `${kind}/${name}`;
  const fetching = own.isFetching || ofPods.isFetching || changes.isFetching;

  return (
    <Stack hasGutter className="pf-v6-u-mt-md" data-test="timeline" data-state={loading ? 'loading' : entries.length ? 'ready' : 'empty'}>
      <Flex alignItems={{ default: 'alignItemsCenter' }} justifyContent={{ default: 'justifyContentSpaceBetween' }}>
        <FlexItem>
          {t('What happened to {{object}} since {{start}}, newest first', {
            object: self,
            start: new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(start * 1000)),
          })}
        </FlexItem>
        <FlexItem>
          <Button
            variant="secondary"
            size="sm"
            onClick={() => {
              setNow(Date.now());
              if (labelSelector) void podList.refetch();
              if (children) void owned.refetch();
              if (revisionKind === 'controllerrevisions') void crs.refetch();
            }}
            isDisabled={fetching}
            data-test="timeline-refresh"
          >
            {t('Refresh')}
          </Button>
          {fetching && !loading && <Spinner size="sm" className="pf-v6-u-ml-sm" aria-label={t('Loading')} />}
        </FlexItem>
      </Flex>
      {unavailable !== undefined && <StoreUnavailable error={unavailable} test="timeline-unavailable" />}
      {own.error !== null && !unavailable && <ErrorAlert error={own.error} onRetry={() => void own.refetch()} />}
      {changes.error !== null && isNotServed(changes.error) && (
        <Alert variant="info" isInline isPlain title={t('The audit records of changes are not available on this platform.')} data-test="timeline-no-audit" />
      )}
      {loading && <Spin height={120} />}
      {!loading && entries.length === 0 && (
        <EmptyState titleText={t('Nothing happened yet')} headingLevel="h3" variant="sm" data-test="timeline-empty">
          <EmptyStateBody>{t('No event, change or pod start of this object is known since it was made. Events reach the log store a few seconds after they happen.')}</EmptyStateBody>
        </EmptyState>
      )}
      {!loading && entries.length > 0 && (
        <ol className="ke-timeline" aria-label={t('Timeline')} data-test="timeline-entries">
          {entries.map((e) => {
            const Icon = icons[e.kind];
            const d = describe(e, self, t, lang);
            const isOpen = open.has(e.key);
            const id = `tl-${e.key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
            return (
              <li key={e.key} className="ke-timeline-entry" data-test="timeline-entry" data-kind={e.kind} data-source={e.source} data-revision={e.source === 'revision' ? e.revision.revision : undefined}>
                <span className="ke-timeline-time">
                  <RecordTime ts={e.time} lang={lang} millis={false} />
                </span>
                <span className="ke-timeline-icon" data-kind={e.kind} role="img" aria-label={kindName(e.kind, t)} title={kindName(e.kind, t)}>
                  <Icon />
                </span>
                <div>
                  <Button variant="plain" isInline onClick={() => toggle(e.key)} aria-expanded={isOpen} aria-controls={id} aria-label={isOpen ? t('Hide the details') : t('Show the details')} data-test="timeline-toggle" className="pf-v6-u-p-0 pf-v6-u-mr-sm">
                    {isOpen ? '▾' : '▸'}
                  </Button>
                  <span data-test="timeline-summary">{d.line}</span>
                  {isOpen && (
                    <div id={id}>
                      <Facts rows={d.facts} />
                      {d.body}
                    </div>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
      )}
      {more && <div className="pf-v6-u-font-size-sm">{t('Only the newest 100 events and changes of each kind are shown; the event search finds the others.')}</div>}
    </Stack>
  );
}
