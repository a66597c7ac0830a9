import { api, ApiError } from '../../api/client';
import { apiPath, kinds } from '../../api/kinds';
import type { Node, Pod } from '../../api/types';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

/** cordon marks a node unschedulable (or schedulable again), as `kubectl cordon` and `uncordon` do. */
export function cordon(name: string, unschedulable: boolean, cluster?: string) {
  return api.patch<Node>(apiPath(kinds.nodes, undefined, name), { spec: { unschedulable: unschedulable || null } }, undefined, cluster);
}

/** systemTaint reports whether Kubernetes itself manages a taint (node.kubernetes.io/unschedulable, not-ready ...). */
export function systemTaint(t: Taint): boolean {
  return t.key.startsWith('node.kubernetes.io/') || t.key.startsWith('node.cloudprovider.kubernetes.io/');
}

/**
 * setTaints makes the taints a user manages those given, and keeps those
 * Kubernetes manages as the node has them now: the node is read again and
 * patched at that version, so that a change made meanwhile is a conflict
 * rather than lost.
 */
export async function setTaints(name: string, taints: Taint[], cluster?: string) {
  const node = await api.get<Node>(apiPath(kinds.nodes, undefined, name), undefined, cluster);
  const all = [...(node.spec.taints ?? []).filter(systemTaint), ...taints.filter((t) => !systemTaint(t)).map((t) => (t.value ? t : { key: t.key, effect: t.effect }))];
  return api.patch<Node>(apiPath(kinds.nodes, undefined, name), { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: all.length ? all : null } }, undefined, cluster);
}

/** setLabels makes a node's labels those given: the others are removed. */
export function setLabels(name: string, before: Record<string, string>, after: Record<string, string>, cluster?: string) {
  const labels: Record<string, string | null> = { ...after };
  for (const k of Object.keys(before)) if (!(k in after)) labels[k] = null;
  return api.patch<Node>(apiPath(kinds.nodes, undefined, name), { metadata: { labels } }, undefined, cluster);
}

/** Why a pod stays on a node that is drained, as `kubectl drain` decides. */
export type Stay = 'daemonset' | 'mirror' | 'finished' | undefined;

/** staysOnDrain says why a drain leaves a pod where it is: DaemonSet pods come back anyway, static (mirror) pods cannot be evicted, finished pods need not move. */
export function staysOnDrain(p: Pod): Stay {
  if (p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller)) return 'daemonset';
  if (p.metadata.annotations?.['kubernetes.io/config.mirror']) return 'mirror';
  if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return 'finished';
  return undefined;
}

/** evict asks for a pod's eviction through the Eviction API, which keeps PodDisruptionBudgets. */
export function evict(p: Pod, cluster?: string) {
  const ns = p.metadata.namespace ?? '';
  return api.post(`${apiPath(kinds.pods, ns, p.metadata.name)}/eviction`, {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: p.metadata.name, namespace: ns },
  }, cluster);
}

export interface DrainResult {
  evicted: string[];
  /** pods whose eviction was refused, with the error (a disruption budget answers 429) */
  failed: { pod: string; error: unknown }[];
}

/**
 * drain cordons the node, then evicts its pods one by one, except those
 * that stay (staysOnDrain); a pod already gone counts as evicted.
 */
export async function drain(node: Node, pods: Pod[], onProgress?: (done: number) => void, cluster?: string): Promise<DrainResult> {
  if (!node.spec.unschedulable) await cordon(node.metadata.name, true, cluster);
  const result: DrainResult = { evicted: [], failed: [] };
  let done = 0;
  for (const p of pods) {
    if (staysOnDrain(p)) continue;
    const id = `${p.metadata.namespace}/${p.metadata.name}`;
    try {
      await evict(p, cluster);
      result.evicted.push(id);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) result.evicted.push(id);
      else result.failed.push({ pod: id, error: e });
    }
    onProgress?.(++done);
  }
  return result;
}
