import { Button, FormGroup, PageSection, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useCan } from '../../api/access';
import { fieldError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { createProject, deleteProject, useProjects } from '../../api/tenant';
import { creatorAnnotation, displayName, type K8sObject } from '../../api/types';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { age, isDNSLabel } from '../../components/format';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { StatusLabel } from '../../components/StatusLabel';
import { useToast } from '../../components/Toast';

export default function Projects() {
  const { workspace = '' } = useParams();
  const { t } = useTranslation('workspace');
  const invalidate = useInvalidate();
  const toast = useToast();
  const table = useTableState();
  const projects = useProjects(workspace, table.params);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<K8sObject>();
  const [name, setName] = useState('');
  const [title, setTitle] = useState('');
  const [canCreate, canDelete] = useCan([
    { verb: 'create', resource: 'namespaces', workspace },
    { verb: 'delete', resource: 'namespaces', workspace },
  ]);
  return (
    <>
      <PageHeader
        title={t('Projects')}
        crumbs={[{ title: workspace, to: `/workspaces/${workspace}/overview` }, { title: t('Projects') }]}
        actions={
          canCreate && (
            <Button onClick={() => setCreating(true)} data-test="create-project">
              {t('Create project')}
            </Button>
          )
        }
      />
      <PageSection>
        <ResourceTable<K8sObject>
          id="projects"
          ariaLabel={t('Projects')}
          table={table}
          query={projects}
          statuses={['active', 'terminating']}
          link={(ns) => `/projects/${ns.metadata.name}/overview`}
          columns={[
            { title: t('Name'), sortKey: 'name', render: (ns) => displayName(ns) + (displayName(ns) !== ns.metadata.name ? ` (${ns.metadata.name})` : '') },
            { title: t('Status'), sortKey: 'status', render: (ns) => <StatusLabel status={(ns.status as { phase?: string } | undefined)?.phase} /> },
            { title: t('Creator'), render: (ns) => ns.metadata.annotations?.[creatorAnnotation] ?? '-' },
            { title: t('Age'), sortKey: 'createTime', render: (ns) => age(ns.metadata.creationTimestamp) },
          ]}
          actions={canDelete ? () => [{ title: t('Delete'), isDanger: true, onClick: (ns) => setDeleting(ns) }] : undefined}
          emptyTitle={t('No projects yet')}
          emptyText={canCreate ? t('A project is where applications run, with its own members. Create the first one.') : t('Nobody has created a project in this workspace yet.')}
          emptyAction={
            canCreate ? (
              <Button onClick={() => setCreating(true)} data-test="create-first-project">
                {t('Create your first project')}
              </Button>
            ) : undefined
          }
        />
      </PageSection>
      {creating && (
        <FormModal
          title={t('Create project')}
          test="project-create"
          submitLabel={t('Create')}
          canSubmit={isDNSLabel(name)}
          onClose={() => {
            setCreating(false);
            setName('');
            setTitle('');
          }}
          onSubmit={async () => {
            await createProject(workspace, { name, displayName: title });
            invalidate('namespaces');
            toast.success(t('Project {{name}} is created.', { name }));
          }}
          shownFields={['metadata.name']}
        >
          {(err) => (
            <>
              <FormGroup label={t('Name')} isRequired fieldId="project-name">
                <TextInput id="project-name" value={name} onChange={(_e, v) => setName(v)} data-test="project-name" validated={(name && !isDNSLabel(name)) || fieldError(err, 'metadata.name') ? 'error' : 'default'} />
                <FieldHelp
                  rule={t('Lower-case letters, digits and -, at most 63 characters, unique in the cluster (it is the namespace). It cannot be changed later.')}
                  error={fieldError(err, 'metadata.name') ?? (name && !isDNSLabel(name) ? t('Use lower-case letters, digits and -, starting and ending with a letter or digit.') : undefined)}
                  test="project-name"
                />
              </FormGroup>
              <FormGroup label={t('Display name')} fieldId="project-title">
                <TextInput id="project-title" value={title} onChange={(_e, v) => setTitle(v)} data-test="project-title" />
              </FormGroup>
            </>
          )}
        </FormModal>
      )}
      {deleting && (
        <ConfirmDelete
          kind={t('project')}
          name={deleting.metadata.name}
          onConfirm={async () => {
            await deleteProject(workspace, deleting.metadata.name);
            invalidate('namespaces');
            toast.success(t('Project {{name}} is being deleted.', { name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}
