import { Button, FormGroup, PageSection, TextArea, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useCan, useWorkspaceAccess } from '../../api/access';
import { createDevOpsProject, deleteDevOpsProject, useDevOpsProjects, type DevOpsProject } from '../../api/devops';
import { fieldError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { creatorAnnotation } from '../../api/types';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { age, isDNSLabel } from '../../components/format';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { useToast } from '../../components/Toast';

const group = 'devops.superkube.io';

/** A workspace's DevOps projects: the list, create (name, description), delete. */
export default function DevOpsProjects() {
  const { workspace = '' } = useParams();
  const { t } = useTranslation('devops');
  const invalidate = useInvalidate();
  const toast = useToast();
  const access = useWorkspaceAccess(workspace);
  const table = useTableState();
  const projects = useDevOpsProjects(workspace, table.params);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<DevOpsProject>();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [canCreate, canDelete] = useCan([
    { verb: 'create', group, resource: 'devopsprojects', workspace },
    { verb: 'delete', group, resource: 'devopsprojects', workspace },
  ]);
  if (access.loaded && !access.may('devops')) return <NoAccess />;
  const close = () => {
    setCreating(false);
    setName('');
    setDescription('');
  };
  return (
    <>
      <PageHeader
        title={t('DevOps projects')}
        crumbs={[{ title: workspace, to: `/workspaces/${workspace}/overview` }, { title: t('DevOps projects') }]}
        actions={
          canCreate && (
            <Button onClick={() => setCreating(true)} data-test="create-devops-project">
              {t('Create DevOps project')}
            </Button>
          )
        }
      />
      <PageSection>
        <ResourceTable<DevOpsProject>
          id="devops-projects"
          ariaLabel={t('DevOps projects')}
          table={table}
          query={projects}
          link={(p) => `/devops/${p.status?.namespace || p.metadata.name}/pipelines`}
          columns={[
            { title: t('Name'), sortKey: 'name', render: (p) => p.metadata.name },
            { title: t('Description'), render: (p) => p.spec?.description || '-' },
            { title: t('Creator'), render: (p) => p.metadata.annotations?.[creatorAnnotation] ?? '-', hideBelow: 'lg' },
            { title: t('Age'), sortKey: 'createTime', render: (p) => age(p.metadata.creationTimestamp) },
          ]}
          actions={canDelete ? () => [{ title: t('Delete'), isDanger: true, onClick: (p) => setDeleting(p) }] : undefined}
          emptyTitle={t('No DevOps projects yet')}
          emptyText={canCreate ? t('A DevOps project holds pipelines that build, test and deploy from Git, with their credentials and members.') : t('Nobody has created a DevOps project in this workspace yet.')}
          emptyAction={
            canCreate ? (
              <Button onClick={() => setCreating(true)} data-test="create-first-devops-project">
                {t('Create DevOps project')}
              </Button>
            ) : undefined
          }
        />
      </PageSection>
      {creating && (
        <FormModal
          title={t('Create DevOps project')}
          test="devops-project-create"
          submitLabel={t('Create')}
          canSubmit={isDNSLabel(name)}
          onClose={close}
          onSubmit={async () => {
            await createDevOpsProject(workspace, { name, description });
            invalidate('devopsprojects');
            toast.success(t('DevOps project {{name}} is created.', { name }));
          }}
          shownFields={['metadata.name', 'spec.description']}
        >
          {(err) => (
            <>
              <FormGroup label={t('Name')} isRequired fieldId="devops-project-name">
                <TextInput id="devops-project-name" value={name} onChange={(_e, v) => setName(v)} data-test="devops-project-name" validated={(name && !isDNSLabel(name)) || fieldError(err, 'metadata.name') ? 'error' : 'default'} />
                <FieldHelp
                  rule={t('Lower-case letters, digits and -, at most 63 characters. It is also the name of the project\'s namespace and cannot be changed later.')}
                  error={fieldError(err, 'metadata.name') ?? (name && !isDNSLabel(name) ? t('Use lower-case letters, digits and -, starting and ending with a letter or digit.') : undefined)}
                  test="devops-project-name"
                />
              </FormGroup>
              <FormGroup label={t('Description')} fieldId="devops-project-description">
                <TextArea id="devops-project-description" value={description} onChange={(_e, v) => setDescription(v)} data-test="devops-project-description" resizeOrientation="vertical" />
                <FieldHelp error={fieldError(err, 'spec.description')} />
              </FormGroup>
            </>
          )}
        </FormModal>
      )}
      {deleting && (
        <ConfirmDelete
          kind={t('DevOps project')}
          name={deleting.metadata.name}
          extra={<p>{t('Its pipelines, runs and credentials are deleted with it.')}</p>}
          onConfirm={async () => {
            await deleteDevOpsProject(deleting.metadata.name);
            invalidate('devopsprojects');
            toast.success(t('DevOps project {{name}} is being deleted.', { name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}
