import { Button, Checkbox, FormGroup, PageSection, TextInput } from '@patternfly/react-core';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { useCan } from '../../api/access';
import { fieldError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { createWorkspace, deleteWorkspace, useWorkspaces } from '../../api/tenant';
import { displayName, type Workspace } from '../../api/types';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { age, isDNSLabel } from '../../components/format';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { useToast } from '../../components/Toast';

export default function Workspaces() {
  const { t } = useTranslation('platform');
  const invalidate = useInvalidate();
  const toast = useToast();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const [creating, setCreating] = useState(search.get('create') === '1');
  // Opened from "Create your first workspace": go on to the new workspace.
  const goToNew = useRef<string>(undefined);
  const [deleting, setDeleting] = useState<Workspace>();
  const [deleteProjects, setDeleteProjects] = useState(false);
  const [name, setName] = useState('');
  const [title, setTitle] = useState('');
  const [manager, setManager] = useState('');
  const [canCreate, canDelete] = useCan([
    { verb: 'create', group: 'tenant.superkube.io', resource: 'workspaces' },
    { verb: 'delete', group: 'tenant.superkube.io', resource: 'workspaces' },
  ]);
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const workspaces = useWorkspaces(table.params);
  const nameBad = name !== '' && !isDNSLabel(name);
  const create = (
    <Button onClick={() => setCreating(true)} data-test="create-workspace">
      {t('Create workspace')}
    </Button>
  );
  return (
    <>
      <PageHeader title={t('Workspaces')} actions={canCreate && create} />
      <PageSection>
        <ResourceTable<Workspace>
          id="workspaces"
          ariaLabel={t('Workspaces')}
          table={table}
          query={workspaces}
          link={(w) => `/workspaces/${w.metadata.name}/overview`}
          columns={[
            { title: t('Name'), sortKey: 'name', render: (w) => displayName(w) + (displayName(w) !== w.metadata.name ? ` (${w.metadata.name})` : '') },
            { title: t('Manager'), sortKey: 'manager', render: (w) => w.spec.manager ?? '-' },
            { title: t('Age'), sortKey: 'createTime', render: (w) => age(w.metadata.creationTimestamp) },
          ]}
          actions={canDelete ? () => [{ title: t('Delete'), isDanger: true, onClick: (w) => setDeleting(w) }] : undefined}
          emptyTitle={canCreate ? t('No workspaces yet') : t('You are in no workspace yet')}
          emptyText={canCreate ? t('A workspace holds a team’s projects and members. Create the first one.') : t('Ask the administrator of a workspace to invite you.')}
          emptyAction={
            canCreate ? (
              <Button onClick={() => setCreating(true)} data-test="create-first-workspace">
                {t('Create your first workspace')}
              </Button>
            ) : undefined
          }
        />
      </PageSection>
      {creating && (
        <FormModal
          title={t('Create workspace')}
          test="workspace-create"
          submitLabel={t('Create')}
          canSubmit={isDNSLabel(name)}
          shownFields={['metadata.name', 'spec.manager']}
          onClose={() => {
            setCreating(false);
            setName('');
            setTitle('');
            setManager('');
            if (goToNew.current) void navigate(`/workspaces/${goToNew.current}/overview`);
            else if (search.has('create')) setSearch({}, { replace: true });
          }}
          onSubmit={async () => {
            await createWorkspace({ name, displayName: title, manager });
            invalidate('workspaces');
            toast.success(t('Workspace {{name}} is created.', { name }), t('Open it to create its first project.'));
            if (search.has('create')) goToNew.current = name;
          }}
        >
          {(err) => (
            <>
              <FormGroup label={t('Name')} isRequired fieldId="ws-name">
                <TextInput id="ws-name" value={name} onChange={(_e, v) => setName(v)} data-test="ws-name" validated={nameBad || fieldError(err, 'metadata.name') ? 'error' : 'default'} />
                <FieldHelp
                  rule={t('Lower-case letters, digits and -, at most 63 characters. Its roles are named after it (acme-admin). It cannot be changed later.')}
                  error={fieldError(err, 'metadata.name') ?? (nameBad ? t('Use lower-case letters, digits and -, starting and ending with a letter or digit.') : undefined)}
                  test="ws-name"
                />
              </FormGroup>
              <FormGroup label={t('Display name')} fieldId="ws-title">
                <TextInput id="ws-title" value={title} onChange={(_e, v) => setTitle(v)} data-test="ws-title" />
              </FormGroup>
              <FormGroup label={t('Manager')} fieldId="ws-manager">
                <TextInput id="ws-manager" value={manager} onChange={(_e, v) => setManager(v)} data-test="ws-manager" validated={fieldError(err, 'spec.manager') ? 'error' : 'default'} />
                <FieldHelp rule={t('The user name of the workspace’s administrator; you when empty.')} error={fieldError(err, 'spec.manager')} test="ws-manager" />
              </FormGroup>
            </>
          )}
        </FormModal>
      )}
      {deleting && (
        <ConfirmDelete
          kind={t('workspace')}
          name={deleting.metadata.name}
          extra={<Checkbox id="delete-projects" label={t('Also delete its projects (otherwise they are kept as plain namespaces)')} isChecked={deleteProjects} onChange={(_e, v) => setDeleteProjects(v)} data-test="delete-projects" />}
          onConfirm={async () => {
            await deleteWorkspace(deleting.metadata.name, deleteProjects);
            invalidate('workspaces');
            toast.success(t('Workspace {{name}} is being deleted.', { name: deleting.metadata.name }));
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
