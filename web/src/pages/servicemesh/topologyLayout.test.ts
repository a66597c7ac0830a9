import { describe, expect, it } from 'vitest';
import type { Topology, TopologyEdge } from '../../api/servicemesh';
import { edgeLabel, health, layers, layout, nodeWidth } from './topologyLayout';

const node = (id: string) => ({ id, kind: 'service' as const, name: id });
const edge = (source: string, target: string, extra: Partial<TopologyEdge> = {}): TopologyEdge => ({ source, target, rate: 1, errorRatio: 0, ...extra });

describe('layers', () => {
  it('puts each node after its furthest caller', () => {
    const t: Topology = { nodes: ['db', 'front', 'reviews', 'ratings'].map(node), edges: [edge('front', 'reviews'), edge('reviews', 'ratings'), edge('front', 'ratings'), edge('ratings', 'db')] };
    expect(Object.fromEntries(layers(t))).toEqual({ front: 0, reviews: 1, ratings: 2, db: 3 });
  });
  it('breaks a cycle and keeps the nodes nobody calls first', () => {
    const t: Topology = { nodes: ['b', 'a', 'c', 'lone'].map(node), edges: [edge('a', 'b'), edge('b', 'c'), edge('c', 'b'), edge('c', 'c')] };
    expect(Object.fromEntries(layers(t))).toEqual({ a: 0, b: 1, c: 2, lone: 0 });
  });
});

describe('layout', () => {
  it('places columns left to right and marks calls back', () => {
    const t: Topology = { nodes: ['a', 'b', 'c'].map(node), edges: [edge('a', 'b'), edge('b', 'c'), edge('c', 'b'), edge('a', 'ghost')] };
    const l = layout(t);
    const x = Object.fromEntries(l.nodes.map((n) => [n.node.id, n.x]));
    expect(x.a).toBeLessThan(x.b);
    expect(x.b).toBeLessThan(x.c);
    expect(l.edges).toHaveLength(3);
    expect(l.edges.map((e) => e.back)).toEqual([false, false, true]);
    expect(l.width).toBeGreaterThanOrEqual(x.c + nodeWidth);
  });
  it('orders a column by its callers so edges do not cross', () => {
    const t: Topology = { nodes: ['a', 'b', 'y', 'x'].map(node), edges: [edge('a', 'x'), edge('b', 'y')] };
    const y = Object.fromEntries(layout(t).nodes.map((n) => [n.node.id, n.y]));
    expect(y.x).toBeLessThan(y.y);
  });
});

describe('labels', () => {
  it('says rate, error ratio and p95', () => {
    expect(edgeLabel(edge('a', 'b', { rate: 12.345, errorRatio: 0.0123, latencyP95: 87.6 }))).toBe('12 rps · 1.2% · 88ms');
    expect(edgeLabel(edge('a', 'b', { rate: 0.5, errorRatio: 0 }))).toBe('0.50 rps · 0%');
    expect([health(0), health(0.01), health(0.2)]).toEqual(['ok', 'warning', 'danger']);
  });
});
