import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useAccess } from './access';
import { api, query } from './client';
import { iam } from './iam';
import { roleRefLabel, userRefLabel } from './roles';
import type { Binding, List, Role } from './types';

// A user's platform role is a GlobalRoleBinding of the user (labelled with
// the user, as the members API labels its bindings). The console reads and
// writes them through ke-apiserver's Kubernetes API, as the user: the
// escalation rule (nobody grants what they do not hold) applies there too.

export const globalRoleBindings = '/apis/iam.superkube.io/v1beta1/globalrolebindings';

/** bindingName is the name the platform gives a user's binding to a role. */
export function bindingName(username: string, role: string): string {
  return `${username}-${role}`;
}

/** newGlobalRoleBinding is the binding that gives a user a platform role. */
export function newGlobalRoleBinding(username: string, role: string): Binding {
  return {
    apiVersion: 'iam.superkube.io/v1beta1',
    kind: 'GlobalRoleBinding',
    metadata: { name: bindingName(username, role), labels: { [userRefLabel]: username, [roleRefLabel]: role } },
    roleRef: { apiGroup: 'iam.superkube.io', kind: 'GlobalRole', name: role },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: username }],
  };
}

/** rolesByUser groups bindings by the user they name (label, else subjects). */
export function rolesByUser(bindings: Binding[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const b of bindings) {
    const users = b.metadata.labels?.[userRefLabel] ? [b.metadata.labels[userRefLabel]] : (b.subjects ?? []).filter((s) => s.kind === 'User').map((s) => s.name);
    for (const u of users) {
      const l = (out[u] ??= []);
      if (!l.includes(b.roleRef.name)) l.push(b.roleRef.name);
    }
  }
  return out;
}

/**
 * usePlatformRoles reads the platform roles of some users (a page of the
 * user list, or one user) in one request, when the caller may read
 * platform role bindings; otherwise it asks nothing.
 */
export function usePlatformRoles(usernames: string[]) {
  const access = useAccess([{ verb: 'list', group: 'iam.superkube.io', resource: 'globalrolebindings' }]);
  const allowed = access.loaded && access.allowed[0];
  const names = [...usernames].sort();
  const q = useQuery({
    queryKey: ['platform-roles', names],
    queryFn: ({ signal }) => api.get<List<Binding>>(globalRoleBindings + query({ labelSelector: `${userRefLabel} in (${names.join(',')})` }), signal),
    enabled: allowed && names.length > 0,
    placeholderData: keepPreviousData,
  });
  return { allowed, loaded: access.loaded && (!allowed || names.length === 0 || !!q.data || !!q.error), roles: rolesByUser(q.data?.items ?? []), bindings: q.data?.items ?? [], error: q.error };
}

/**
 * setPlatformRole gives a user one platform role ("" for none): it makes
 * the new binding first and then removes the others, so that the user is
 * never left with none by a refusal halfway.
 */
export async function setPlatformRole(username: string, role: string, current: Binding[]): Promise<void> {
  const mine = current.filter((b) => rolesByUser([b])[username]);
  if (role && !mine.some((b) => b.roleRef.name === role)) {
    await api.post(globalRoleBindings, newGlobalRoleBinding(username, role));
  }
  for (const b of mine) {
    if (b.roleRef.name !== role) await api.del(`${globalRoleBindings}/${encodeURIComponent(b.metadata.name)}`);
  }
}

/** useRefreshPlatformRoles refetches the platform roles after a change. */
export function useRefreshPlatformRoles() {
  const client = useQueryClient();
  return () => void client.invalidateQueries({ queryKey: ['platform-roles'] });
}

/**
 * useGlobalRoles reads the platform roles (few) for their names: built-in
 * ones translated, custom ones by their display names.
 */
export function useGlobalRoles(enabled: boolean) {
  const q = useQuery({
    queryKey: ['api', `${iam}/globalroles`, { limit: 100 }],
    queryFn: ({ signal }) => api.get<List<Role>>(`${iam}/globalroles` + query({ limit: 100, sortBy: 'name', ascending: true }), signal),
    enabled,
    staleTime: 60_000,
  });
  return q.data?.items ?? [];
}

/**
 * useWorkspaceBindings reads the workspace role bindings of a user (which
 * workspaces they are a member of, with which role), through ke-apiserver's
 * Kubernetes API.
 */
export function useWorkspaceBindings(username: string, enabled: boolean) {
  return useQuery({
    queryKey: ['user-workspaces', username],
    queryFn: ({ signal }) => api.get<List<Binding>>('/apis/iam.superkube.io/v1beta1/workspacerolebindings' + query({ labelSelector: `${userRefLabel}=${username}` }), signal),
    enabled,
  });
}
