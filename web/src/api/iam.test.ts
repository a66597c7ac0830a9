import type { Place } from '../pages/levels';
import { addMember, bindingResource, createRole, deleteUser, removeMember, resetPassword, roleResource, setMemberRole, updateRole } from './iam';
import { createWorkspace, deleteProject, deleteWorkspace } from './tenant';

describe('the typed IAM and tenant APIs', () => {
  let calls: string[];
  beforeEach(() => {
    calls = [];
    vi.stubGlobal('fetch', vi.fn((u: string, init: RequestInit) => {
      calls.push(`${init.method} ${u}${init.body ? ' ' + (init.body as string) : ''}`);
      return Promise.resolve(new Response('{}', { status: 200 }));
    }));
  });
  afterEach(() => vi.unstubAllGlobals());

  const places: [string, Place, string][] = [
    ['a workspace', { level: 'workspace', workspace: 'acme co' }, '/kapis/iam.superkube.io/v1beta1/workspaces/acme%20co'],
    ['a project', { level: 'namespace', namespace: 'dev' }, '/kapis/iam.superkube.io/v1beta1/namespaces/dev'],
  ];

  it.each(places)('invites, changes and removes the members of %s at its members path', async (_name, p, base) => {
    await addMember(p, 'ada', 'viewer');
    await setMemberRole(p, 'ada', 'admin');
    await removeMember(p, 'ada');
    expect(calls).toEqual([`POST ${base}/members {"username":"ada","role":"viewer"}`, `PUT ${base}/members/ada {"role":"admin"}`, `DELETE ${base}/members/ada`]);
  });

  it('creates and saves the roles of each level at its own path, with the display name as an annotation', async () => {
    await createRole({ level: 'global' }, { name: 'auditor', displayName: 'Auditor', templates: ['view'] });
    await updateRole({ level: 'workspace', workspace: 'acme' }, { name: 'acme-dev', templates: ['edit'] });
    await createRole({ level: 'namespace', namespace: 'dev' }, { name: 'dev', templates: [] });
    expect(calls).toEqual([
      'POST /kapis/iam.superkube.io/v1beta1/globalroles {"metadata":{"name":"auditor","annotations":{"superkube.io/display-name":"Auditor"}},"templates":["view"]}',
      'PUT /kapis/iam.superkube.io/v1beta1/workspaces/acme/workspaceroles/acme-dev {"metadata":{"name":"acme-dev","annotations":{}},"templates":["edit"]}',
      'POST /kapis/iam.superkube.io/v1beta1/namespaces/dev/roles {"metadata":{"name":"dev","annotations":{}},"templates":[]}',
    ]);
  });

  it('asks access reviews about the kinds behind each level', () => {
    expect(bindingResource({ level: 'namespace', namespace: 'dev' })).toEqual({ group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: 'dev' });
    expect(roleResource({ level: 'workspace', workspace: 'acme' })).toEqual({ group: 'iam.superkube.io', resource: 'workspaceroles', workspace: 'acme' });
    expect(roleResource({ level: 'global' })).toEqual({ group: 'iam.superkube.io', resource: 'globalroles' });
  });

  it('acts on users and workspaces by their escaped names', async () => {
    await resetPassword('a/b', 'pw');
    await deleteUser('a/b');
    await createWorkspace({ name: 'acme', manager: 'ada' });
    await deleteWorkspace('acme', false);
    await deleteProject('acme', 'dev');
    expect(calls).toEqual([
      'PUT /kapis/iam.superkube.io/v1beta1/users/a%2Fb/password {"password":"pw"}',
      'DELETE /kapis/iam.superkube.io/v1beta1/users/a%2Fb',
      'POST /kapis/tenant.superkube.io/v1beta1/workspaces {"metadata":{"name":"acme","annotations":{}},"spec":{"manager":"ada"}}',
      'DELETE /kapis/tenant.superkube.io/v1beta1/workspaces/acme?namespacePolicy=Release',
      'DELETE /kapis/tenant.superkube.io/v1beta1/workspaces/acme/namespaces/dev',
    ]);
  });
});
