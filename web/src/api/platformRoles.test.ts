import { newGlobalRoleBinding, rolesByUser, setPlatformRole } from './platformRoles';

describe('platform roles', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('makes the binding the members API would: named user-role, labelled with both', () => {
    const b = newGlobalRoleBinding('ada', 'platform-regular');
    expect(b.metadata.name).toBe('ada-platform-regular');
    expect(b.metadata.labels).toEqual({ 'iam.superkube.io/user-ref': 'ada', 'iam.superkube.io/role-ref': 'platform-regular' });
    expect(b.roleRef).toEqual({ apiGroup: 'iam.superkube.io', kind: 'GlobalRole', name: 'platform-regular' });
    expect(b.subjects).toEqual([{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'ada' }]);
  });

  it('groups bindings by user, by label or else by subject', () => {
    const a = newGlobalRoleBinding('ada', 'platform-regular');
    const b = { ...newGlobalRoleBinding('bob', 'platform-admin'), metadata: { name: 'old-style' } };
    expect(rolesByUser([a, b])).toEqual({ ada: ['platform-regular'], bob: ['platform-admin'] });
  });

  it('grants the new role before it takes the old ones away, and leaves other users alone', async () => {
    const calls: string[] = [];
    vi.stubGlobal('fetch', vi.fn((u: string, init: RequestInit) => {
      calls.push(`${init.method} ${u.replace(/^\/apis\/iam.superkube.io\/v1beta1\/globalrolebindings/, '')}`);
      return Promise.resolve(new Response('{}', { status: init.method === 'POST' ? 201 : 200 }));
    }));
    const current = [newGlobalRoleBinding('ada', 'platform-regular'), newGlobalRoleBinding('bob', 'platform-regular')];
    await setPlatformRole('ada', 'platform-self-provisioner', current);
    expect(calls).toEqual(['POST ', 'DELETE /ada-platform-regular']);
    calls.length = 0;
    await setPlatformRole('ada', '', current);
    expect(calls).toEqual(['DELETE /ada-platform-regular']);
    calls.length = 0;
    await setPlatformRole('ada', 'platform-regular', current);
    expect(calls).toEqual([]);
  });
});
