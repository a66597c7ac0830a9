import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { api, hostCluster, query } from './client';
import type { Cluster } from './clusters';
import { useAccess } from './access';
import { useLiveList, type ListParams } from './resources';
import { displayNameAnnotation, workspaceLabel, type K8sObject, type LabelSelector, type List, type Overview, type Workspace } from './types';

// The tenant API of ke-apiserver (workspaces and their projects), typed:
// pages call these and never build a path of their own.

export const tenant = '/kapis/tenant.superkube.io/v1beta1';

const enc = encodeURIComponent;

/**
 * LiveSource names the list-engine query whose changes a list from another
 * API follows: the kind behind it, where, and the filters that match it.
 */
export interface LiveSource {
  resource: string;
  namespace?: string;
  params?: ListParams;
}

/** The API groups of the kinds whose list-engine streams keep API lists live. */
const liveGroups: Record<string, string> = {
  workspaces: 'tenant.superkube.io',
  users: 'iam.superkube.io',
  workspacerolebindings: 'iam.superkube.io',
  workspaceroles: 'iam.superkube.io',
  globalrolebindings: 'iam.superkube.io',
  globalroles: 'iam.superkube.io',
  rolebindings: 'rbac.authorization.k8s.io',
  roles: 'rbac.authorization.k8s.io',
  namespaces: '',
};

/**
 * useApiList reads a list-convention endpoint other than the list engine;
 * with live, the page reloads when the list engine reports a change of the
 * objects behind it, when the user may watch them there (asked first, so
 * that a stream the user may not open is never asked for and refused).
 */
export function useApiList<T extends K8sObject>(path: string, params: ListParams, enabled = true, live?: LiveSource) {
  const watch = useAccess(enabled && live ? [{ verb: 'watch', group: liveGroups[live.resource] ?? '', resource: live.resource, namespace: live.namespace }] : []);
  useLiveList(live?.resource ?? '', live?.namespace, live?.params ?? {}, enabled && !!live && watch.allowed[0], [['api', path]]);
  return useQuery({
    queryKey: ['api', path, params],
    queryFn: ({ signal }) => api.get<List<T>>(path + query(params), signal),
    placeholderData: keepPreviousData,
    enabled,
  });
}

const workspacesPath = `${tenant}/workspaces`;

function workspacePath(name: string): string {
  return `${workspacesPath}/${enc(name)}`;
}

/** useWorkspaces reads a page of the workspaces the user may see, and follows their changes. */
export function useWorkspaces(params: ListParams) {
  return useApiList<Workspace>(workspacesPath, params, true, { resource: 'workspaces' });
}

export interface NewWorkspace {
  name: string;
  displayName?: string;
  /** the user name of its administrator; the creator when empty */
  manager?: string;
}

export function createWorkspace(w: NewWorkspace) {
  return api.post<Workspace>(workspacesPath, {
    metadata: { name: w.name, annotations: w.displayName ? { [displayNameAnnotation]: w.displayName } : {} },
    spec: w.manager ? { manager: w.manager } : {},
  });
}

/** deleteWorkspace deletes a workspace with its projects, or releases them as plain namespaces. */
export function deleteWorkspace(name: string, deleteProjects: boolean) {
  return api.del<unknown>(workspacePath(name) + query({ namespacePolicy: deleteProjects ? 'Delete' : 'Release' }));
}

export function useOverview(ws: string) {
  return useQuery({ queryKey: ['overview', ws], queryFn: () => api.get<Overview>(`${workspacePath(ws)}/overview`) });
}

function projectsPath(workspace: string): string {
  return `${workspacePath(workspace)}/namespaces`;
}

/** useProjects reads a page of a workspace's projects on the host, and follows their changes. */
export function useProjects(workspace: string, params: ListParams) {
  return useApiList<K8sObject>(projectsPath(workspace), params, true, { resource: 'namespaces', params: { labelSelector: `${workspaceLabel}=${workspace}` } });
}

/** A project with the cluster it is on. */
export interface ClusterProject extends K8sObject {
  cluster: string;
}

/** What a member cluster answered instead of its projects (a 503 when it cannot be reached). */
export interface ClusterFailure {
  cluster: string;
  error: unknown;
}

/** isHostCluster tells the host among the clusters of a list. */
export function isHostCluster(c: Cluster): boolean {
  return c.spec?.connection?.type === 'Host' || c.metadata.name === hostCluster;
}

/** useWorkspaceClusters reads the clusters a workspace is placed on (those of them the user may use). */
export function useWorkspaceClusters(workspace: string, enabled = true) {
  const path = `${workspacePath(workspace)}/clusters`;
  // All of them on one page (the list convention's pages are 10 long unless asked).
  const params = { limit: 100, sortBy: 'name', ascending: true };
  return useQuery({
    queryKey: ['api', path, params],
    queryFn: ({ signal }) => api.get<List<Cluster>>(path + query(params), signal),
    enabled: enabled && !!workspace,
  });
}

/** placedClusters are the names of the clusters a workspace's projects may be on: the host first, then the members it is placed on. */
export function placedClusters(clusters: Cluster[] | undefined): string[] {
  const members = (clusters ?? []).filter((c) => !isHostCluster(c)).map((c) => c.metadata.name);
  return [hostCluster, ...members.sort()];
}

/**
 * useWorkspaceProjects reads a page of a workspace's projects on each
 * cluster it may have them on: the host (followed live) and each member the
 * workspace is placed on, each asked for the same page, one after the
 * other, each row with its cluster. A member that does not answer (503:
 * it cannot be reached) is a failure of that cluster; the others still list.
 */
export function useWorkspaceProjects(workspace: string, params: ListParams) {
  const placed = useWorkspaceClusters(workspace);
  const members = placedClusters(placed.data?.items).filter((c) => c !== hostCluster);
  const host = useProjects(workspace, params);
  const others = useQueries({
    queries: members.map((cluster) => ({
      queryKey: ['api', projectsPath(workspace), params, cluster],
      queryFn: ({ signal }: { signal: AbortSignal }) => api.get<List<K8sObject>>(projectsPath(workspace) + query(params), signal, cluster),
      placeholderData: keepPreviousData,
      retry: false,
    })),
  });
  const items: ClusterProject[] = (host.data?.items ?? []).map((o) => ({ ...o, cluster: hostCluster }));
  let total = host.data?.totalItems ?? 0;
  const failures: ClusterFailure[] = [];
  others.forEach((q, i) => {
    if (q.error) failures.push({ cluster: members[i], error: q.error });
    for (const o of q.data?.items ?? []) items.push({ ...o, cluster: members[i] });
    total += q.data?.totalItems ?? 0;
  });
  return {
    data: host.data ? { items, totalItems: total } : undefined,
    isLoading: host.isLoading,
    error: host.error,
    refetch: () => {
      void host.refetch();
      for (const q of others) void q.refetch();
    },
    failures,
    clusters: [hostCluster, ...members],
  };
}

/** createProject makes a project of the workspace on a cluster (the host when empty). */
export function createProject(workspace: string, p: { name: string; displayName?: string }, cluster?: string) {
  return api.post<K8sObject>(projectsPath(workspace), { metadata: { name: p.name, annotations: p.displayName ? { [displayNameAnnotation]: p.displayName } : {} } }, cluster);
}

export function deleteProject(workspace: string, name: string, cluster?: string) {
  return api.del<unknown>(`${projectsPath(workspace)}/${enc(name)}`, cluster);
}

/** workspaceKey is the query of one workspace, to set after a change. */
export function workspaceKey(name: string) {
  return ['api', workspacePath(name)] as const;
}

/** useWorkspace reads one workspace (its placement among the rest). */
export function useWorkspace(name: string, enabled = true) {
  return useQuery({
    queryKey: workspaceKey(name),
    queryFn: ({ signal }) => api.get<Workspace>(workspacePath(name), signal),
    enabled: enabled && !!name,
  });
}

/** Placement is where a workspace is: clusters by name, and clusters by their labels. */
export interface Placement {
  clusters: string[];
  selector?: LabelSelector;
}

/** placementOf reads a workspace's placement. */
export function placementOf(w: Workspace): Placement {
  return { clusters: (w.spec.clusters ?? []).map((c) => c.name), selector: w.spec.clusterSelector };
}

/** selectorIsEmpty tells a selector that names nothing (no selector at all, as the API keeps it). */
export function selectorIsEmpty(s: LabelSelector | undefined): boolean {
  return !s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0);
}

/**
 * withPlacement is the workspace with a new placement, for the workspace's
 * update (PUT): the rest as read, so that its resourceVersion makes a
 * change made meanwhile a conflict rather than lost; an empty selector is
 * left out.
 */
export function withPlacement(w: Workspace, p: Placement): Workspace {
  const spec: Workspace['spec'] = { ...w.spec, clusters: p.clusters.map((name) => ({ name })) };
  if (!p.clusters.length) delete spec.clusters;
  if (selectorIsEmpty(p.selector)) delete spec.clusterSelector;
  else spec.clusterSelector = p.selector;
  return { ...w, spec };
}

/** updateWorkspace replaces a workspace (PUT), as read and changed. */
export function updateWorkspace(w: Workspace) {
  return api.put<Workspace>(workspacePath(w.metadata.name), w);
}

/** matchesSelector tells whether labels match a selector, as Kubernetes decides it. */
export function matchesSelector(labels: Record<string, string> | undefined, s: LabelSelector): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
    if (e.operator === 'In' && (!has || !(e.values ?? []).includes(l[e.key]))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(l[e.key])) return false;
  }
  return true;
}

/**
 * coveredClusters are the clusters a placement puts the workspace on,
 * among those given: the named ones and those the selector matches; the
 * host alone when it has neither.
 */
export function coveredClusters(all: Cluster[], p: Placement): string[] {
  if (!p.clusters.length && selectorIsEmpty(p.selector)) return [hostCluster];
  const out = new Set(p.clusters);
  if (!selectorIsEmpty(p.selector)) for (const c of all) if (matchesSelector(c.metadata.labels, p.selector!)) out.add(c.metadata.name);
  return [...out].sort();
}
