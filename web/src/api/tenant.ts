import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, query } from './client';
import { useAccess } from './access';
import { useLiveList, type ListParams } from './resources';
import type { K8sObject, List, Overview, Workspace } from './types';

export const tenant = '/kapis/tenant.superkube.io/v1beta1';
export const iam = '/kapis/iam.superkube.io/v1beta1';

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

export function useWorkspaces(params: ListParams) {
  return useApiList<Workspace>(`${tenant}/workspaces`, params, true, { resource: 'workspaces' });
}

export function useOverview(ws: string) {
  return useQuery({ queryKey: ['overview', ws], queryFn: () => api.get<Overview>(`${tenant}/workspaces/${encodeURIComponent(ws)}/overview`) });
}
