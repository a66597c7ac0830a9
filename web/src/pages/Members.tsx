import { Button, FormGroup, FormSelect, FormSelectOption, PageSection, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useCan } from '../api/access';
import { api } from '../api/client';
import { useInvalidate } from '../api/mutations';
import { useApiList } from '../api/tenant';
import { displayName, type Member, type Role } from '../api/types';
import { ConfirmDelete } from '../components/ConfirmDelete';
import { age } from '../components/format';
import { FormModal } from '../components/FormModal';
import { PageHeader } from '../components/PageHeader';
import { ResourceTable } from '../components/ResourceTable';
import { levelPaths, type Level } from './levels';

/** Members of a workspace or a project: invite with a role, change the role, remove. */
export default function Members({ level }: { level: Level }) {
  const { workspace, namespace } = useParams();
  const { t } = useTranslation('workspace');
  const invalidate = useInvalidate();
  const paths = levelPaths(level, workspace, namespace);
  const roles = useApiList<Role>(paths.roles, { limit: 500, sortBy: 'name', ascending: true });
  const [editing, setEditing] = useState<Member | 'new'>();
  const [removing, setRemoving] = useState<Member>();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState('');
  const [canManage] = useCan([{ verb: 'create', ...paths.bindingResource }]);
  const where = level === 'workspace' ? workspace! : namespace!;
  const base = level === 'workspace' ? `/workspaces/${workspace}` : `/projects/${namespace}`;
  const roleItems = roles.data?.items ?? [];
  const open = (m: Member | 'new') => {
    setEditing(m);
    setUsername(m === 'new' ? '' : m.username);
    setRole(m === 'new' ? (roleItems.find((r) => r.metadata.name.endsWith('viewer'))?.metadata.name ?? roleItems[0]?.metadata.name ?? '') : m.role);
  };
  return (
    <>
      <PageHeader
        title={t('Members')}
        crumbs={[{ title: where, to: `${base}/overview` }, { title: t('Members') }]}
        actions={
          canManage && (
            <Button onClick={() => open('new')} data-test="invite">
              {t('Invite member')}
            </Button>
          )
        }
      />
      <PageSection>
        <ResourceTable<Member>
          id="members"
          ariaLabel={t('Members')}
          resource="members"
          source={(params) => useApiList<Member>(paths.members, params, true, paths.liveMembers)}
          defaultSortBy="name"
          defaultAscending
          columns={[
            { title: t('User'), sortKey: 'name', render: (m) => m.username },
            { title: t('Role'), render: (m) => <span data-test="member-role">{(m.roles?.length ? m.roles : [m.role]).join(', ')}</span> },
            { title: t('Member since'), sortKey: 'createTime', render: (m) => age(m.metadata.creationTimestamp) },
          ]}
          actions={
            canManage
              ? () => [
                  { title: t('Change role'), onClick: open },
                  { title: t('Remove'), onClick: setRemoving, isDanger: true },
                ]
              : undefined
          }
        />
      </PageSection>
      {editing && (
        <FormModal
          title={editing === 'new' ? t('Invite member') : t('Change the role of {{name}}', { name: username })}
          test="member-form"
          submitLabel={editing === 'new' ? t('Invite') : t('Save')}
          canSubmit={!!username && !!role}
          onClose={() => setEditing(undefined)}
          onSubmit={async () => {
            if (editing === 'new') await api.post(paths.members, { username, role });
            else await api.put(`${paths.members}/${encodeURIComponent(username)}`, { role });
            invalidate('members');
          }}
        >
          <FormGroup label={t('User name')} isRequired fieldId="member-user">
            <TextInput id="member-user" value={username} onChange={(_e, v) => setUsername(v)} isDisabled={editing !== 'new'} data-test="member-user" />
          </FormGroup>
          <FormGroup label={t('Role')} isRequired fieldId="member-role">
            <FormSelect id="member-role" value={role} onChange={(_e, v) => setRole(v)} data-test="member-role-select">
              {roleItems.map((r) => (
                <FormSelectOption key={r.metadata.name} value={r.metadata.name} label={displayName(r)} />
              ))}
            </FormSelect>
          </FormGroup>
        </FormModal>
      )}
      {removing && (
        <ConfirmDelete
          kind={t('member')}
          name={removing.username}
          onConfirm={async () => {
            await api.del(`${paths.members}/${encodeURIComponent(removing.username)}`);
            invalidate('members');
          }}
          onClose={() => setRemoving(undefined)}
        />
      )}
    </>
  );
}
