import { ApiError, query } from './client';
import { logging, pageSize, readHistogram, readPage, retryLogs, useHistogramAt, usePages, type Histogram, type RecordPage, type SortOrder } from './logging';

// The records of the platform that the log store keeps besides container
// logs, typed: Kubernetes events (logging.superkube.io/v1alpha2/events,
// within the namespaces the caller may list events in) and audit records
// (…/auditing/events: all of them for platform administrators, those of
// their workspaces for workspace administrators, none for the others;
// …/workspaces/{workspace}/auditing/events: one workspace's).
// They page and count per interval as the log search does.

const enc = encodeURIComponent;
const joined = (v: string[] | undefined) => (v?.length ? v.join(',') : undefined);

/** The object an event is about. */
export interface InvolvedObject {
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

/** EventRecord is one occurrence of a Kubernetes event, with its count so far. */
export interface EventRecord {
  /** RFC 3339: this occurrence */
  time: string;
  /** RFC 3339: the event's first occurrence */
  firstTime?: string;
  namespace: string;
  workspace?: string;
  involvedObject: InvolvedObject;
  reason?: string;
  /** Normal or Warning */
  type?: string;
  message?: string;
  /** the component that reported it (kubelet, default-scheduler …) */
  source?: string;
  count?: number;
  uid?: string;
}

/**
 * EventSearch is a search of events: in one namespace (the API's
 * namespaced path) or every namespace the caller may list events in; each
 * list matches any of its values, the lists all of them; the message must
 * hold every word; start and end are Unix seconds.
 */
export interface EventSearch {
  namespace?: string;
  kinds?: string[];
  names?: string[];
  uids?: string[];
  objectNamespaces?: string[];
  reasons?: string[];
  /** Normal, Warning */
  types?: string[];
  words?: string[];
  start: number;
  end: number;
}

/** eventsPath is the API path of an event search's scope. */
export function eventsPath(namespace?: string): string {
  return namespace ? `${logging}/namespaces/${enc(namespace)}/events` : `${logging}/events`;
}

function eventParams(s: EventSearch): Record<string, string | number | undefined> {
  return {
    involved_object_kind: joined(s.kinds),
    involved_object_name: joined(s.names),
    involved_object_uid: joined(s.uids),
    involved_object_namespace: joined(s.objectNamespaces),
    reason: joined(s.reasons),
    type: joined(s.types),
    message_query: joined(s.words),
    start_time: s.start,
    end_time: s.end,
  };
}

/** eventsQueryURL is the path and query of a page of events. */
export function eventsQueryURL(s: EventSearch, sort: SortOrder, from = 0, size = pageSize): string {
  return eventsPath(s.namespace) + query({ operation: 'query', ...eventParams(s), sort, from: from || undefined, size });
}

/** eventsHistogramURL is the path and query of the events per interval. */
export function eventsHistogramURL(s: EventSearch): string {
  return eventsPath(s.namespace) + query({ operation: 'histogram', ...eventParams(s) });
}

/** getEvents reads a page of events. */
export function getEvents(s: EventSearch, sort: SortOrder, from = 0, size = pageSize, signal?: AbortSignal): Promise<RecordPage<EventRecord>> {
  return readPage<EventRecord>(eventsQueryURL(s, sort, from, size), signal);
}

/** getEventHistogram reads the events per interval. */
export function getEventHistogram(s: EventSearch, signal?: AbortSignal): Promise<Histogram> {
  return readHistogram(eventsHistogramURL(s), signal);
}

const eventKey = (s: EventSearch) => [eventsPath(s.namespace), eventParams(s)] as const;

/** useEvents reads the events of a search a page at a time, as useLogs the lines. */
export function useEvents(s: EventSearch | undefined, sort: SortOrder) {
  return usePages<EventRecord>(['logging', 'events', ...(s ? eventKey(s) : []), sort], s ? (from) => eventsQueryURL(s, sort, from) : undefined);
}

/** useEventHistogram reads the events per interval of a search. */
export function useEventHistogram(s: EventSearch | undefined) {
  return useHistogramAt(['logging', 'events-histogram', ...(s ? eventKey(s) : [])], s ? eventsHistogramURL(s) : undefined);
}

/** auditPath is the API path of the audit records: every workspace the caller may read them in, or one (403 when it may not). */
export function auditPath(workspace?: string): string {
  return workspace ? `${logging}/workspaces/${enc(workspace)}/auditing/events` : `${logging}/auditing/events`;
}

/** AuditRecord is one audited request to kube-apiserver or ke-apiserver. */
export interface AuditRecord {
  /** RFC 3339 */
  time: string;
  /** kube-apiserver or ke-apiserver */
  source: string;
  type?: string;
  user: string;
  verb: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  namespace?: string;
  workspace?: string;
  /** the answer's HTTP status code */
  code?: number;
  /** the answer's outcome as the API words it (Success, Failure …) */
  result?: string;
  sourceIP?: string;
  userAgent?: string;
  auditID?: string;
  message?: string;
}

/** AuditSearch is a search of audit records; each list matches any of its values; start and end are Unix seconds. */
export interface AuditSearch {
  /** one workspace (the API's workspace path); none: all the caller may read */
  workspace?: string;
  users?: string[];
  verbs?: string[];
  resources?: string[];
  names?: string[];
  namespaces?: string[];
  workspaces?: string[];
  codes?: string[];
  /** kube-apiserver, ke-apiserver */
  sources?: string[];
  start: number;
  end: number;
}

function auditParams(s: AuditSearch): Record<string, string | number | undefined> {
  return {
    user: joined(s.users),
    verb: joined(s.verbs),
    resource: joined(s.resources),
    name: joined(s.names),
    namespace: joined(s.namespaces),
    workspace: joined(s.workspaces),
    code: joined(s.codes),
    source: joined(s.sources),
    start_time: s.start,
    end_time: s.end,
  };
}

/** auditQueryURL is the path and query of a page of audit records. */
export function auditQueryURL(s: AuditSearch, sort: SortOrder, from = 0, size = pageSize): string {
  return auditPath(s.workspace) + query({ operation: 'query', ...auditParams(s), sort, from: from || undefined, size });
}

/** auditHistogramURL is the path and query of the audit records per interval. */
export function auditHistogramURL(s: AuditSearch): string {
  return auditPath(s.workspace) + query({ operation: 'histogram', ...auditParams(s) });
}

/** getAudit reads a page of audit records. */
export function getAudit(s: AuditSearch, sort: SortOrder, from = 0, size = pageSize, signal?: AbortSignal): Promise<RecordPage<AuditRecord>> {
  return readPage<AuditRecord>(auditQueryURL(s, sort, from, size), signal);
}

/**
 * isNotServed tells an answer that says the API has no such path (404): a
 * platform whose ke-apiserver does not serve the audit search yet. The
 * console then says the search is not available rather than an error.
 */
export function isNotServed(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

/** retryAudit retries as the log search does; a 404 is never retried. */
export function retryAudit(count: number, err: unknown): boolean {
  return !isNotServed(err) && retryLogs(count, err);
}

const auditKey = (s: AuditSearch) => [auditPath(s.workspace), auditParams(s)] as const;

/** useAudit reads the audit records of a search a page at a time. */
export function useAudit(s: AuditSearch | undefined, sort: SortOrder) {
  return usePages<AuditRecord>(['logging', 'audit', ...(s ? auditKey(s) : []), sort], s ? (from) => auditQueryURL(s, sort, from) : undefined, retryAudit);
}

/** useAuditHistogram reads the audit records per interval of a search. */
export function useAuditHistogram(s: AuditSearch | undefined) {
  return useHistogramAt(['logging', 'audit-histogram', ...(s ? auditKey(s) : [])], s ? auditHistogramURL(s) : undefined, retryAudit);
}

/** auditFailed tells a record whose request failed: an HTTP code of 400 or more, or a result that says so. */
export function auditFailed(r: Pick<AuditRecord, 'code' | 'result'>): boolean {
  if (typeof r.code === 'number' && r.code > 0) return r.code >= 400;
  return !!r.result && !/^success/i.test(r.result);
}
