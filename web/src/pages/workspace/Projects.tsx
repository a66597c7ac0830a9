import { Button, FormGroup, FormSelect, FormSelectOption, PageSection, Stack, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useCan } from '../../api/access';
import { hostCluster, withCluster } from '../../api/cluster';
import { fieldError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { createProject, deleteProject, isHostCluster, useWorkspaceClusters, useWorkspaceProjects, type ClusterProject } from '../../api/tenant';
import { creatorAnnotation, displayName } from '../../api/types';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { ErrorAlert } from '../../components/ErrorAlert';
import { age, isDNSLabel } from '../../components/format';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable, useTableState, type Column } from '../../components/ResourceTable';
import { StatusLabel } from '../../components/StatusLabel';
import { useToast } from '../../components/Toast';

export default function Projects() {
  const { workspace = '' } = useParams();
  const { t } = useTranslation('workspace');
  const invalidate = useInvalidate();
  const toast = useToast();
  const table = useTableState();
  const projects = useWorkspaceProjects(workspace, table.params);
  const placed = useWorkspaceClusters(workspace);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<ClusterProject>();
  const [name, setName] = useState('');
  const [title, setTitle] = useState('');
  // The clusters a project may be created on: those the workspace is
  // placed on (the host when it has no placement, or it cannot be read);
  // the host first when it is one of them, else the only one.
  const targets = createTargets(placed.data?.items.map((c) => (isHostCluster(c) ? hostCluster : c.metadata.name)));
  const [chosen, setChosen] = useState<string>();
  const target = chosen && targets.includes(chosen) ? chosen : targets[0];
  const multi = projects.clusters.length > 1;
  const clusterColumn: Column<ClusterProject>[] = multi ? [{ title: t('Cluster'), render: (ns) => <span data-test="project-cluster">{ns.cluster}</span> }] : [];
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
        {projects.failures.length > 0 && (
          <Stack hasGutter className="pf-v6-u-mb-md" data-test="cluster-failures">
            {projects.failures.map((f) => (
              <div key={f.cluster} data-test={`cluster-failure-${f.cluster}`}>
                <ErrorAlert error={f.error} title={t('The projects on cluster {{name}} cannot be listed; the other clusters are listed below.', { name: f.cluster })} onRetry={projects.refetch} />
              </div>
            ))}
          </Stack>
        )}
        <ResourceTable<ClusterProject>
          id="projects"
          ariaLabel={t('Projects')}
          table={table}
          query={projects}
          statuses={['active', 'terminating']}
          link={(ns) => withCluster(`/projects/${ns.metadata.name}/overview`, ns.cluster)}
          columns={[
            { title: t('Name'), sortKey: 'name', render: (ns) => displayName(ns) + (displayName(ns) !== ns.metadata.name ? ` (${ns.metadata.name})` : '') },
            ...clusterColumn,
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
            setChosen(undefined);
          }}
          onSubmit={async () => {
            await createProject(workspace, { name, displayName: title }, target);
            invalidate('namespaces');
            toast.success(target === hostCluster ? t('Project {{name}} is created.', { name }) : t('Project {{name}} is created on cluster {{cluster}}.', { name, cluster: target }));
          }}
          shownFields={targets.length > 1 ? ['metadata.name', 'spec.clusters'] : ['metadata.name']}
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
              {targets.length > 1 && (
                <FormGroup label={t('Cluster')} isRequired fieldId="project-cluster">
                  <FormSelect id="project-cluster" value={target} onChange={(_e, v) => setChosen(v)} validated={fieldError(err, 'spec.clusters') ? 'error' : 'default'} data-test="project-cluster-select">
                    {targets.map((c) => (
                      <FormSelectOption key={c} value={c} label={c} />
                    ))}
                  </FormSelect>
                  <FieldHelp rule={t('One of the clusters the workspace is placed on. The project stays on it.')} error={fieldError(err, 'spec.clusters')} test="project-cluster" />
                </FormGroup>
              )}
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
            await deleteProject(workspace, deleting.metadata.name, deleting.cluster);
            invalidate('namespaces');
            toast.success(t('Project {{name}} is being deleted.', { name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}

/** createTargets are the clusters offered for a new project: the workspace's, the host first; the host alone when there are none. */
export function createTargets(placed: string[] | undefined): string[] {
  if (!placed?.length) return [hostCluster];
  const members = placed.filter((c) => c !== hostCluster).sort();
  return placed.includes(hostCluster) ? [hostCluster, ...members] : members;
}
