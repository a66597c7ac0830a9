import { Button, Checkbox, FormGroup, PageSection, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../api/access';
import { api } from '../../api/client';
import { useInvalidate } from '../../api/mutations';
import { tenant, useApiList } from '../../api/tenant';
import { displayName, displayNameAnnotation, type Workspace } from '../../api/types';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { age, isDNSLabel } from '../../components/format';
import { FormModal } from '../../components/FormModal';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable } from '../../components/ResourceTable';

export default function Workspaces() {
  const { t } = useTranslation('platform');
  const invalidate = useInvalidate();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Workspace>();
  const [deleteProjects, setDeleteProjects] = useState(false);
  const [name, setName] = useState('');
  const [title, setTitle] = useState('');
  const [manager, setManager] = useState('');
  const [canCreate, canDelete] = useCan([
    { verb: 'create', group: 'tenant.superkube.io', resource: 'workspaces' },
    { verb: 'delete', group: 'tenant.superkube.io', resource: 'workspaces' },
  ]);
  return (
    <>
      <PageHeader
        title={t('Workspaces')}
        actions={
          canCreate && (
            <Button onClick={() => setCreating(true)} data-test="create-workspace">
              {t('Create workspace')}
            </Button>
          )
        }
      />
      <PageSection>
        <ResourceTable<Workspace>
          id="workspaces"
          ariaLabel={t('Workspaces')}
          resource="workspaces"
          source={(params) => useApiList<Workspace>(`${tenant}/workspaces`, params, true, { resource: 'workspaces' })}
          link={(w) => `/workspaces/${w.metadata.name}/overview`}
          defaultSortBy="name"
          defaultAscending
          columns={[
            { title: t('Name'), sortKey: 'name', render: (w) => displayName(w) + (displayName(w) !== w.metadata.name ? ` (${w.metadata.name})` : '') },
            { title: t('Manager'), sortKey: 'manager', render: (w) => w.spec.manager ?? '-' },
            { title: t('Age'), sortKey: 'createTime', render: (w) => age(w.metadata.creationTimestamp) },
          ]}
          actions={canDelete ? () => [{ title: t('Delete'), isDanger: true, onClick: (w) => setDeleting(w) }] : undefined}
          emptyText={t('You are not a member of any workspace yet.')}
        />
      </PageSection>
      {creating && (
        <FormModal
          title={t('Create workspace')}
          test="workspace-create"
          submitLabel={t('Create')}
          canSubmit={isDNSLabel(name)}
          onClose={() => {
            setCreating(false);
            setName('');
            setTitle('');
            setManager('');
          }}
          onSubmit={async () => {
            await api.post(`${tenant}/workspaces`, {
              metadata: { name, annotations: title ? { [displayNameAnnotation]: title } : {} },
              spec: manager ? { manager } : {},
            });
            invalidate('workspaces');
          }}
        >
          <FormGroup label={t('Name')} isRequired fieldId="ws-name">
            <TextInput id="ws-name" value={name} onChange={(_e, v) => setName(v)} data-test="ws-name" validated={name && !isDNSLabel(name) ? 'error' : 'default'} />
          </FormGroup>
          <FormGroup label={t('Display name')} fieldId="ws-title">
            <TextInput id="ws-title" value={title} onChange={(_e, v) => setTitle(v)} data-test="ws-title" />
          </FormGroup>
          <FormGroup label={t('Manager (user name; you when empty)')} fieldId="ws-manager">
            <TextInput id="ws-manager" value={manager} onChange={(_e, v) => setManager(v)} data-test="ws-manager" />
          </FormGroup>
        </FormModal>
      )}
      {deleting && (
        <ConfirmDelete
          kind={t('workspace')}
          name={deleting.metadata.name}
          extra={<Checkbox id="delete-projects" label={t('Also delete its projects (otherwise they are kept as plain namespaces)')} isChecked={deleteProjects} onChange={(_e, v) => setDeleteProjects(v)} data-test="delete-projects" />}
          onConfirm={async () => {
            await api.del(`${tenant}/workspaces/${encodeURIComponent(deleting.metadata.name)}?namespacePolicy=${deleteProjects ? 'Delete' : 'Release'}`);
            invalidate('workspaces');
          }}
          onClose={() => {
            setDeleting(undefined);
            setDeleteProjects(false);
          }}
        />
      )}
    </>
  );
}
