import { useQuery } from '@tanstack/react-query';
import type { Place } from '../pages/levels';
import { api, query, request } from './client';
import type { ListParams } from './resources';
import { useApiList, type LiveSource } from './tenant';
import { displayNameAnnotation, workspaceLabel, type List, type LoginRecord, type Member, type Role, type User } from './types';

// The IAM API of ke-apiserver (users, members and roles of each level), typed:
// pages call these and never build a path of their own.

export const iam = '/kapis/iam.superkube.io/v1beta1';

const enc = encodeURIComponent;

// Users.

export const usersPath = `${iam}/users`;

export function userPath(name: string): string {
  return `${usersPath}/${enc(name)}`;
}

/** userKey is the query key of one user, to refetch after a change. */
export function userKey(name: string) {
  return ['api', userPath(name)] as const;
}

/** useUserList reads a page of users, and follows their changes. */
export function useUserList(params: ListParams) {
  return useApiList<User>(usersPath, params, true, { resource: 'users' });
}

/** listUsers reads a page of users once (the user picker's search). */
export function listUsers(params: ListParams, signal?: AbortSignal) {
  return api.get<List<User>>(usersPath + query(params), signal);
}

/** useUser reads one user. */
/**
 * stateLags tells whether a user's state, which the user controller sets,
 * has yet to follow a change of the user (enabled or disabled just now).
 */
export function stateLags(u: User | undefined): boolean {
  if (!u) return false;
  const disabled = u.status?.state === 'Disabled';
  return !!u.spec.disabled !== disabled;
}

/**
 * useUser reads one user. While the state lags a change just made, it
 * reads again every second, so that the page shows the state the
 * controller settles on rather than the one read before it acted.
 */
export function useUser(name: string | undefined) {
  return useQuery({
    queryKey: userKey(name ?? ''),
    queryFn: ({ signal }) => api.get<User>(userPath(name!), signal),
    enabled: !!name,
    refetchInterval: (q) => (stateLags(q.state.data) ? 1_000 : false),
  });
}

export interface NewUser {
  name: string;
  email?: string;
  displayName?: string;
  password: string;
}

export function createUser(u: NewUser) {
  return api.post<User>(usersPath, { metadata: { name: u.name }, spec: { email: u.email || undefined, displayName: u.displayName || undefined, password: u.password } });
}

/** updateUser changes a user's profile fields (a merge patch: the fields left out stay). */
export function updateUser(name: string, spec: { email?: string; displayName?: string; lang?: string }) {
  return api.patch<User>(userPath(name), { spec });
}

/** resetPassword sets a user's password; the user must change it at the next login. */
export function resetPassword(name: string, password: string) {
  return api.put<unknown>(`${userPath(name)}/password`, { password });
}

export function disableUser(name: string) {
  return api.post<unknown>(`${userPath(name)}/disable`);
}

export function enableUser(name: string) {
  return api.post<unknown>(`${userPath(name)}/enable`);
}

export function unlockUser(name: string) {
  return api.post<unknown>(`${userPath(name)}/unlock`);
}

export function deleteUser(name: string) {
  return api.del<unknown>(userPath(name));
}

/** useLoginRecords reads a page of a user's login attempts. */
export function useLoginRecords(username: string, params: ListParams) {
  return useApiList<LoginRecord>(`${userPath(username)}/loginrecords`, params);
}

/** readKubeconfig is a kubeconfig for kubectl with the user's identity, as YAML. */
export function readKubeconfig(username: string) {
  return request<string>(`${userPath(username)}/kubeconfig`, { raw: true });
}

// Members and roles of a place.

/** AccessResource is a kind as an access review asks about it. */
export interface AccessResource {
  group: string;
  resource: string;
  workspace?: string;
  namespace?: string;
}

/**
 * Where a place's members and roles live in the IAM API, the kinds behind
 * them (as access reviews ask), and the list-engine queries their lists
 * follow live.
 */
interface PlaceAPI {
  members: string;
  roles: string;
  binding: AccessResource;
  role: AccessResource;
  liveMembers: LiveSource;
  liveRoles: LiveSource;
}

function placeAPI(p: Place): PlaceAPI {
  switch (p.level) {
    case 'workspace': {
      const ws = p.workspace;
      const inWorkspace = { labelSelector: `${workspaceLabel}=${ws}` };
      return {
        members: `${iam}/workspaces/${enc(ws)}/members`,
        roles: `${iam}/workspaces/${enc(ws)}/workspaceroles`,
        binding: { group: 'iam.superkube.io', resource: 'workspacerolebindings', workspace: ws },
        role: { group: 'iam.superkube.io', resource: 'workspaceroles', workspace: ws },
        liveMembers: { resource: 'workspacerolebindings', params: inWorkspace },
        liveRoles: { resource: 'workspaceroles', params: inWorkspace },
      };
    }
    case 'namespace': {
      const ns = p.namespace;
      return {
        members: `${iam}/namespaces/${enc(ns)}/members`,
        roles: `${iam}/namespaces/${enc(ns)}/roles`,
        binding: { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: ns },
        role: { group: 'rbac.authorization.k8s.io', resource: 'roles', namespace: ns },
        liveMembers: { resource: 'rolebindings', namespace: ns },
        liveRoles: { resource: 'roles', namespace: ns },
      };
    }
    case 'global':
      return {
        members: `${iam}/globalrolebindings`,
        roles: `${iam}/globalroles`,
        binding: { group: 'iam.superkube.io', resource: 'globalrolebindings' },
        role: { group: 'iam.superkube.io', resource: 'globalroles' },
        liveMembers: { resource: 'globalrolebindings' },
        liveRoles: { resource: 'globalroles' },
      };
  }
}

/** bindingResource is the kind that makes someone a member of the place (for access reviews). */
export function bindingResource(p: Place): AccessResource {
  return placeAPI(p).binding;
}

/** roleResource is the kind of the place's roles (for access reviews). */
export function roleResource(p: Place): AccessResource {
  return placeAPI(p).role;
}

/** useMembers reads a page of the place's members, and follows their changes. */
export function useMembers(p: Place, params: ListParams) {
  const a = placeAPI(p);
  return useApiList<Member>(a.members, params, true, a.liveMembers);
}

export function addMember(p: Place, username: string, role: string) {
  return api.post<Member>(placeAPI(p).members, { username, role });
}

export function setMemberRole(p: Place, username: string, role: string) {
  return api.put<Member>(`${placeAPI(p).members}/${enc(username)}`, { role });
}

export function removeMember(p: Place, username: string) {
  return api.del<unknown>(`${placeAPI(p).members}/${enc(username)}`);
}

/** RoleSpec is what a custom role is made of: a name, a display name and role templates. */
export interface RoleSpec {
  name: string;
  displayName?: string;
  templates: string[];
}

function roleBody(r: RoleSpec) {
  return { metadata: { name: r.name, annotations: r.displayName ? { [displayNameAnnotation]: r.displayName } : {} }, templates: r.templates };
}

/**
 * useRoles reads a page of the place's roles, each with its templates and
 * rules; live follows their changes.
 */
export function useRoles<T extends Role = Role>(p: Place, params: ListParams, live = true) {
  const a = placeAPI(p);
  return useApiList<T>(a.roles, params, true, live ? a.liveRoles : undefined);
}

export function createRole(p: Place, r: RoleSpec) {
  return api.post<Role>(placeAPI(p).roles, roleBody(r));
}

export function updateRole(p: Place, r: RoleSpec) {
  return api.put<Role>(`${placeAPI(p).roles}/${enc(r.name)}`, roleBody(r));
}

export function deleteRole(p: Place, name: string) {
  return api.del<unknown>(`${placeAPI(p).roles}/${enc(name)}`);
}
