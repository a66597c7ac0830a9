import { iam, type LiveSource } from '../api/tenant';
import { workspaceLabel } from '../api/types';

export type Level = 'global' | 'workspace' | 'namespace';

/**
 * Where a level's members and roles live in the IAM API, how access to them
 * is asked, and which list-engine kinds their lists follow live.
 */
export function levelPaths(level: Level, workspace?: string, namespace?: string): {
  members: string;
  roles: string;
  bindingResource: { group: string; resource: string; workspace?: string; namespace?: string };
  roleResource: { group: string; resource: string; workspace?: string; namespace?: string };
  scope: string;
  liveMembers: LiveSource;
  liveRoles: LiveSource;
} {
  switch (level) {
    case 'workspace':
      return {
        members: `${iam}/workspaces/${encodeURIComponent(workspace!)}/members`,
        roles: `${iam}/workspaces/${encodeURIComponent(workspace!)}/workspaceroles`,
        bindingResource: { group: 'iam.superkube.io', resource: 'workspacerolebindings', workspace },
        roleResource: { group: 'iam.superkube.io', resource: 'workspaceroles', workspace },
        scope: 'workspace',
        liveMembers: { resource: 'workspacerolebindings', params: { labelSelector: `${workspaceLabel}=${workspace}` } },
        liveRoles: { resource: 'workspaceroles', params: { labelSelector: `${workspaceLabel}=${workspace}` } },
      };
    case 'namespace':
      return {
        members: `${iam}/namespaces/${encodeURIComponent(namespace!)}/members`,
        roles: `${iam}/namespaces/${encodeURIComponent(namespace!)}/roles`,
        bindingResource: { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace },
        roleResource: { group: 'rbac.authorization.k8s.io', resource: 'roles', namespace },
        scope: 'namespace',
        liveMembers: { resource: 'rolebindings', namespace },
        liveRoles: { resource: 'roles', namespace },
      };
    default:
      return {
        members: `${iam}/globalrolebindings`,
        roles: `${iam}/globalroles`,
        bindingResource: { group: 'iam.superkube.io', resource: 'globalrolebindings' },
        roleResource: { group: 'iam.superkube.io', resource: 'globalroles' },
        scope: 'global',
        liveMembers: { resource: 'globalrolebindings' },
        liveRoles: { resource: 'globalroles' },
      };
  }
}
