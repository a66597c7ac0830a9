import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, query } from './client';
import type { ListParams } from './resources';
import type { K8sObject, List, Overview, Workspace } from './types';

export const tenant = '/kapis/tenant.superkube.io/v1beta1';
export const iam = '/kapis/iam.superkube.io/v1beta1';

/** useApiList reads a list-convention endpoint other than the list engine. */
export function useApiList<T extends K8sObject>(path: string, params: ListParams, enabled = true) {
  return useQuery({
    queryKey: ['api', path, params],
    queryFn: ({ signal }) => api.get<List<T>>(path + query(params), signal),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useWorkspaces(params: ListParams) {
  return useApiList<Workspace>(`${tenant}/workspaces`, params);
}

export function useOverview(ws: string) {
  return useQuery({ queryKey: ['overview', ws], queryFn: () => api.get<Overview>(`${tenant}/workspaces/${encodeURIComponent(ws)}/overview`) });
}
