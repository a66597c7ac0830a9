import type { MeshService, RequestMatch, Strategy, StrategyType, StringMatch, VersionRole } from '../../api/servicemesh';

// The grayscale release wizard's form: what the user chose, checked before
// it is sent, and turned into a Strategy. A problem names the spec's field
// as the API does, so that the server's objections land on the same input.

export type MatchOp = 'exact' | 'prefix' | 'regex';

/** MatchRow is one condition: a header or a cookie whose value matches. Rows are alternatives (any one sends the request to the new version). */
export interface MatchRow {
  kind: 'header' | 'cookie';
  name: string;
  op: MatchOp;
  value: string;
}

export interface StrategyDraft {
  name: string;
  service: string;
  versionLabel: string;
  /** the version serving now */
  principal: string;
  type: StrategyType;
  /** the new version's label value */
  canary: string;
  /** create the new version's Deployment from the principal's (else it runs already) */
  createWorkload: boolean;
  /** the Deployment the new version is copied from */
  source: string;
  container: string;
  image: string;
  weight: number;
  matches: MatchRow[];
  mirrorPercent: number;
  active: VersionRole;
}

export function emptyDraft(): StrategyDraft {
  return { name: '', service: '', versionLabel: 'version', principal: '', type: 'Canary', canary: '', createWorkload: true, source: '', container: '', image: '', weight: 10, matches: [], mirrorPercent: 100, active: 'Principal' };
}

/** forService fills what the chosen service tells: its current version and the Deployment to copy. */
export function forService(d: StrategyDraft, s: MeshService | undefined): StrategyDraft {
  const principal = s?.versions[0];
  const source = principal?.workloads?.find((w) => w.kind === 'Deployment')?.name ?? '';
  return { ...d, service: s?.name ?? '', principal: principal?.name ?? '', source, container: '' };
}

export type Problem = 'required' | 'name' | 'version' | 'same' | 'exists' | 'percent' | 'header' | 'cookie' | 'regex' | 'image';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const versionValue = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
// An HTTP header name (a token), lower case as Envoy carries them.
const headerName = /^[!#$%&'*+\-.^_|~0-9a-z]+$/;
const cookieName = /^[!#$%&'*+\-.^_|~0-9A-Za-z]+$/;

function regexProblem(v: string): boolean {
  try {
    new RegExp(v);
    return false;
  } catch {
    return true;
  }
}

/** matchPath is the spec's path of a row's value, as the API names it. */
export function matchPath(rows: MatchRow[], i: number): string {
  const r = rows[i];
  if (r.kind === 'header') return `spec.match[${i}].headers[${r.name.toLowerCase()}].${r.op}`;
  return `spec.match[${i}].cookies[0].value.${r.op}`;
}

/**
 * strategyProblems checks a draft: the problems by the spec's field path
 * (metadata.name, spec.canary, spec.match[0].headers.x-user.regex ...).
 * existingVersions are the versions the service runs already: a new
 * workload must not reuse one.
 */
export function strategyProblems(d: StrategyDraft, existingVersions: string[] = []): Record<string, Problem> {
  const p: Record<string, Problem> = {};
  if (!d.name) p['metadata.name'] = 'required';
  else if (!dnsLabel.test(d.name) || d.name.length > 63) p['metadata.name'] = 'name';
  if (!d.service) p['spec.service'] = 'required';
  if (!d.principal) p['spec.principal'] = 'required';
  if (!d.canary) p['spec.canary'] = 'required';
  else if (!versionValue.test(d.canary) || d.canary.length > 63) p['spec.canary'] = 'version';
  else if (d.canary === d.principal) p['spec.canary'] = 'same';
  else if (d.createWorkload && existingVersions.includes(d.canary)) p['spec.canary'] = 'exists';
  if (d.createWorkload) {
    if (!d.source) p.source = 'required';
    if (!d.image.trim()) p.image = 'required';
    else if (/\s/.test(d.image.trim())) p.image = 'image';
  }
  if (d.type === 'Canary') {
    if (!Number.isInteger(d.weight) || d.weight < 0 || d.weight > 100) p['spec.weight'] = 'percent';
    d.matches.forEach((r, i) => {
      if (!r.name) p[`spec.match[${i}].name`] = 'required';
      else if (r.kind === 'header' && !headerName.test(r.name)) p[`spec.match[${i}].name`] = 'header';
      else if (r.kind === 'cookie' && !cookieName.test(r.name)) p[`spec.match[${i}].name`] = 'cookie';
      if (r.op === 'regex' && regexProblem(r.value)) p[matchPath(d.matches, i)] = 'regex';
    });
  }
  if (d.type === 'Mirror' && (!Number.isInteger(d.mirrorPercent) || d.mirrorPercent < 0 || d.mirrorPercent > 100)) p['spec.mirror.percent'] = 'percent';
  return p;
}

function stringMatch(op: MatchOp, value: string): StringMatch {
  return { [op]: value };
}

/** toMatches turns the rows into the spec's alternatives, one RequestMatch a row. */
export function toMatches(rows: MatchRow[]): RequestMatch[] {
  return rows.map((r) => (r.kind === 'header' ? { headers: { [r.name.toLowerCase()]: stringMatch(r.op, r.value) } } : { cookies: [{ name: r.name, value: stringMatch(r.op, r.value) }] }));
}

/** toStrategy is the Strategy a draft asks for: only the fields of its type. */
export function toStrategy(d: StrategyDraft, namespace: string): Strategy {
  const spec: Strategy['spec'] = { type: d.type, service: d.service, principal: d.principal, canary: d.canary };
  if (d.versionLabel && d.versionLabel !== 'version') spec.versionLabel = d.versionLabel;
  if (d.type === 'Canary') {
    spec.weight = d.weight;
    if (d.matches.length) spec.match = toMatches(d.matches);
  }
  if (d.type === 'BlueGreen') spec.active = d.active;
  if (d.type === 'Mirror') spec.mirror = { percent: d.mirrorPercent };
  return { apiVersion: 'servicemesh.superkube.io/v1alpha2', kind: 'Strategy', metadata: { name: d.name, namespace }, spec };
}

/** describeMatch says a spec's match in one line: "header x-user = tester", "cookie canary ~ ^yes$". */
export function describeMatch(m: RequestMatch): string {
  const op = (s: StringMatch) => (s.exact !== undefined ? `= ${s.exact}` : s.prefix !== undefined ? `^= ${s.prefix}` : `~ ${s.regex ?? ''}`);
  const parts = [...Object.entries(m.headers ?? {}).map(([k, v]) => `header ${k} ${op(v)}`), ...(m.cookies ?? []).map((c) => `cookie ${c.name} ${op(c.value)}`)];
  return parts.join(' & ');
}
