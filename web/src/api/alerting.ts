import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, query } from './client';
import type { ListParams } from './resources';
import type { Condition, List, ObjectMeta } from './types';

// The alerting API of ke-apiserver (alerting.superkube.io/v2beta1), typed:
// rule groups at the three levels with their rules' state in Prometheus,
// the firing and pending alerts, their history, Alertmanager's silences,
// the builder's catalog and the preview of a rule's current value. The
// types mirror api/alerting/v2beta1. Pages call these and never build a
// path of their own.

export const alerting = '/kapis/alerting.superkube.io/v2beta1';

const enc = encodeURIComponent;

/** The levels of a rule group, as api/alerting/v2beta1 names them (rule_level). */
export type AlertLevel = 'project' | 'cluster' | 'global';

/** AlertPlace is where rules and alerts live: the platform, the cluster, or a project. */
export type AlertPlace = { level: 'global' } | { level: 'cluster' } | { level: 'project'; namespace: string };

export const severities = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof severities)[number];

export const comparisons = ['>', '>=', '<', '<=', '==', '!='] as const;
export type Comparison = (typeof comparisons)[number];

export const targetKinds = ['Cluster', 'Node', 'Workload', 'Pod', 'Container', 'PersistentVolumeClaim'] as const;
export type TargetKind = (typeof targetKinds)[number];

/** The kinds a project-level builder rule may watch (the others are the cluster's). */
export const projectKinds: TargetKind[] = ['Workload', 'Pod', 'Container', 'PersistentVolumeClaim'];

/** kindsAt is what a builder rule may watch at a level. */
export function kindsAt(level: AlertLevel): TargetKind[] {
  return level === 'project' ? projectKinds : [...targetKinds];
}

/** The label that marks a built-in rule group (alerting.superkube.io/builtin). */
export const builtinLabel = 'alerting.superkube.io/builtin';

export interface RuleBuilder {
  kind: TargetKind;
  /** targets by name (a workload as kind/name); empty is every target of the kind */
  names?: string[];
  metric: string;
  comparison: Comparison;
  /** a number in the metric's unit, as a string so that the server names this field when it is not one */
  threshold: string;
}

export interface Rule {
  alert: string;
  expr?: string;
  builder?: RuleBuilder;
  for?: string;
  severity?: Severity;
  summary?: string;
  description?: string;
  labels?: Record<string, string>;
  disabled?: boolean;
}

export interface RuleGroupSpec {
  interval?: string;
  disabled?: boolean;
  rules: Rule[];
}

/** RuleState is a rule as Prometheus evaluates it, which the API adds to each group it answers. */
export interface RuleState {
  /** the rule's alert name */
  alert?: string;
  name?: string;
  /** inactive, pending, firing, or disabled */
  state?: 'inactive' | 'pending' | 'firing' | 'disabled';
  /** ok, err, or unknown (not loaded in Prometheus yet, or disabled) */
  health?: string;
  lastError?: string;
  /** the number of its alerts now */
  alerts?: number;
}

export interface RuleGroupStatus {
  observedGeneration?: number;
  /** the number of rules loaded into Prometheus */
  rules?: number;
  conditions?: Condition[];
  /** each rule's state in Prometheus, in the order of the spec */
  ruleStates?: RuleState[];
}

export interface RuleGroup {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: RuleGroupSpec;
  status?: RuleGroupStatus;
  /** the rules' state, where the API puts it beside the object rather than in its status */
  ruleStates?: RuleState[];
  [key: string]: unknown;
}

/** An alert as the API answers it: Prometheus' alert with the silences Alertmanager holds for it. */
export interface Alert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt?: string;
  value?: string;
  /** the silences that hold it in Alertmanager */
  silencedBy?: string[];
  inhibitedBy?: string[];
  level?: AlertLevel;
  /** the project of a project-level alert */
  namespace?: string;
  group?: string;
  rule?: string;
  /** its label set's key, as Alertmanager makes it */
  fingerprint?: string;
}

/** AlertRow is an alert as a table shows it, with the metadata a row is known by. */
export interface AlertRow extends Alert {
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** An interval an alert was pending or firing, from Prometheus' ALERTS series. */
export interface AlertInterval {
  start: string;
  /** empty while it goes on */
  end?: string;
  state?: 'pending' | 'firing';
}

export interface AlertHistory {
  labels: Record<string, string>;
  intervals: AlertInterval[];
}

export interface Matcher {
  name: string;
  value: string;
  isRegex?: boolean;
  isEqual?: boolean;
}

/** A silence of Alertmanager, with who made it. */
export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  comment?: string;
  /** who made it: always the caller who created it */
  createdBy?: string;
  state?: 'active' | 'pending' | 'expired';
  /** Alertmanager's own shape */
  status?: { state: 'active' | 'pending' | 'expired' };
  /** the project of a project silence */
  namespace?: string;
  updatedAt?: string;
}

export interface SilenceRow extends Silence {
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface NewSilence {
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  comment: string;
}

/** A metric of the builder's catalog. */
export interface BuilderMetric {
  kind: TargetKind;
  /** the metric's name (pod_cpu_usage ...) */
  name: string;
  /** cores, bytes, ratio, count ... */
  unit?: string;
  /** by language: en, ko, zh */
  description?: Partial<Record<'en' | 'ko' | 'zh', string>>;
  /** the labels that name one target in its series ({{ $labels.pod }}) */
  labels?: string[];
  /** the levels whose groups may use it (project, cluster, global); none said: every level */
  levels?: string[];
}

/** A series of a preview: its labels and current value. */
export interface PreviewSeries {
  labels: Record<string, string>;
  value: number | null;
}

/** Preview is a rule's compiled expression and its current value per series. */
export interface Preview {
  expr: string;
  /** the builder metric's unit, empty for PromQL */
  unit?: string;
  series: PreviewSeries[];
  /** more series answered than the API returns */
  truncated?: boolean;
}

// Paths.

export function groupsPath(p: AlertPlace): string {
  switch (p.level) {
    case 'global':
      return `${alerting}/globalrulegroups`;
    case 'cluster':
      return `${alerting}/clusterrulegroups`;
    case 'project':
      return `${alerting}/namespaces/${enc(p.namespace)}/rulegroups`;
  }
}

export function groupPath(p: AlertPlace, name: string): string {
  return `${groupsPath(p)}/${enc(name)}`;
}

export function alertsPath(p: AlertPlace): string {
  switch (p.level) {
    case 'global':
      return `${alerting}/alerts`;
    case 'cluster':
      return `${alerting}/clusteralerts`;
    case 'project':
      return `${alerting}/namespaces/${enc(p.namespace)}/alerts`;
  }
}

/** silencesPath: a project's silences, or the platform's (the cluster level has none of its own). */
export function silencesPath(p: AlertPlace): string {
  return p.level === 'project' ? `${alerting}/namespaces/${enc(p.namespace)}/silences` : `${alerting}/silences`;
}

export const builderMetricsPath = `${alerting}/builder/metrics`;

/** The kinds behind each level, as access reviews ask about them (internal/iam/builtin's alerting templates). */
export function ruleGroupResource(p: AlertPlace): { group: string; resource: string; namespace?: string } {
  const group = 'alerting.superkube.io';
  switch (p.level) {
    case 'global':
      return { group, resource: 'globalrulegroups' };
    case 'cluster':
      return { group, resource: 'clusterrulegroups' };
    case 'project':
      return { group, resource: 'rulegroups', namespace: p.namespace };
  }
}

export function alertResource(p: AlertPlace): { group: string; resource: string; namespace?: string } {
  const group = 'alerting.superkube.io';
  if (p.level === 'cluster') return { group, resource: 'clusteralerts' };
  return { group, resource: 'alerts', namespace: p.level === 'project' ? p.namespace : undefined };
}

export function silenceResource(p: AlertPlace): { group: string; resource: string; namespace?: string } {
  return { group: 'alerting.superkube.io', resource: 'silences', namespace: p.level === 'project' ? p.namespace : undefined };
}

// Reading the answers.

/** isBuiltin tells a group the platform ships: it can be disabled and its thresholds changed, never deleted. */
export function isBuiltin(g: RuleGroup): boolean {
  return g.metadata.labels?.[builtinLabel] === 'true';
}

/** readyOf is the group's Ready condition. */
export function readyOf(g: RuleGroup): Condition | undefined {
  return g.status?.conditions?.find((c) => c.type === 'Ready');
}

/** ruleStates are the rules' states in Prometheus, by alert name. */
export function ruleStates(g: RuleGroup): Map<string, RuleState> {
  const out = new Map<string, RuleState>();
  const states = g.status?.ruleStates ?? g.ruleStates ?? [];
  states.forEach((s, i) => out.set(s.alert ?? s.name ?? g.spec.rules[i]?.alert ?? String(i), s));
  return out;
}

/** groupState is the most urgent state of a group's rules: firing, then pending, else inactive. */
export function groupState(g: RuleGroup): 'firing' | 'pending' | 'inactive' {
  const states = [...ruleStates(g).values()].map((s) => s.state);
  if (states.includes('firing')) return 'firing';
  if (states.includes('pending')) return 'pending';
  return 'inactive';
}

/** lastErrors are the rules' evaluation errors (a rule Prometheus cannot evaluate). */
export function lastErrors(g: RuleGroup): { alert: string; error: string }[] {
  return [...ruleStates(g).entries()].filter(([, s]) => s.lastError).map(([alert, s]) => ({ alert, error: s.lastError! }));
}

/** fingerprint is a short stable key of a label set (which alert of a rule a row is). */
export function fingerprint(labels: Record<string, string>): string {
  const s = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h * 33) ^ s.charCodeAt(i)) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** alertRow gives an alert the metadata of a table row: its alert name, and a key of its labels. */
export function alertRow(a: Alert): AlertRow {
  return { ...a, metadata: { name: a.labels.alertname ?? a.rule ?? '', uid: a.fingerprint || fingerprint(a.labels) } };
}

/** silenceState is a silence's state, wherever the answer says it. */
export function silenceState(s: Silence): 'active' | 'pending' | 'expired' | undefined {
  return s.state ?? s.status?.state;
}

/** silenceMatchers are the matchers of a silence of one alert: every label of it but those Prometheus adds per evaluation. */
export function silenceMatchers(a: Alert): Matcher[] {
  return Object.entries(a.labels)
    .filter(([k]) => k !== 'alertstate')
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

/** matcherText is a matcher as Alertmanager writes it: name="value", name=~"regex", name!="value". */
export function matcherText(m: Matcher): string {
  const op = m.isEqual === false ? (m.isRegex ? '!~' : '!=') : m.isRegex ? '=~' : '=';
  return `${m.name}${op}"${m.value}"`;
}

/** parseMatcher reads one matcher as matcherText writes it, or undefined when it is not one. */
export function parseMatcher(s: string): Matcher | undefined {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/.exec(s);
  if (!m) return undefined;
  return { name: m[1], value: m[3], isRegex: m[2].endsWith('~'), isEqual: !m[2].startsWith('!') };
}

/** num reads a sample's value: NaN and infinities are no value. */
function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** A series of a preview's answer: labels (or Prometheus' metric) and a value as [time, "v"] or a number. */
interface RawSeries {
  labels?: Record<string, string>;
  metric?: Record<string, string>;
  value?: unknown;
  values?: unknown[];
}

interface RawPreview {
  expr?: string;
  unit?: string;
  truncated?: boolean;
  series?: RawSeries[];
  /** Prometheus' own vector */
  result?: RawSeries[];
  value?: RawSeries[];
}

function sampleValue(v: unknown): number | null {
  if (Array.isArray(v)) return num(v[1]);
  return num(v);
}

/** asPreview reads a preview's answer: the expression, and each series with its current value. */
export function asPreview(raw: RawPreview): Preview {
  const rows: RawSeries[] = raw.series ?? raw.result ?? raw.value ?? [];
  return {
    expr: raw.expr ?? '',
    ...(raw.unit ? { unit: raw.unit } : {}),
    ...(raw.truncated ? { truncated: true } : {}),
    series: rows.map((r): PreviewSeries => {
      const labels: Record<string, string> = r.labels ?? r.metric ?? {};
      const values = Array.isArray(r.values) ? r.values : undefined;
      const v = r.value !== undefined ? sampleValue(r.value) : values?.length ? sampleValue(values[values.length - 1]) : null;
      return { labels, value: v };
    }),
  };
}

/** catalogOf reads the builder catalog's answer: a list, or a list convention's items. */
export function catalogOf(raw: BuilderMetric[] | { items?: BuilderMetric[] }): BuilderMetric[] {
  const items = Array.isArray(raw) ? raw : (raw.items ?? []);
  // The catalog names a metric name or metric (as the Go type spells it).
  return items.map((m) => ({ ...m, name: m.name || ((m as unknown as { metric?: string }).metric ?? '') }));
}

// Hooks and requests.

/** How often the pages read rules and alerts again: their state comes from Prometheus, not from an object that changes. */
export const alertingRefreshMs = 15_000;

function listQuery<T>(key: string, path: string, params: ListParams, map: (raw: List<T>) => List<T>, enabled = true) {
  return {
    queryKey: ['alerting', key, path, params] as const,
    queryFn: async ({ signal }: { signal: AbortSignal }) => map(await api.get<List<T>>(path + query(params), signal)),
    placeholderData: keepPreviousData,
    refetchInterval: alertingRefreshMs,
    enabled,
  };
}

/** useRuleGroups reads a page of a level's rule groups, each with its rules' state. */
export function useRuleGroups(p: AlertPlace, params: ListParams, enabled = true) {
  return useQuery(listQuery<RuleGroup>('rulegroups', groupsPath(p), params, (l) => ({ ...l, items: l.items ?? [] }), enabled));
}

export function useRuleGroup(p: AlertPlace, name: string | undefined) {
  return useQuery({
    queryKey: ['alerting', 'rulegroup', name ? groupPath(p, name) : ''],
    queryFn: ({ signal }) => api.get<RuleGroup>(groupPath(p, name!), signal),
    enabled: !!name,
  });
}

/** groupBody is what a create or update sends: the name, labels kept as they are, and the spec. */
function groupBody(g: Pick<RuleGroup, 'metadata' | 'spec'>) {
  return { metadata: { name: g.metadata.name, labels: g.metadata.labels, annotations: g.metadata.annotations, resourceVersion: g.metadata.resourceVersion }, spec: g.spec };
}

export function createRuleGroup(p: AlertPlace, g: Pick<RuleGroup, 'metadata' | 'spec'>) {
  return api.post<RuleGroup>(groupsPath(p), groupBody(g));
}

export function updateRuleGroup(p: AlertPlace, g: Pick<RuleGroup, 'metadata' | 'spec'>) {
  return api.put<RuleGroup>(groupPath(p, g.metadata.name), groupBody(g));
}

export function deleteRuleGroup(p: AlertPlace, name: string) {
  return api.del<unknown>(groupPath(p, name));
}

/** preview compiles one rule and reads its expression's current value. */
export async function preview(p: AlertPlace, rule: Rule): Promise<Preview> {
  return asPreview(await api.post<RawPreview>(`${groupsPath(p)}/preview`, { rule }));
}

/**
 * usePreview reads a rule's preview while the rule is complete enough to
 * compile (rule set), and again every 15 seconds while it is shown: the
 * value is live, as Prometheus' next scrapes change it. A rule the server
 * refuses is not read again until it changes.
 */
export function usePreview(p: AlertPlace, rule: Rule | undefined) {
  return useQuery({
    queryKey: ['alerting', 'preview', groupsPath(p), rule ?? null],
    queryFn: () => preview(p, rule!),
    enabled: !!rule,
    retry: false,
    staleTime: 10_000,
    refetchInterval: (q) => (q.state.error ? false : alertingRefreshMs),
  });
}

/** useBuilderMetrics reads the builder's catalog, once per session. */
export function useBuilderMetrics() {
  return useQuery({
    queryKey: ['alerting', 'builder-metrics'],
    queryFn: async ({ signal }) => catalogOf(await api.get<BuilderMetric[] | { items?: BuilderMetric[] }>(builderMetricsPath, signal)),
    staleTime: Infinity,
  });
}

/** useAlerts reads a page of a level's firing and pending alerts (state filters them). */
export function useAlerts(p: AlertPlace, params: ListParams, enabled = true) {
  return useQuery(listQuery<AlertRow>('alerts', alertsPath(p), params, (l) => ({ ...l, items: (l.items ?? []).map(alertRow) }), enabled));
}

/** useAlertHistory reads the intervals each alert of a level was pending or firing, between start and end (RFC 3339). */
export function useAlertHistory(p: AlertPlace, start: string, end: string, enabled = true) {
  return useQuery({
    queryKey: ['alerting', 'history', alertsPath(p), start, end],
    queryFn: async ({ signal }) => {
      const raw = await api.get<List<AlertHistory> | AlertHistory[]>(`${alertsPath(p)}/history` + query({ start, end }), signal);
      return Array.isArray(raw) ? raw : (raw.items ?? []);
    },
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** useSilences reads a page of the silences of a project or of the platform. */
export function useSilences(p: AlertPlace, params: ListParams, enabled = true) {
  return useQuery(
    listQuery<SilenceRow>('silences', silencesPath(p), params, (l) => ({ ...l, items: (l.items ?? []).map((s) => ({ ...s, metadata: { name: s.id, uid: s.id } })) }), enabled),
  );
}

export function createSilence(p: AlertPlace, s: NewSilence) {
  return api.post<Silence | { id?: string; silenceID?: string }>(silencesPath(p), s);
}

/** expireSilence ends a silence now. */
export function expireSilence(p: AlertPlace, id: string) {
  return api.del<unknown>(`${silencesPath(p)}/${enc(id)}`);
}
