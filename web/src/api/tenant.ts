import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, query } from './client';
import { useAccess } from './access';
import { useLiveList, type ListParams } from './resources';
import { displayNameAnnotation, workspaceLabel, type K8sObject, type List, type Overview, type Workspace } from './types';

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

/** useProjects reads a page of a workspace's projects, and follows their changes. */
export function useProjects(workspace: string, params: ListParams) {
  return useApiList<K8sObject>(projectsPath(workspace), params, true, { resource: 'namespaces', params: { labelSelector: `${workspaceLabel}=${workspace}` } });
}

export function createProject(workspace: string, p: { name: string; displayName?: string }) {
  return api.post<K8sObject>(projectsPath(workspace), { metadata: { name: p.name, annotations: p.displayName ? { [displayNameAnnotation]: p.displayName } : {} } });
}

export function deleteProject(workspace: string, name: string) {
  return api.del<unknown>(`${projectsPath(workspace)}/${enc(name)}`);
}
