import { Button, FormGroup, PageSection, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../api/access';
import { api } from '../../api/client';
import { useInvalidate } from '../../api/mutations';
import { iam, useApiList } from '../../api/tenant';
import type { User } from '../../api/types';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { age, isDNSLabel } from '../../components/format';
import { FormModal } from '../../components/FormModal';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable, type RowAction } from '../../components/ResourceTable';
import { StatusLabel } from '../../components/StatusLabel';
import { passwordProblem } from '../PasswordForm';

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export default function Users() {
  const { t } = useTranslation('platform');
  const invalidate = useInvalidate();
  const [editing, setEditing] = useState<User | 'new'>();
  const [deleting, setDeleting] = useState<User>();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [title, setTitle] = useState('');
  const [password, setPassword] = useState('');
  const [canCreate, canUpdate, canDelete] = useCan(
    (['create', 'update', 'delete'] as const).map((verb) => ({ verb, group: 'iam.superkube.io', resource: 'users' })),
  );
  const open = (u: User | 'new') => {
    setEditing(u);
    setName(u === 'new' ? '' : u.metadata.name);
    setEmail(u === 'new' ? '' : (u.spec.email ?? ''));
    setTitle(u === 'new' ? '' : (u.spec.displayName ?? ''));
    setPassword('');
  };
  const post = (u: User, what: string) => api.post(`${iam}/users/${encodeURIComponent(u.metadata.name)}/${what}`).then(() => invalidate('users'));
  const actions = (u: User): RowAction<User>[] => {
    const out: RowAction<User>[] = [];
    if (canUpdate) {
      out.push({ title: t('Edit'), onClick: open });
      if (u.status?.state === 'Disabled') out.push({ title: t('Enable'), onClick: (x) => void post(x, 'enable') });
      else out.push({ title: t('Disable'), onClick: (x) => void post(x, 'disable') });
      if (u.status?.state === 'AuthLimitExceeded') out.push({ title: t('Unlock'), onClick: (x) => void post(x, 'unlock') });
    }
    if (canDelete) out.push({ title: t('Delete'), onClick: setDeleting, isDanger: true });
    return out;
  };
  const isNew = editing === 'new';
  const pwProblem = isNew && password ? passwordProblem(password) : undefined;
  return (
    <>
      <PageHeader
        title={t('Users')}
        actions={
          canCreate && (
            <Button onClick={() => open('new')} data-test="create-user">
              {t('Create user')}
            </Button>
          )
        }
      />
      <PageSection>
        <ResourceTable<User>
          id="users"
          ariaLabel={t('Users')}
          resource="users"
          source={(params) => useApiList<User>(`${iam}/users`, params, true, { resource: 'users' })}
          statuses={['active', 'disabled', 'authlimitexceeded']}
          statusParam="state"
          defaultSortBy="name"
          defaultAscending
          columns={[
            { title: t('Name'), sortKey: 'name', render: (u) => u.metadata.name },
            { title: t('Display name'), render: (u) => u.spec.displayName || '-' },
            { title: t('E-mail'), render: (u) => u.spec.email || '-' },
            { title: t('Status'), render: (u) => <StatusLabel status={u.status?.state ?? 'pending'} /> },
            { title: t('Last login'), sortKey: 'lastLoginTime', render: (u) => age(u.status?.lastLoginTime) },
            { title: t('Age'), sortKey: 'createTime', render: (u) => age(u.metadata.creationTimestamp) },
          ]}
          actions={canUpdate || canDelete ? actions : undefined}
        />
      </PageSection>
      {editing && (
        <FormModal
          title={isNew ? t('Create user') : t('Edit user {{name}}', { name })}
          test="user-form"
          submitLabel={isNew ? t('Create') : t('Save')}
          canSubmit={isDNSLabel(name) && (email === '' || emailPattern.test(email)) && (!isNew || (!!password && !pwProblem))}
          onClose={() => setEditing(undefined)}
          onSubmit={async () => {
            if (isNew) {
              await api.post(`${iam}/users`, { metadata: { name }, spec: { email: email || undefined, displayName: title || undefined, password } });
            } else {
              await api.patch(`${iam}/users/${encodeURIComponent(name)}`, { spec: { email, displayName: title } });
            }
            invalidate('users');
          }}
        >
          <FormGroup label={t('User name')} isRequired fieldId="user-name">
            <TextInput id="user-name" value={name} onChange={(_e, v) => setName(v)} isDisabled={!isNew} data-test="user-name" validated={name && !isDNSLabel(name) ? 'error' : 'default'} />
          </FormGroup>
          <FormGroup label={t('E-mail')} fieldId="user-email">
            <TextInput id="user-email" type="email" value={email} onChange={(_e, v) => setEmail(v)} data-test="user-email" validated={email && !emailPattern.test(email) ? 'error' : 'default'} />
          </FormGroup>
          <FormGroup label={t('Display name')} fieldId="user-title">
            <TextInput id="user-title" value={title} onChange={(_e, v) => setTitle(v)} data-test="user-title" />
          </FormGroup>
          {isNew && (
            <FormGroup label={t('Initial password')} isRequired fieldId="user-password">
              <TextInput id="user-password" type="password" autoComplete="new-password" value={password} onChange={(_e, v) => setPassword(v)} data-test="user-password" validated={pwProblem ? 'error' : 'default'} />
              {pwProblem && <div className="pf-v6-u-danger-color-100">{t(pwProblem)}</div>}
            </FormGroup>
          )}
        </FormModal>
      )}
      {deleting && (
        <ConfirmDelete
          kind={t('user')}
          name={deleting.metadata.name}
          onConfirm={async () => {
            await api.del(`${iam}/users/${encodeURIComponent(deleting.metadata.name)}`);
            invalidate('users');
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}
