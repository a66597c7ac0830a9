import type { Backend, BackendState, IngressForm, Route } from '../../api/gateway';

// The route form's logic, kept apart from React: the draft the form edits,
// the problems the console points out before sending (the server checks
// again and names the same fields), the body sent to the gateway API, the
// readiness shown for a route, and the editing of the allowed lists.

export const pathTypes = ['Prefix', 'Exact', 'ImplementationSpecific'] as const;

export interface PathDraft {
  path: string;
  pathType: string;
  service: string;
  port: string;
}

export interface RuleDraft {
  host: string;
  paths: PathDraft[];
}

export interface TLSDraft {
  /** comma-separated host names */
  hosts: string;
  secretName: string;
}

export interface RouteDraft {
  name: string;
  /** empty: the cluster's default class */
  ingressClassName: string;
  rules: RuleDraft[];
  tls: TLSDraft[];
}

/** A Service of the project, as the form offers it. */
export interface ServiceChoice {
  name: string;
  ports: { name?: string; port: number }[];
}

export type Problem = 'required' | 'name' | 'host' | 'path' | 'port' | 'serviceMissing' | 'portMissing';

export function emptyPath(): PathDraft {
  return { path: '/', pathType: 'Prefix', service: '', port: '' };
}

export function emptyDraft(defaultClass = ''): RouteDraft {
  return { name: '', ingressClassName: defaultClass, rules: [{ host: '', paths: [emptyPath()] }], tls: [] };
}

/** draftFromRoute is an Ingress's draft, for its edit. */
export function draftFromRoute(r: Route): RouteDraft {
  const rules: RuleDraft[] = [];
  for (const p of r.paths) {
    if (p.pathType === 'Default') continue;
    const host = p.host ?? '';
    let rule = rules.find((x) => x.host === host);
    if (!rule) {
      rule = { host, paths: [] };
      rules.push(rule);
    }
    const b = p.backends[0];
    rule.paths.push({ path: p.path, pathType: p.pathType, service: b?.service ?? '', port: b?.port ?? '' });
  }
  return {
    name: r.metadata.name,
    ingressClassName: r.ingressClassName ?? '',
    rules: rules.length > 0 ? rules : [{ host: '', paths: [emptyPath()] }],
    tls: r.tls.map((t) => ({ hosts: (t.hosts ?? []).join(', '), secretName: t.secretName })),
  };
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function pathField(i: number, j: number, leaf: string): string {
  return `spec.rules[${i}].http.paths[${j}].${leaf}`;
}

function findPort(s: ServiceChoice, port: string): boolean {
  const n = Number(port);
  return s.ports.some((p) => (Number.isInteger(n) && /^\d+$/.test(port) ? p.port === n : p.name === port));
}

/**
 * routeProblems finds what the server would refuse, keyed by the Ingress's
 * field (the server's causes name the same ones). services, when known,
 * lets a missing Service or port be said before sending.
 */
export function routeProblems(d: RouteDraft, services?: ServiceChoice[]): Record<string, Problem> {
  const out: Record<string, Problem> = {};
  if (!d.name.trim()) out['metadata.name'] = 'required';
  else if (d.name.length > 253 || !dnsName.test(d.name)) out['metadata.name'] = 'name';
  d.rules.forEach((r, i) => {
    const host = r.host.trim();
    if (host && !dnsName.test(host.replace(/^\*\./, ''))) out[`spec.rules[${i}].host`] = 'host';
    r.paths.forEach((p, j) => {
      if (!p.path.startsWith('/')) out[pathField(i, j, 'path')] = 'path';
      if (!p.service) out[pathField(i, j, 'backend.service.name')] = 'required';
      const port = p.port.trim();
      const n = Number(port);
      if (!port) out[pathField(i, j, 'backend.service.port')] = 'required';
      else if (/^\d+$/.test(port) ? n < 1 || n > 65535 : !dnsLabel.test(port) || port.length > 15) out[pathField(i, j, 'backend.service.port')] = 'port';
      if (services && p.service) {
        const s = services.find((x) => x.name === p.service);
        if (!s) out[pathField(i, j, 'backend.service.name')] = 'serviceMissing';
        else if (port && !out[pathField(i, j, 'backend.service.port')] && !findPort(s, port)) out[pathField(i, j, 'backend.service.port')] = 'portMissing';
      }
    });
  });
  d.tls.forEach((t, k) => {
    if (!t.secretName.trim()) out[`spec.tls[${k}].secretName`] = 'required';
  });
  return out;
}

/** toIngressForm is the body the gateway API takes. */
export function toIngressForm(d: RouteDraft): IngressForm {
  const form: IngressForm = {
    name: d.name.trim(),
    rules: d.rules.map((r) => ({
      ...(r.host.trim() ? { host: r.host.trim() } : {}),
      paths: r.paths.map((p) => ({ path: p.path.trim(), pathType: p.pathType, service: p.service, port: p.port.trim() })),
    })),
  };
  if (d.ingressClassName) form.ingressClassName = d.ingressClassName;
  const tls = d.tls
    .filter((t) => t.secretName.trim())
    .map((t) => {
      const hosts = t.hosts
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean);
      return { secretName: t.secretName.trim(), ...(hosts.length > 0 ? { hosts } : {}) };
    });
  if (tls.length > 0) form.tls = tls;
  return form;
}

/** The order of the states, best first: a route shows its worst backend's. */
const stateOrder: BackendState[] = ['Ready', 'External', 'NotChecked', 'Degraded', 'NoEndpoints', 'PortMissing', 'ServiceMissing'];

export interface Readiness {
  /** the worst state of the route's backends; undefined when it has none */
  state?: BackendState;
  ready: number;
  total: number;
}

/** readiness sums a route's backends: ready and total endpoints and the worst state. */
export function readiness(backends: Backend[]): Readiness {
  let worst = -1;
  let ready = 0;
  let total = 0;
  for (const b of backends) {
    ready += b.ready;
    total += b.total;
    worst = Math.max(worst, stateOrder.indexOf(b.state));
  }
  return { state: worst >= 0 ? stateOrder[worst] : undefined, ready, total };
}

export type StateColor = 'green' | 'orange' | 'red' | 'grey';

export function stateColor(s: BackendState | undefined): StateColor {
  switch (s) {
    case 'Ready':
      return 'green';
    case 'Degraded':
      return 'orange';
    case 'NoEndpoints':
    case 'PortMissing':
    case 'ServiceMissing':
      return 'red';
    default:
      return 'grey';
  }
}

/**
 * toggleClass adds or removes a class from an allowed list. A list that is
 * absent (unrestricted) becomes every class but the one unticked.
 */
export function toggleClass(list: string[] | undefined, name: string, on: boolean, all: string[]): string[] {
  const base = list ?? [...all];
  const next = on ? (base.includes(name) ? base : [...base, name]) : base.filter((x) => x !== name);
  return [...next].sort();
}

/**
 * narrowable is what a workspace administrator may offer a project: the
 * classes its workspace allows (every class when the workspace's list is
 * absent).
 */
export function narrowable(all: string[], workspace: string[] | undefined): string[] {
  return workspace ? all.filter((c) => workspace.includes(c)) : all;
}
