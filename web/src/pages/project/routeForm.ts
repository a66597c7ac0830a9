import type { Backend, BackendState, HTTPRouteForm, IngressForm, Route } from '../../api/gateway';

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

export type Problem = 'required' | 'name' | 'host' | 'path' | 'port' | 'portNumber' | 'weight' | 'serviceMissing' | 'portMissing';

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

// The HTTPRoute form (Gateway API v1): one path match per rule, each with
// its backends (a Service port by number, and a weight); the parents are
// Gateways of the project or those its lists allow elsewhere. Its TLS is
// the Gateway listener's, so the form has none.

export const httpPathTypes = ['PathPrefix', 'Exact'] as const;

export interface HTTPBackendDraft {
  service: string;
  port: string;
  /** empty: the Gateway API's default (1) */
  weight: string;
}

export interface HTTPRuleDraft {
  path: string;
  pathType: string;
  backends: HTTPBackendDraft[];
}

export interface HTTPRouteDraft {
  name: string;
  /** "gateway" (this project's) or "namespace/gateway" */
  parentRefs: string[];
  /** comma-separated host names */
  hostnames: string;
  rules: HTTPRuleDraft[];
}

export function emptyHTTPBackend(): HTTPBackendDraft {
  return { service: '', port: '', weight: '' };
}

export function emptyHTTPRule(): HTTPRuleDraft {
  return { path: '/', pathType: 'PathPrefix', backends: [emptyHTTPBackend()] };
}

export function emptyHTTPRouteDraft(gateway = ''): HTTPRouteDraft {
  return { name: '', parentRefs: [gateway], hostnames: '', rules: [emptyHTTPRule()] };
}

/** draftFromHTTPRoute is an HTTPRoute's draft, for its edit: a parent of the route's own namespace by its name alone. */
export function draftFromHTTPRoute(r: Route): HTTPRouteDraft {
  const ns = r.metadata.namespace ?? '';
  return {
    name: r.metadata.name,
    parentRefs: (r.parentRefs ?? []).map((p) => (p.startsWith(`${ns}/`) ? p.slice(ns.length + 1) : p)),
    hostnames: r.hosts.join(', '),
    rules: r.paths.map((p) => ({
      path: p.path,
      pathType: p.pathType,
      backends: p.backends.map((b) => ({ service: b.service, port: b.port, weight: b.weight === undefined ? '' : String(b.weight) })),
    })),
  };
}

export function backendField(i: number, j: number, leaf: string): string {
  return `spec.rules[${i}].backendRefs[${j}].${leaf}`;
}

export function matchField(i: number, leaf: 'value' | 'type'): string {
  return `spec.rules[${i}].matches[0].path.${leaf}`;
}

function splitList(s: string): string[] {
  return s
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
}

/**
 * httpRouteProblems finds what the server would refuse, keyed by the
 * HTTPRoute's field (the server's causes name the same ones): the
 * backends' checks are the Ingress form's, but a port is a number.
 */
export function httpRouteProblems(d: HTTPRouteDraft, services?: ServiceChoice[]): Record<string, Problem> {
  const out: Record<string, Problem> = {};
  if (!d.name.trim()) out['metadata.name'] = 'required';
  else if (d.name.length > 253 || !dnsName.test(d.name)) out['metadata.name'] = 'name';
  d.parentRefs.forEach((p, k) => {
    if (!p.trim()) out[`spec.parentRefs[${k}].name`] = 'required';
  });
  splitList(d.hostnames).forEach((h, k) => {
    if (!dnsName.test(h.replace(/^\*\./, '')) || /^[\d.]+$/.test(h)) out[`spec.hostnames[${k}]`] = 'host';
  });
  d.rules.forEach((r, i) => {
    if (!r.path.startsWith('/')) out[matchField(i, 'value')] = 'path';
    r.backends.forEach((b, j) => {
      if (!b.service) out[backendField(i, j, 'name')] = 'required';
      const port = b.port.trim();
      const n = Number(port);
      if (!port) out[backendField(i, j, 'port')] = 'required';
      else if (!/^\d+$/.test(port) || n < 1 || n > 65535) out[backendField(i, j, 'port')] = 'portNumber';
      const w = b.weight.trim();
      if (w && (!/^\d+$/.test(w) || Number(w) > 1000000)) out[backendField(i, j, 'weight')] = 'weight';
      if (services && b.service) {
        const s = services.find((x) => x.name === b.service);
        if (!s) out[backendField(i, j, 'name')] = 'serviceMissing';
        else if (port && !out[backendField(i, j, 'port')] && !findPort(s, port)) out[backendField(i, j, 'port')] = 'portMissing';
      }
    });
  });
  return out;
}

/** toHTTPRouteForm is the body the gateway API takes. */
export function toHTTPRouteForm(d: HTTPRouteDraft): HTTPRouteForm {
  const form: HTTPRouteForm = {
    name: d.name.trim(),
    parentRefs: d.parentRefs.map((p) => p.trim()).filter(Boolean),
    rules: d.rules.map((r) => ({
      path: r.path.trim(),
      pathType: r.pathType,
      backends: r.backends.map((b) => ({ service: b.service, port: b.port.trim(), ...(b.weight.trim() ? { weight: Number(b.weight.trim()) } : {}) })),
    })),
  };
  const hostnames = splitList(d.hostnames);
  if (hostnames.length > 0) form.hostnames = hostnames;
  return form;
}

/**
 * gatewayChoices are the Gateways an HTTPRoute of the project may attach
 * to: its own (by name) and those its lists allow elsewhere
 * ("namespace/name"; none when the lists do not restrict, since any could
 * be named). current, a parent the route has, stays offered.
 */
export function gatewayChoices(namespace: string, own: string[], allowed: string[] | undefined, current: string[] = []): string[] {
  const out = [...own];
  for (const g of allowed ?? []) {
    const name = g.startsWith(`${namespace}/`) ? g.slice(namespace.length + 1) : g;
    if (!out.includes(name)) out.push(name);
  }
  for (const c of current) if (c && !out.includes(c)) out.push(c);
  return out;
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
