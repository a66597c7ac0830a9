import type { AlertLevel, BuilderMetric, Comparison, Rule, RuleGroup, Severity, TargetKind } from '../../api/alerting';
import { kindsAt } from '../../api/alerting';
import type { DescribedError } from '../../api/errors';

// A rule as the form holds it (every field a string, both ways of writing
// it kept while the user switches), and the rule it sends.

export type RuleMode = 'builder' | 'promql';

export interface RuleDraft {
  alert: string;
  mode: RuleMode;
  expr: string;
  kind: TargetKind;
  /** target names, separated by commas */
  names: string;
  metric: string;
  comparison: Comparison;
  threshold: string;
  for: string;
  severity: Severity;
  summary: string;
  description: string;
  labels?: Record<string, string>;
  disabled: boolean;
}

/** newDraft is the rule a form starts with at a level: a builder rule on the first kind the level may watch. */
export function newDraft(level: AlertLevel): RuleDraft {
  return {
    alert: '',
    mode: 'builder',
    expr: '',
    kind: kindsAt(level)[0],
    names: '',
    metric: '',
    comparison: '>',
    threshold: '',
    for: '5m',
    severity: 'warning',
    summary: '',
    description: '',
    disabled: false,
  };
}

export function fromRule(r: Rule, level: AlertLevel): RuleDraft {
  const d = newDraft(level);
  return {
    ...d,
    alert: r.alert,
    mode: r.builder ? 'builder' : 'promql',
    expr: r.expr ?? '',
    kind: r.builder?.kind ?? d.kind,
    names: (r.builder?.names ?? []).join(', '),
    metric: r.builder?.metric ?? '',
    comparison: r.builder?.comparison ?? d.comparison,
    threshold: r.builder?.threshold ?? '',
    for: r.for ?? '',
    severity: r.severity ?? d.severity,
    summary: r.summary ?? '',
    description: r.description ?? '',
    labels: r.labels,
    disabled: !!r.disabled,
  };
}

/** toRule is the rule a draft sends: the builder or the expression, as the mode says; empty fields left out. */
export function toRule(d: RuleDraft): Rule {
  const r: Rule = { alert: d.alert.trim() };
  if (d.mode === 'builder') {
    const names = d.names
      .split(/[\s,]+/)
      .map((n) => n.trim())
      .filter(Boolean);
    r.builder = { kind: d.kind, metric: d.metric, comparison: d.comparison, threshold: d.threshold.trim(), ...(names.length ? { names } : {}) };
  } else {
    r.expr = d.expr.trim();
  }
  if (d.for.trim()) r.for = d.for.trim();
  r.severity = d.severity;
  if (d.summary.trim()) r.summary = d.summary.trim();
  if (d.description.trim()) r.description = d.description.trim();
  if (d.labels && Object.keys(d.labels).length) r.labels = d.labels;
  if (d.disabled) r.disabled = true;
  return r;
}

/**
 * previewable is the rule to preview, once it says enough to compile: a
 * metric and a threshold, or an expression. The threshold is not checked
 * here: the server says what is wrong with it, for the field.
 */
export function previewable(d: RuleDraft): Rule | undefined {
  if (d.mode === 'builder' ? !d.metric || !d.threshold.trim() : !d.expr.trim()) return undefined;
  return toRule({ ...d, alert: d.alert.trim() || 'Preview' });
}

/** metricsOf are the catalog's metrics of a kind that a level's groups may use. */
export function metricsOf(catalog: BuilderMetric[] | undefined, kind: TargetKind, level: AlertLevel): BuilderMetric[] {
  return (catalog ?? []).filter((m) => m.kind === kind && (!m.levels?.length || m.levels.includes(level)));
}

/** metricDescription is a metric's description in the language, else in English, else its name. */
export function metricDescription(m: BuilderMetric, lang: string): string {
  const l = lang.split('-')[0] as 'en' | 'ko' | 'zh';
  return m.description?.[l] || m.description?.en || m.name;
}

/** The Prometheus duration the For field takes (5m, 1h30m, 30s), or empty. */
export function isDuration(s: string): boolean {
  return s.trim() === '' || /^(\d+(ms|[smhdwy]))+$/.test(s.trim());
}

/** ruleFieldError is the server's message for a field of a rule, named from spec.rules[i] (a save) or from the rule alone (a preview). */
export function ruleFieldError(d: DescribedError | undefined, index: number, field: string): string | undefined {
  if (!d) return undefined;
  for (const [f, msgs] of Object.entries(d.fields)) {
    if (f === `spec.rules[${index}].${field}` || f.startsWith(`spec.rules[${index}].${field}.`) || f === `rule.${field}` || f === field) return msgs.join(' ');
  }
  return undefined;
}

/** previewFieldError is the server's message for a field of the previewed rule, wherever the path is rooted (rule.builder.threshold, spec.rules[0].builder.threshold). */
export function previewFieldError(d: DescribedError | undefined, field: string): string | undefined {
  if (!d) return undefined;
  for (const [f, msgs] of Object.entries(d.fields)) {
    if (f === field || f.endsWith('.' + field)) return msgs.join(' ');
  }
  return undefined;
}

/** isRulePath tells the fields of rules, which the form marks itself. */
export const rulePaths = ['spec.rules', 'rule', 'builder', 'expr'];

/** A group as the form holds it. */
export interface GroupDraft {
  name: string;
  interval: string;
  disabled: boolean;
  rules: RuleDraft[];
}

export function groupDraft(g: RuleGroup | undefined, level: AlertLevel): GroupDraft {
  if (!g) return { name: '', interval: '', disabled: false, rules: [newDraft(level)] };
  return { name: g.metadata.name, interval: g.spec.interval ?? '', disabled: !!g.spec.disabled, rules: g.spec.rules.map((r) => fromRule(r, level)) };
}

/** toGroup is the group a draft saves, keeping the rest of an existing group's metadata (its labels, its version). */
export function toGroup(d: GroupDraft, existing?: RuleGroup): Pick<RuleGroup, 'metadata' | 'spec'> {
  return {
    metadata: existing ? { ...existing.metadata } : { name: d.name.trim() },
    spec: { ...(d.interval.trim() ? { interval: d.interval.trim() } : {}), ...(d.disabled ? { disabled: true } : {}), rules: d.rules.map(toRule) },
  };
}
