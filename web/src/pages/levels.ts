import { iam } from '../api/tenant';

export type Level = 'global' | 'workspace' | 'namespace';

/** Where a level's members and roles live in the IAM API, and how access to them is asked. */
export function levelPaths(level: Level, workspace?: string, namespace?: string) {
  switch (level) {
    case 'workspace':
      return {
        members: `${iam}/workspaces/${encodeURIComponent(workspace!)}/members`,
        roles: `${iam}/workspaces/${encodeURIComponent(workspace!)}/workspaceroles`,
        bindingResource: { group: 'iam.superkube.io', resource: 'workspacerolebindings', workspace },
        roleResource: { group: 'iam.superkube.io', resource: 'workspaceroles', workspace },
        scope: 'workspace',
      };
    case 'namespace':
      return {
        members: `${iam}/namespaces/${encodeURIComponent(namespace!)}/members`,
        roles: `${iam}/namespaces/${encodeURIComponent(namespace!)}/roles`,
        bindingResource: { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace },
        roleResource: { group: 'rbac.authorization.k8s.io', resource: 'roles', namespace },
        scope: 'namespace',
      };
    default:
      return {
        members: `${iam}/globalrolebindings`,
        roles: `${iam}/globalroles`,
        bindingResource: { group: 'iam.superkube.io', resource: 'globalrolebindings' },
        roleResource: { group: 'iam.superkube.io', resource: 'globalroles' },
        scope: 'global',
      };
  }
}
