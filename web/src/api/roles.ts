import type { TFunction } from 'i18next';
import { useQuery } from '@tanstack/react-query';
import type { Level } from '../pages/levels';
import { useAccess } from './access';
import { api, query } from './client';
import { userPath } from './iam';
import { useList } from './resources';
import { displayNameAnnotation, type List, type K8sObject, type Role, type RoleTemplate } from './types';

export const builtinLabel = 'iam.superkube.io/builtin';
export const userRefLabel = 'iam.superkube.io/user-ref';
export const roleRefLabel = 'iam.superkube.io/role-ref';

/**
 * builtinRoleTitle is the translated name of a built-in role, by its name
 * (a workspace's built-in roles are named "<workspace>-<suffix>"); undefined
 * for any other role.
 */
export function builtinRoleTitle(level: Level, name: string, t: TFunction, workspace?: string): string | undefined {
  if (level === 'global') {
    if (name === 'platform-admin') return t('Platform administrator');
    if (name === 'platform-regular') return t('Platform regular user');
    if (name === 'platform-self-provisioner') return t('Workspace creator');
  }
  if (level === 'cluster') {
    if (name === 'cluster-admin') return t('Cluster administrator');
    if (name === 'cluster-viewer') return t('Cluster viewer');
  }
  if (level === 'workspace') {
    const suffix = workspace && name.startsWith(workspace + '-') ? name.slice(workspace.length + 1) : undefined;
    if (suffix === 'admin') return t('Workspace administrator');
    if (suffix === 'regular') return t('Workspace regular member');
    if (suffix === 'viewer') return t('Workspace viewer');
    if (suffix === 'self-provisioner') return t('Project creator');
  }
  if (level === 'namespace') {
    if (name === 'admin') return t('Project administrator');
    if (name === 'operator') return t('Project operator');
    if (name === 'viewer') return t('Project viewer');
  }
  return undefined;
}

/**
 * roleTitle is how a role is named to people: a built-in role by its
 * translated name, a custom one by its display name, else its name. The
 * role object, when known, says whether it is built in.
 */
export function roleTitle(level: Level, name: string, t: TFunction, opts: { role?: K8sObject; workspace?: string } = {}): string {
  const builtin = opts.role ? opts.role.metadata.labels?.[builtinLabel] === 'true' : true;
  const b = builtin ? builtinRoleTitle(level, name, t, opts.workspace) : undefined;
  return b ?? opts.role?.metadata.annotations?.[displayNameAnnotation] ?? name;
}

/** templateTitle is a role template's name in the language, from the template's own translations. */
export function templateTitle(name: string, templates: RoleTemplate[] | undefined, lang: string): string {
  const tm = templates?.find((x) => x.metadata.name === name);
  return tm?.spec.displayName?.[lang] ?? tm?.spec.displayName?.en ?? name;
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

/**
 * rulesSummary says in words what a role built from rules rather than
 * templates allows (the platform administrator's "everything").
 */
export function rulesSummary(rules: Rule[] | undefined, t: TFunction): string {
  if (!rules?.length) return t('Nothing beyond their own account');
  const all = rules.some((r) => r.verbs.includes('*') && (r.resources?.includes('*') ?? false) && (r.apiGroups?.includes('*') ?? false));
  if (all) return t('All permissions, everywhere');
  return t('Rules: {{n}}', { n: rules.length });
}

/**
 * useRoleTemplates reads the role templates of a scope, for their
 * translated names. Someone who may not list templates (a project viewer)
 * gets those they hold, which name the roles they see in most cases, and
 * no refused request.
 */
export function useRoleTemplates(scope: Level, username: string | undefined, where: { workspace?: string; namespace?: string } = {}) {
  const access = useAccess([{ verb: 'list', group: 'iam.superkube.io', resource: 'roletemplates' }]);
  const mayList = access.loaded && access.allowed[0];
  const all = useList<RoleTemplate>('roletemplates', undefined, { labelSelector: `iam.superkube.io/scope=${scope}`, limit: 500, sortBy: 'name', ascending: true }, { live: false, enabled: mayList });
  const own = useQuery({
    queryKey: ['own-roletemplates', username, scope, where.workspace, where.namespace],
    queryFn: () =>
      api.get<List<RoleTemplate>>(`${userPath(username!)}/roletemplates` + query({ scope, workspace: where.workspace, namespace: where.namespace })),
    enabled: access.loaded && !mayList && !!username,
    staleTime: 300_000,
  });
  return { items: mayList ? all.data?.items : own.data?.items, all: mayList };
}

/** RoleLike is what the role lists answer: a role with its templates and rules. */
export type RoleWithRules = Role & { rules?: Rule[] };
