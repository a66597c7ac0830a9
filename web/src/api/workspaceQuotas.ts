import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import type { KindInfo } from './kinds';
import { createObject, deleteObject, replaceObject } from './mutations';
import type { Condition, K8sObject } from './types';

// A workspace's quotas: quota.superkube.io/v1alpha2 ResourceQuota, a
// cluster-scoped custom resource whose spec.workspace names the workspace.
// Its members read them at ke-apiserver's
// /kapis/quota.superkube.io/v1alpha2/workspaces/{ws}/resourcequotas (the
// template "View workspace settings"); platform administrators write them
// as the custom resource through the proxy (/apis/quota.superkube.io/...).

export const quotaGroup = 'quota.superkube.io';

/** The custom resource, for the YAML edit, the writes and the access review. */
export const workspaceQuotaKind: KindInfo = { resource: 'resourcequotas', group: quotaGroup, version: 'v1alpha2', kind: 'ResourceQuota', namespaced: false, sortBy: [], statuses: [] };

/** The use of one project of the workspace. */
export interface NamespaceUsage {
  /** the member cluster the project is on; absent for the host */
  cluster?: string;
  namespace: string;
  used?: Record<string, string>;
}

export interface WorkspaceQuota extends K8sObject {
  spec: { workspace: string; hard: Record<string, string> };
  status?: {
    /** the limits the usage controller last applied */
    hard?: Record<string, string>;
    /** the workspace's total, creates admitted and not yet seen included */
    used?: Record<string, string>;
    namespaces?: NamespaceUsage[];
    pending?: { uid: string; resource: string; cluster?: string; namespace: string; name?: string }[];
    /** Exceeded is True when the use is above a hard limit (a quota lowered below it) */
    conditions?: Condition[];
    observedGeneration?: number;
  };
}

interface ListAnswer<T> {
  items: T[];
  totalItems: number;
}

/** How often the quotas are read again while shown: their use changes as pods come and go. */
const refreshMs = 30_000;

function workspaceQuotasPath(workspace: string): string {
  return `/kapis/${quotaGroup}/v1alpha2/workspaces/${encodeURIComponent(workspace)}/resourcequotas`;
}

/**
 * useWorkspaceQuotas reads the workspace's quotas with their use, all of them
 * (a workspace has one or a few), again every 30 seconds. Under 'api', so
 * that a YAML edit's invalidation (useInvalidate) reads them again.
 */
export function useWorkspaceQuotas(workspace: string, enabled = true) {
  const path = `${workspaceQuotasPath(workspace)}?limit=100&sortBy=name&ascending=true`;
  return useQuery({
    queryKey: workspaceQuotasKey(workspace),
    queryFn: ({ signal }) => api.get<ListAnswer<WorkspaceQuota>>(path, signal).then((l) => l.items ?? []),
    enabled,
    refetchInterval: refreshMs,
  });
}

/** workspaceQuotasKey is the query of a workspace's quotas, to read again after a change. */
export function workspaceQuotasKey(workspace: string) {
  return ['api', workspaceQuotasPath(workspace)] as const;
}

/** saveWorkspaceQuota creates the quota, or replaces the one read at its resourceVersion (a change made meanwhile is a conflict). */
export function saveWorkspaceQuota(q: WorkspaceQuota, exists: boolean) {
  return exists ? replaceObject(workspaceQuotaKind, undefined, q) : createObject(workspaceQuotaKind, undefined, q);
}

export function deleteWorkspaceQuota(name: string) {
  return deleteObject(workspaceQuotaKind, undefined, name);
}
