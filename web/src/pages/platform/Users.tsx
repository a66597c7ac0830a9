import { Button, PageSection } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { useCan } from '../../api/access';
import { useGlobalRoles, usePlatformRoles } from '../../api/platformRoles';
import { roleTitle } from '../../api/roles';
import { useUserList } from '../../api/iam';
import type { ListParams } from '../../api/resources';
import type { User } from '../../api/types';
import { age } from '../../components/format';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable, useTableState, type RowAction } from '../../components/ResourceTable';
import { StatusLabel } from '../../components/StatusLabel';
import { UserActions, type UserAction } from './UserActions';
import { UserForm } from './UserForm';

type UserRow = User & { platformRoles?: string[] };

/**
 * useUsersWithRoles reads a page of users and, in one more request when the
 * caller may read them, their platform roles.
 */
function useUsersWithRoles(params: ListParams) {
  const q = useUserList(params);
  const platform = usePlatformRoles((q.data?.items ?? []).map((u) => u.metadata.name));
  if (!q.data || !platform.allowed) return q;
  const items: UserRow[] = q.data.items.map((u) => ({ ...u, platformRoles: platform.loaded ? (platform.roles[u.metadata.name] ?? []) : undefined }));
  return { ...q, data: { ...q.data, items } };
}

export default function Users() {
  const { t } = useTranslation('platform');
  const [search] = useSearchParams();
  const [editing, setEditing] = useState<User | 'new' | undefined>(search.get('create') ? 'new' : undefined);
  const [acting, setActing] = useState<{ user: User; action: UserAction }>();
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true, statusParam: 'state' });
  const users = useUsersWithRoles(table.params);
  const [mayReadRoles] = useCan([{ verb: 'list', group: 'iam.superkube.io', resource: 'globalrolebindings' }]);
  const globalRoles = useGlobalRoles(mayReadRoles);
  const title = (r: string) => roleTitle('global', r, t, { role: globalRoles.find((x) => x.metadata.name === r) });
  const [canCreate, canUpdate, canDelete] = useCan(
    (['create', 'update', 'delete'] as const).map((verb) => ({ verb, group: 'iam.superkube.io', resource: 'users' })),
  );
  const actions = (u: UserRow): RowAction<UserRow>[] => {
    const out: RowAction<UserRow>[] = [];
    const act = (action: UserAction) => (x: User) => setActing({ user: x, action });
    if (canUpdate) {
      out.push({ title: t('Edit'), onClick: setEditing });
      out.push({ title: t('Reset password'), onClick: act('password') });
      if (u.status?.state === 'Disabled') out.push({ title: t('Enable'), onClick: act('enable') });
      else out.push({ title: t('Disable'), onClick: act('disable') });
      if (u.status?.state === 'AuthLimitExceeded') out.push({ title: t('Unlock'), onClick: act('unlock') });
    }
    if (canDelete) out.push({ title: t('Delete'), onClick: act('delete'), isDanger: true });
    return out;
  };
  return (
    <>
      <PageHeader
        title={t('Users')}
        actions={
          canCreate && (
            <Button onClick={() => setEditing('new')} data-test="create-user">
              {t('Create user')}
            </Button>
          )
        }
      />
      <PageSection>
        <ResourceTable<UserRow>
          id="users"
          ariaLabel={t('Users')}
          table={table}
          query={users}
          statuses={['active', 'disabled', 'authlimitexceeded']}
          link={(u) => `/platform/users/${u.metadata.name}`}
          columns={[
            { title: t('Name'), sortKey: 'name', render: (u) => u.metadata.name },
            { title: t('Display name'), render: (u) => u.spec.displayName || '-' },
            { title: t('E-mail'), render: (u) => u.spec.email || '-', hideBelow: 'lg' },
            ...(mayReadRoles
              ? [
                  {
                    title: t('Platform role'),
                    render: (u: UserRow) => (
                      <span data-test="user-platform-role">{u.platformRoles ? u.platformRoles.map(title).join(', ') || t('None') : '…'}</span>
                    ),
                  },
                ]
              : []),
            { title: t('Status'), render: (u) => <StatusLabel status={u.status?.state ?? 'pending'} /> },
            { title: t('Last login'), sortKey: 'lastLoginTime', render: (u) => age(u.status?.lastLoginTime), hideBelow: 'xl' },
            { title: t('Age'), sortKey: 'createTime', render: (u) => age(u.metadata.creationTimestamp), hideBelow: 'xl' },
          ]}
          actions={canUpdate || canDelete ? actions : undefined}
        />
      </PageSection>
      {editing && <UserForm user={editing} onClose={() => setEditing(undefined)} />}
      {acting && <UserActions user={acting.user} action={acting.action} onClose={() => setActing(undefined)} />}
    </>
  );
}
