import type { Topology, TopologyEdge, TopologyNode } from '../../api/servicemesh';

// A simple layered layout of the traffic graph: callers on the left, those
// they call to the right. Each node's layer is the longest chain of calls
// that leads to it (edges that close a cycle are left out of the count), and
// within a layer nodes are ordered by the mean position of their callers,
// which keeps most edges from crossing.

export interface PlacedNode {
  node: TopologyNode;
  layer: number;
  x: number;
  y: number;
}

export interface PlacedEdge {
  edge: TopologyEdge;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** an edge to a node in the same or an earlier layer (a call back) */
  back: boolean;
}

export interface Layout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export const nodeWidth = 150;
export const nodeHeight = 44;
const columnGap = 110;
const rowGap = 40;
const margin = 20;

/** layers gives each node its layer: 0 for those nobody calls, else one more than its furthest caller. */
export function layers(t: Topology): Map<string, number> {
  const ids = t.nodes.map((n) => n.id);
  const out = new Map<string, string[]>();
  for (const e of t.edges) {
    if (e.source === e.target) continue;
    out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  }
  // Depth-first search: the edges it finds going back to a node on the
  // current path close a cycle and are dropped, leaving a DAG.
  const state = new Map<string, 'open' | 'done'>();
  const dag = new Map<string, string[]>();
  const order: string[] = [];
  const known = new Set(ids);
  const visit = (id: string) => {
    state.set(id, 'open');
    for (const to of out.get(id) ?? []) {
      if (!known.has(to)) continue;
      if (state.get(to) === 'open') continue;
      dag.set(id, [...(dag.get(id) ?? []), to]);
      if (!state.has(to)) visit(to);
    }
    state.set(id, 'done');
    order.push(id);
  };
  const incoming = new Set(t.edges.filter((e) => e.source !== e.target).map((e) => e.target));
  // Start from the nodes nobody calls, so that cycles break at the right place.
  for (const id of ids) if (!incoming.has(id) && !state.has(id)) visit(id);
  for (const id of ids) if (!state.has(id)) visit(id);
  const layer = new Map<string, number>(ids.map((id) => [id, 0]));
  // Reverse post-order is a topological order of the DAG.
  for (const id of order.reverse()) {
    for (const to of dag.get(id) ?? []) layer.set(to, Math.max(layer.get(to) ?? 0, (layer.get(id) ?? 0) + 1));
  }
  return layer;
}

/** layout places the nodes and the edges' ends, in SVG user units. */
export function layout(t: Topology): Layout {
  const layer = layers(t);
  const columns: TopologyNode[][] = [];
  for (const n of t.nodes) (columns[layer.get(n.id) ?? 0] ??= []).push(n);
  const pos = new Map<string, { x: number; y: number; layer: number }>();
  const callers = new Map<string, string[]>();
  for (const e of t.edges) callers.set(e.target, [...(callers.get(e.target) ?? []), e.source]);
  columns.forEach((col, li) => {
    const key = (n: TopologyNode) => {
      const ys = (callers.get(n.id) ?? []).map((c) => pos.get(c)?.y).filter((y): y is number => y !== undefined);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : Infinity;
    };
    const sorted = li === 0 ? [...col].sort((a, b) => a.name.localeCompare(b.name)) : [...col].sort((a, b) => key(a) - key(b) || a.name.localeCompare(b.name));
    sorted.forEach((n, i) => pos.set(n.id, { x: margin + li * (nodeWidth + columnGap), y: margin + i * (nodeHeight + rowGap), layer: li }));
  });
  const nodes = t.nodes.map((n) => ({ node: n, layer: pos.get(n.id)!.layer, x: pos.get(n.id)!.x, y: pos.get(n.id)!.y }));
  const edges: PlacedEdge[] = [];
  for (const e of t.edges) {
    const a = pos.get(e.source);
    const b = pos.get(e.target);
    if (!a || !b) continue;
    const back = b.layer <= a.layer;
    edges.push({ edge: e, x1: a.x + nodeWidth, y1: a.y + nodeHeight / 2, x2: back ? b.x + nodeWidth : b.x, y2: b.y + nodeHeight / 2, back });
  }
  const width = Math.max(...nodes.map((n) => n.x + nodeWidth), 0) + margin;
  const height = Math.max(...nodes.map((n) => n.y + nodeHeight), 0) + margin;
  return { nodes, edges, width, height };
}

/** edgeLabel is what an edge says: its rate, error ratio and p95. */
export function edgeLabel(e: TopologyEdge): string {
  const rate = e.rate >= 10 ? e.rate.toFixed(0) : e.rate.toFixed(2);
  const err = `${+(e.errorRatio * 100).toFixed(1)}%`;
  const p95 = e.latencyP95 !== undefined && Number.isFinite(e.latencyP95) ? ` · ${Math.round(e.latencyP95)}ms` : '';
  return `${rate} rps · ${err}${p95}`;
}

/** health colours an edge by its error ratio. */
export function health(errorRatio: number): 'ok' | 'warning' | 'danger' {
  if (errorRatio >= 0.05) return 'danger';
  if (errorRatio > 0.001) return 'warning';
  return 'ok';
}
