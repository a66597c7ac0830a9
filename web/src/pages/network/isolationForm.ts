import type { AllowedSource, NetworkIsolation, Protocol } from '../../api/network';
import { isDNSLabel } from '../../components/format';

// The allowed sources editor's model: a draft of text fields, converted to
// and from the NetworkIsolation's spec, and checked as the CRD checks it
// (docs/network.md, "Validation") so that a mistake is named before the
// server refuses it. The problems are keyed by the field paths the server
// names, so a field shows the browser's objection or the server's alike.

export const protocols: Protocol[] = ['TCP', 'UDP', 'SCTP'];

export interface CIDRDraft {
  cidr: string;
  /** except ranges, separated by commas or spaces */
  except: string;
}

export interface PortDraft {
  protocol: Protocol;
  port: string;
}

export interface SourceDraft {
  /** names separated by commas or spaces */
  namespaces: string;
  workspaces: string;
  cidrs: CIDRDraft[];
  ports: PortDraft[];
}

export function emptySource(): SourceDraft {
  return { namespaces: '', workspaces: '', cidrs: [], ports: [] };
}

/** words splits a list typed as text: commas or spaces between the values. */
export function words(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((w) => w.trim())
    .filter(Boolean);
}

export function toDraft(sources: AllowedSource[] | undefined): SourceDraft[] {
  return (sources ?? []).map((s) => ({
    namespaces: (s.namespaces ?? []).join(', '),
    workspaces: (s.workspaces ?? []).join(', '),
    cidrs: (s.cidrs ?? []).map((c) => ({ cidr: c.cidr, except: (c.except ?? []).join(', ') })),
    ports: (s.ports ?? []).map((p) => ({ protocol: p.protocol ?? 'TCP', port: String(p.port) })),
  }));
}

/** toSources makes the spec's allowed sources of a draft, leaving out what is empty. */
export function toSources(draft: SourceDraft[]): AllowedSource[] {
  return draft.map((d) => {
    const s: AllowedSource = {};
    const ns = words(d.namespaces);
    const ws = words(d.workspaces);
    if (ns.length) s.namespaces = [...new Set(ns)];
    if (ws.length) s.workspaces = [...new Set(ws)];
    const cidrs = d.cidrs.filter((c) => c.cidr.trim() || c.except.trim());
    if (cidrs.length) s.cidrs = cidrs.map((c) => (words(c.except).length ? { cidr: c.cidr.trim(), except: words(c.except) } : { cidr: c.cidr.trim() }));
    const ports = d.ports.filter((p) => p.port.trim());
    if (ports.length) s.ports = ports.map((p) => ({ protocol: p.protocol, port: Number(p.port.trim()) }));
    return s;
  });
}

/** parseIPv4 gives an IPv4 address as a number, or undefined. */
function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    // No leading zeros (Go's netip refuses them, and so does the CEL library).
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v;
}

/** isIPv6 tells an IPv6 address (with :: compression, and an IPv4 tail). */
function isIPv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const all = [...groups(halves[0]), ...(halves.length === 2 ? groups(halves[1]) : [])];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i];
    if (i === all.length - 1 && g.includes('.')) {
      if (parseIPv4(g) === undefined) return false;
      count += 2;
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
      count += 1;
    }
  }
  return halves.length === 2 ? count < 8 : count === 8;
}

interface ParsedCIDR {
  family: 4 | 6;
  /** IPv4 only: the address and the prefix */
  address?: number;
  prefix: number;
}

function parseCIDR(text: string): ParsedCIDR | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const prefix = Number(m[2]);
  if (String(prefix) !== m[2]) return undefined;
  const v4 = parseIPv4(m[1]);
  if (v4 !== undefined) return prefix <= 32 ? { family: 4, address: v4, prefix } : undefined;
  if (isIPv6(m[1])) return prefix <= 128 ? { family: 6, prefix } : undefined;
  return undefined;
}

/** isCIDR tells an IPv4 or IPv6 range such as 10.0.0.0/8 or fd00::/8, as the CRD's isCIDR does. */
export function isCIDR(text: string): boolean {
  return parseCIDR(text) !== undefined;
}

/**
 * containsCIDR tells whether inner lies inside outer, for IPv4; for IPv6 it
 * says yes and leaves the check to the server (which names the field).
 */
export function containsCIDR(outer: string, inner: string): boolean {
  const o = parseCIDR(outer);
  const i = parseCIDR(inner);
  if (!o || !i) return true;
  if (o.family !== i.family) return false;
  if (o.family === 6) return true;
  if (i.prefix < o.prefix) return false;
  const mask = o.prefix === 0 ? 0 : (0xffffffff << (32 - o.prefix)) >>> 0;
  return ((o.address! & mask) >>> 0) === ((i.address! & mask) >>> 0);
}

export type SourceProblem = 'empty' | 'name' | 'cidr' | 'except' | 'outside' | 'port' | 'tooMany';

/** The CRD's bounds (docs/network.md). */
const maxSources = 32;
const maxNames = 64;

/** sourcePath is the server's path of a source's field. */
export function sourcePath(i: number, rest = ''): string {
  return `spec.allowedSources[${i}]${rest}`;
}

/**
 * sourceProblems checks the draft as the CRD does, keyed by the server's
 * field paths: each source names something; namespaces and workspaces are
 * DNS labels; CIDRs and excepts are ranges, each except inside its CIDR;
 * ports are whole numbers from 1 to 65535.
 */
export function sourceProblems(draft: SourceDraft[]): Record<string, SourceProblem> {
  const out: Record<string, SourceProblem> = {};
  if (draft.length > maxSources) out['spec.allowedSources'] = 'tooMany';
  const specs = toSources(draft);
  draft.forEach((d, i) => {
    if (Object.keys(specs[i]).length === 0) out[sourcePath(i)] = 'empty';
    for (const [field, text] of [
      ['namespaces', d.namespaces],
      ['workspaces', d.workspaces],
    ] as const) {
      const list = words(text);
      if (list.length > maxNames) out[sourcePath(i, `.${field}`)] = 'tooMany';
      else if (list.some((n) => !isDNSLabel(n))) out[sourcePath(i, `.${field}`)] = 'name';
    }
    d.cidrs.forEach((c, j) => {
      if (!c.cidr.trim() && !c.except.trim()) return;
      if (!isCIDR(c.cidr)) out[sourcePath(i, `.cidrs[${j}].cidr`)] = 'cidr';
      const except = words(c.except);
      if (except.some((e) => !isCIDR(e))) out[sourcePath(i, `.cidrs[${j}].except`)] = 'except';
      else if (isCIDR(c.cidr) && except.some((e) => !containsCIDR(c.cidr, e))) out[sourcePath(i, `.cidrs[${j}].except`)] = 'outside';
    });
    d.ports.forEach((p, j) => {
      const v = p.port.trim();
      if (!v) return;
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1 || n > 65535) out[sourcePath(i, `.ports[${j}].port`)] = 'port';
    });
  });
  return out;
}

/** isolationState is what the page says of the project: isolated by itself, by its workspace, or not. */
export function isolationState(obj: NetworkIsolation | null | undefined, workspaceIsolated: boolean): 'project' | 'workspace' | 'none' {
  if (obj?.spec.enabled) return 'project';
  if (obj?.status?.isolation === 'Workspace' || workspaceIsolated) return 'workspace';
  return 'none';
}
