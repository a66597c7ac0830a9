import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import { useCluster } from './cluster';
import { apiPath, type KindInfo } from './kinds';
import { createObject, replaceObject } from './mutations';
import type { K8sObject } from './types';

// A project's native quotas: its ResourceQuotas and LimitRanges, read and
// written through the Kubernetes API as the user (on the page's cluster),
// not through the list engine, which does not index them. A project has a
// handful at most, so the whole list of the namespace is read.

/** The ResourceQuota the console edits as the project's quota. */
export const projectQuotaName = 'project-quota';
/** The LimitRange the console edits as the project's default container limits. */
export const projectLimitsName = 'project-limits';

export const resourceQuotaKind: KindInfo = { resource: 'resourcequotas', group: '', version: 'v1', kind: 'ResourceQuota', namespaced: true, sortBy: [], statuses: [] };
export const limitRangeKind: KindInfo = { resource: 'limitranges', group: '', version: 'v1', kind: 'LimitRange', namespaced: true, sortBy: [], statuses: [] };

export interface ResourceQuota extends K8sObject {
  spec?: { hard?: Record<string, string>; scopes?: string[]; scopeSelector?: object };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/** LimitRangeItem is one entry of a LimitRange: its type (Container, Pod, PersistentVolumeClaim) and its bounds by resource. */
export interface LimitRangeItem {
  type: string;
  default?: Record<string, string>;
  defaultRequest?: Record<string, string>;
  max?: Record<string, string>;
  min?: Record<string, string>;
  maxLimitRequestRatio?: Record<string, string>;
}

export interface LimitRange extends K8sObject {
  spec: { limits: LimitRangeItem[] };
}

interface KubeList<T> {
  items: T[];
}

/** How often the quotas are read again while shown: their use changes as pods come and go. */
const refreshMs = 30_000;

function useNativeList<T extends K8sObject>(kind: KindInfo, namespace: string, enabled: boolean) {
  const cluster = useCluster();
  const path = apiPath(kind, namespace);
  // Under 'api', so that a YAML edit's invalidation (useInvalidate) reads them again.
  return useQuery({
    queryKey: ['api', path, cluster],
    queryFn: ({ signal }) => api.get<KubeList<T>>(path, signal, cluster).then((l) => l.items ?? []),
    enabled,
    refetchInterval: refreshMs,
  });
}

/** useResourceQuotas reads the project's ResourceQuotas, with their use. */
export function useResourceQuotas(namespace: string, enabled = true) {
  return useNativeList<ResourceQuota>(resourceQuotaKind, namespace, enabled);
}

/** useLimitRanges reads the project's LimitRanges. */
export function useLimitRanges(namespace: string, enabled = true) {
  return useNativeList<LimitRange>(limitRangeKind, namespace, enabled);
}

/** quotasKey is the query of a project's quotas or limit ranges, to read again after a change. */
export function quotasKey(kind: KindInfo, namespace: string) {
  return ['api', apiPath(kind, namespace)] as const;
}

/**
 * saveObject creates the object when the project has none yet, or replaces
 * the one read (at its resourceVersion, so that a change made meanwhile is
 * a conflict rather than lost).
 */
function saveObject<T extends K8sObject>(kind: KindInfo, obj: T, exists: boolean, cluster?: string) {
  const namespace = obj.metadata.namespace;
  return exists ? replaceObject(kind, namespace, obj, false, cluster) : createObject(kind, namespace, obj, false, cluster);
}

export function saveResourceQuota(q: ResourceQuota, exists: boolean, cluster?: string) {
  return saveObject(resourceQuotaKind, q, exists, cluster);
}

export function saveLimitRange(l: LimitRange, exists: boolean, cluster?: string) {
  return saveObject(limitRangeKind, l, exists, cluster);
}
