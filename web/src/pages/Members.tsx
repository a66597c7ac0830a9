import { Button, FormGroup, FormSelect, FormSelectOption, PageSection } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useCan } from '../api/access';
import { fieldError } from '../api/errors';
import { addMember, bindingResource, removeMember, setMemberRole, useMembers, useRoles } from '../api/iam';
import { useInvalidate } from '../api/mutations';
import { roleTitle } from '../api/roles';
import type { Member } from '../api/types';
import { ConfirmDelete } from '../components/ConfirmDelete';
import { age } from '../components/format';
import { FieldHelp, FormModal } from '../components/FormModal';
import { PageHeader } from '../components/PageHeader';
import { ResourceTable, useTableState } from '../components/ResourceTable';
import { useToast } from '../components/Toast';
import { UserPicker } from '../components/UserPicker';
import { place, type PlaceLevel } from './levels';

/** Members of a workspace or a project: invite a user found by search with a role, change the role, remove. */
export default function Members({ level, base: area }: { level: Exclude<PlaceLevel, 'global'>; base?: 'devops' }) {
  const { workspace, namespace } = useParams();
  const { t } = useTranslation('workspace');
  const invalidate = useInvalidate();
  const toast = useToast();
  const at = place(level, { workspace, namespace });
  const roles = useRoles(at, { limit: 500, sortBy: 'name', ascending: true }, false);
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const members = useMembers(at, table.params);
  const [editing, setEditing] = useState<Member | 'new'>();
  const [removing, setRemoving] = useState<Member>();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState('');
  const [canManage] = useCan([{ verb: 'create', ...bindingResource(at) }]);
  const where = level === 'workspace' ? workspace! : namespace!;
  // A DevOps project's members and roles are bound in its namespace as a project's; its pages are under /devops.
  const base = level === 'workspace' ? `/workspaces/${workspace}` : area === 'devops' ? `/devops/${namespace}` : `/projects/${namespace}`;
  const start = area === 'devops' ? 'pipelines' : 'overview';
  const roleItems = roles.data?.items ?? [];
  const titleOf = (name: string) => roleTitle(level, name, t, { role: roleItems.find((r) => r.metadata.name === name), workspace });
  const open = (m: Member | 'new') => {
    setEditing(m);
    setUsername(m === 'new' ? '' : m.username);
    setRole(m === 'new' ? (roleItems.find((r) => r.metadata.name.endsWith('viewer'))?.metadata.name ?? roleItems[0]?.metadata.name ?? '') : m.role);
  };
  return (
    <>
      <PageHeader
        title={t('Members')}
        crumbs={[{ title: where, to: `${base}/${start}` }, { title: t('Members') }]}
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
          table={table}
          query={members}
          columns={[
            {
              title: t('User'),
              sortKey: 'name',
              render: (m) => (
                <span>
                  {m.displayName || m.username}
                  {m.displayName && m.displayName !== m.username && <span className="ke-subtle"> ({m.username})</span>}
                </span>
              ),
            },
            { title: t('E-mail'), render: (m) => m.email || '-', hideBelow: 'lg' },
            { title: t('Role'), render: (m) => <span data-test="member-role">{(m.roles?.length ? m.roles : [m.role]).map(titleOf).join(', ')}</span> },
            { title: t('Member since'), sortKey: 'createTime', render: (m) => age(m.metadata.creationTimestamp), hideBelow: 'lg' },
          ]}
          actions={
            canManage
              ? () => [
                  { title: t('Change role'), onClick: open },
                  { title: t('Remove'), onClick: setRemoving, isDanger: true },
                ]
              : undefined
          }
          emptyTitle={t('No members yet')}
          emptyText={canManage ? t('Invite the people who work here, each with a role.') : t('Nobody is a member yet.')}
          emptyAction={
            canManage ? (
              <Button onClick={() => open('new')} data-test="invite-first">
                {t('Invite the first member')}
              </Button>
            ) : undefined
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
          shownFields={['username', 'role']}
          onSubmit={async () => {
            if (editing === 'new') await addMember(at, username, role);
            else await setMemberRole(at, username, role);
            invalidate('members');
            toast.success(
              editing === 'new' ? t('{{user}} is invited as {{role}}.', { user: username, role: titleOf(role) }) : t('{{user}} is now {{role}}.', { user: username, role: titleOf(role) }),
            );
          }}
        >
          {(err) => (
            <>
              <FormGroup label={t('User')} isRequired fieldId="member-user">
                {editing === 'new' ? <UserPicker value={username} onChange={setUsername} error={fieldError(err, 'username')} /> : <strong data-test="member-user-name">{username}</strong>}
              </FormGroup>
              <FormGroup label={t('Role')} isRequired fieldId="member-role">
                <FormSelect id="member-role" value={role} onChange={(_e, v) => setRole(v)} data-test="member-role-select" validated={fieldError(err, 'role') ? 'error' : 'default'}>
                  {roleItems.map((r) => (
                    <FormSelectOption key={r.metadata.name} value={r.metadata.name} label={titleOf(r.metadata.name)} />
                  ))}
                </FormSelect>
                <FieldHelp error={fieldError(err, 'role')} test="member-role" />
              </FormGroup>
            </>
          )}
        </FormModal>
      )}
      {removing && (
        <ConfirmDelete
          kind={t('member')}
          name={removing.username}
          onConfirm={async () => {
            await removeMember(at, removing.username);
            invalidate('members');
            toast.success(t('{{user}} is no longer a member.', { user: removing.username }));
          }}
          onClose={() => setRemoving(undefined)}
        />
      )}
    </>
  );
}
