import { compareQuantities, isWholeQuantity, parseQuantity, quantityValue, resourceUnit, type Quantity, type QuantityFormat, type ResourceUnit } from '../../api/quantity';
import { projectLimitsName, projectQuotaName, type LimitRange, type LimitRangeItem, type ResourceQuota } from '../../api/quotas';

// What the Quotas page computes: the use of each limit of a ResourceQuota,
// the drafts its forms edit, their rules, and the objects they send.

/** The limits the quota form offers, in its order; others a quota holds are shown and kept. */
export const quotaResources = [
  'requests.cpu',
  'limits.cpu',
  'requests.memory',
  'limits.memory',
  'requests.storage',
  'persistentvolumeclaims',
  'pods',
  'services',
  'configmaps',
  'secrets',
  'count/deployments.apps',
  'count/statefulsets.apps',
  'count/jobs.batch',
] as const;

/** integerResources are the plain object counts the API requires to be whole numbers (besides every count/…). */
const integerResources = new Set(['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas', 'services.nodeports', 'services.loadbalancers']);

export function isIntegerResource(resource: string): boolean {
  return integerResources.has(resource) || resource.startsWith('count/');
}

/** One limit of a quota with its use: the numbers of its bar. */
export interface UsageRow {
  resource: string;
  unit: ResourceUnit;
  /** how the limit was written, which the bar's figures follow (Gi or G) */
  format: QuantityFormat;
  hard: number;
  /** null while the quota controller has not counted it yet */
  used: number | null;
  /** used of hard; null without a count, Infinity for a use of a limit of 0 */
  ratio: number | null;
  /** the use is above the limit: the quota was set below it, and new objects are refused */
  over: boolean;
}

function order(resource: string): number {
  const i = (quotaResources as readonly string[]).indexOf(resource);
  return i < 0 ? quotaResources.length : i;
}

/**
 * quotaUsage is a bar per limit of a quota: its hard limit as set
 * (spec.hard) against the use the quota controller counted (status.used),
 * the form's resources first in its order, then the others by name. A limit
 * that is not a quantity (which the API would not have accepted) is left out.
 */
export function quotaUsage(q: ResourceQuota): UsageRow[] {
  const hard = q.spec?.hard ?? {};
  const used = q.status?.used ?? {};
  const rows: UsageRow[] = [];
  for (const resource of Object.keys(hard).sort((a, b) => order(a) - order(b) || a.localeCompare(b))) {
    const h = parseQuantity(hard[resource]);
    if (!h) continue;
    const u = used[resource] !== undefined ? parseQuantity(used[resource]) : undefined;
    const hv = quantityValue(h);
    const uv = u ? quantityValue(u) : null;
    rows.push({
      resource,
      unit: resourceUnit(resource),
      format: h.format,
      hard: hv,
      used: uv,
      ratio: uv === null ? null : hv > 0 ? uv / hv : uv > 0 ? Infinity : 0,
      over: !!u && compareQuantities(u, h) > 0,
    });
  }
  return rows;
}

/** asRead is an object as read, without its status (which a PUT ignores) or what the console added, to send back. */
function asRead<T extends ResourceQuota | LimitRange>(o: T): T {
  const copy = { ...o };
  delete copy.status;
  delete copy.derived;
  return copy;
}

/** What is wrong with a quantity typed in a form. */
export type QuantityProblem = 'quantity' | 'negative' | 'integer';

/** quantityProblem checks a quantity typed in a form; empty is no limit and fine. */
export function quantityProblem(text: string, integer = false): QuantityProblem | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  const q = parseQuantity(s);
  if (!q) return 'quantity';
  if (q.nanos < 0n) return 'negative';
  if (integer && !isWholeQuantity(q)) return 'integer';
  return undefined;
}

/** QuotaDraft is the quota form: a text per resource of quotaResources, empty for no limit. */
export type QuotaDraft = Record<string, string>;

export function quotaDraft(q?: ResourceQuota): QuotaDraft {
  const hard = q?.spec?.hard ?? {};
  return Object.fromEntries(quotaResources.map((r) => [r, hard[r] ?? '']));
}

/** quotaProblems are the fields of the draft the API would refuse, by resource. */
export function quotaProblems(d: QuotaDraft): Record<string, QuantityProblem> {
  const out: Record<string, QuantityProblem> = {};
  for (const r of quotaResources) {
    const p = quantityProblem(d[r] ?? '', isIntegerResource(r));
    if (p) out[r] = p;
  }
  return out;
}

/** belowUse are the resources whose new limit is below what the project uses now: the API accepts it, and refuses new objects until the use falls. */
export function belowUse(d: QuotaDraft, q: ResourceQuota | undefined): Record<string, string> {
  const used = q?.status?.used ?? {};
  const out: Record<string, string> = {};
  for (const r of quotaResources) {
    const h = parseQuantity((d[r] ?? '').trim());
    const u = used[r] !== undefined ? parseQuantity(used[r]) : undefined;
    if (h && u && compareQuantities(u, h) > 0) out[r] = used[r];
  }
  return out;
}

/** quotaField is the path the API names a quota's limit by in its Status causes. */
export function quotaField(resource: string): string {
  return `spec.hard[${resource}]`;
}

/**
 * toQuota is the ResourceQuota to send: the one read, with the form's limits
 * (an empty field removes a limit) and every other limit, scope and field
 * kept as it was; or a new project-quota.
 */
export function toQuota(d: QuotaDraft, namespace: string, existing?: ResourceQuota): ResourceQuota {
  const hard: Record<string, string> = { ...(existing?.spec?.hard ?? {}) };
  for (const r of quotaResources) {
    const v = (d[r] ?? '').trim();
    if (v) hard[r] = v;
    else delete hard[r];
  }
  if (existing) return { ...asRead(existing), spec: { ...existing.spec, hard } };
  return { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: projectQuotaName, namespace }, spec: { hard } };
}

// Default container limits: the Container entry of a LimitRange.

/** The bounds of the limits form, in the order they must keep (min ≤ default request ≤ default limit ≤ max). */
export const limitBounds = ['min', 'defaultRequest', 'default', 'max'] as const;
export type LimitBound = (typeof limitBounds)[number];
export const limitResources = ['cpu', 'memory'] as const;
export type LimitResource = (typeof limitResources)[number];

/** LimitsDraft is the limits form: a text per bound and resource, empty for none. */
export type LimitsDraft = Record<LimitBound, Record<LimitResource, string>>;

/** containerIndex is the index of a LimitRange's Container entry, or -1. */
export function containerIndex(l: LimitRange | undefined): number {
  return l?.spec?.limits?.findIndex((x) => x.type === 'Container') ?? -1;
}

export function limitsDraft(l?: LimitRange): LimitsDraft {
  const item: LimitRangeItem | undefined = l?.spec?.limits?.[containerIndex(l)];
  const of = (b: LimitBound) => ({ cpu: item?.[b]?.cpu ?? '', memory: item?.[b]?.memory ?? '' });
  return { min: of('min'), defaultRequest: of('defaultRequest'), default: of('default'), max: of('max') };
}

/** A problem of one field of the limits form: not a quantity, negative, or above (below) a bound it must not pass. */
export type LimitProblem = { kind: 'quantity' | 'negative' } | { kind: 'above' | 'below'; bound: LimitBound; value: string };

/**
 * The order the API checks (k8s.io/kubernetes validation of LimitRange),
 * each as [the field it marks, the smaller, the larger]: a minimum above the
 * maximum marks the minimum, a default request above any bound marks the
 * default request, and a default limit outside min and max marks itself.
 */
const orderRules: [LimitBound, LimitBound, LimitBound][] = [
  ['min', 'min', 'max'],
  ['defaultRequest', 'min', 'defaultRequest'],
  ['defaultRequest', 'defaultRequest', 'max'],
  ['defaultRequest', 'defaultRequest', 'default'],
  ['default', 'min', 'default'],
  ['default', 'default', 'max'],
];

/** limitsProblems are the fields of the limits form the API would refuse, by "bound.resource". */
export function limitsProblems(d: LimitsDraft): Record<string, LimitProblem> {
  const out: Record<string, LimitProblem> = {};
  for (const r of limitResources) {
    const parsed: Partial<Record<LimitBound, Quantity>> = {};
    for (const b of limitBounds) {
      const p = quantityProblem(d[b][r]);
      if (p === 'quantity' || p === 'negative') out[`${b}.${r}`] = { kind: p };
      else if (d[b][r].trim()) parsed[b] = parseQuantity(d[b][r].trim());
    }
    for (const [field, small, large] of orderRules) {
      const a = parsed[small];
      const b = parsed[large];
      if (!a || !b || out[`${field}.${r}`] || compareQuantities(a, b) <= 0) continue;
      // The field marked is on the wrong side of the other bound of the rule.
      const other = field === small ? large : small;
      out[`${field}.${r}`] = { kind: field === small ? 'above' : 'below', bound: other, value: d[other][r].trim() };
    }
  }
  return out;
}

/** limitsEmpty tells a draft without any bound. */
export function limitsEmpty(d: LimitsDraft): boolean {
  return limitBounds.every((b) => limitResources.every((r) => d[b][r].trim() === ''));
}

/** limitField is the path the API names a bound of the Container entry by in its Status causes. */
export function limitField(index: number, bound: LimitBound, resource: LimitResource): string {
  return `spec.limits[${index}].${bound}[${resource}]`;
}

/**
 * toLimitRange is the LimitRange to send: the one read with its Container
 * entry's CPU and memory bounds from the form (other resources, the
 * request ratio and the other entries kept), the entry added when it has
 * none; or a new project-limits. It returns the index of the Container
 * entry, which the API's field paths name.
 */
export function toLimitRange(d: LimitsDraft, namespace: string, existing?: LimitRange): { object: LimitRange; index: number } {
  const limits = [...(existing?.spec?.limits ?? [])];
  let index = containerIndex(existing);
  if (index < 0) index = limits.length;
  const item: LimitRangeItem = { ...(limits[index] ?? {}), type: 'Container' };
  for (const b of limitBounds) {
    const values: Record<string, string> = { ...(item[b] ?? {}) };
    for (const r of limitResources) {
      const v = d[b][r].trim();
      if (v) values[r] = v;
      else delete values[r];
    }
    if (Object.keys(values).length) item[b] = values;
    else delete item[b];
  }
  limits[index] = item;
  if (existing) return { object: { ...asRead(existing), spec: { ...existing.spec, limits } }, index };
  return { object: { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: projectLimitsName, namespace }, spec: { limits } }, index };
}
