import { Alert, Button, Card, CardBody, CardHeader, CardTitle, EmptyState, EmptyStateBody, Flex, FlexItem, Label, PageSection, Spinner, Stack, StackItem, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useCan, useWorkspaceAccess } from '../../api/access';
import { quotaGroup, deleteWorkspaceQuota, saveWorkspaceQuota, useWorkspaceQuotas, workspaceQuotaKind, workspaceQuotasKey, type WorkspaceQuota } from '../../api/workspaceQuotas';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FormModal } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { UsageBar } from '../../components/monitoring/UsageBar';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { useToast } from '../../components/Toast';
import { YamlTab } from '../../components/YamlTab';
import { QuotaFields } from '../project/QuotaFields';
import { quotaDraft, quotaField, quotaProblems, quotaResources, quotaUsage, type UsageRow } from '../project/quotaForm';
import { resourceTitle, show } from '../project/quotaText';
import { exceeded, projectShares, toWorkspaceQuota } from './workspaceQuota';

/**
 * The Quotas page of a workspace: its quota.superkube.io ResourceQuotas
 * (what all its projects may use together), each with a bar per limit, the
 * Exceeded flag, and the use of each project. Platform administrators (who
 * may create and update the resource) set and edit a quota in a form or as
 * YAML, reviewed as a server-side dry run, and delete it.
 */
export default function WorkspaceQuotasPage() {
  const { workspace = '' } = useParams();
  const { t } = useTranslation('workspace');
  const access = useWorkspaceAccess(workspace);
  // Quotas are written as the cluster-scoped custom resource: asked at the platform's level.
  const [canCreate, canUpdate, canDelete] = useCan([
    { verb: 'create', group: quotaGroup, resource: 'resourcequotas' },
    { verb: 'update', group: quotaGroup, resource: 'resourcequotas' },
    { verb: 'delete', group: quotaGroup, resource: 'resourcequotas' },
  ]);
  const may = access.may('quotas');
  const quotas = useWorkspaceQuotas(workspace, may);
  const [editing, setEditing] = useState<{ quota?: WorkspaceQuota }>();
  if (!access.loaded) return <Loading />;
  if (!may) return <NoAccess />;
  const sorted = [...(quotas.data ?? [])].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return (
    <>
      <PageHeader
        title={t('Quotas')}
        crumbs={[{ title: workspace, to: `/workspaces/${workspace}/overview` }, { title: t('Quotas') }]}
        actions={
          quotas.data &&
          quotas.data.length === 0 &&
          canCreate && (
            <Button onClick={() => setEditing({})} data-test="ws-quota-create">
              {t('Set a workspace quota')}
            </Button>
          )
        }
      />
      <PageSection>
        <Stack hasGutter>
          <StackItem>
            <p>{t('What all the projects of the workspace may use together, on every cluster. A pod or an object that would go beyond it is refused when it is created.')}</p>
          </StackItem>
          {quotas.error ? (
            <ErrorAlert error={quotas.error} onRetry={() => void quotas.refetch()} />
          ) : !quotas.data ? (
            <Spinner size="lg" aria-label={t('Loading')} />
          ) : sorted.length === 0 ? (
            <EmptyState titleText={t('No workspace quota')} headingLevel="h2" data-test="ws-quota-none">
              <EmptyStateBody>
                {t('The projects of this workspace may use whatever their clusters have, within their own project quotas. A platform administrator sets workspace quotas.')}
              </EmptyStateBody>
            </EmptyState>
          ) : (
            sorted.map((q) => (
              <StackItem key={q.metadata.name}>
                <QuotaCard quota={q} workspace={workspace} canUpdate={canUpdate} canDelete={canDelete} onEdit={() => setEditing({ quota: q })} />
              </StackItem>
            ))
          )}
        </Stack>
      </PageSection>
      {editing && <WorkspaceQuotaForm workspace={workspace} quota={editing.quota} onClose={() => setEditing(undefined)} />}
    </>
  );
}

function QuotaCard({ quota, workspace, canUpdate, canDelete, onEdit }: { quota: WorkspaceQuota; workspace: string; canUpdate: boolean; canDelete: boolean; onEdit: () => void }) {
  const { t, i18n } = useTranslation('workspace');
  const client = useQueryClient();
  const toast = useToast();
  const [yaml, setYaml] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const name = quota.metadata.name;
  const rows = quotaUsage(quota);
  const over = exceeded(quota);
  const pending = quota.status?.pending?.length ?? 0;
  return (
    <Card data-test={`ws-quota-${name}`}>
      <CardHeader
        actions={{
          actions: (
            <Flex>
              {canUpdate && (
                <FlexItem>
                  <Button variant="secondary" onClick={onEdit} data-test="ws-quota-edit">
                    {t('Edit quota')}
                  </Button>
                </FlexItem>
              )}
              {canUpdate && (
                <FlexItem>
                  <Button variant="link" onClick={() => setYaml(!yaml)} aria-expanded={yaml} data-test="ws-quota-yaml">
                    {yaml ? t('Hide YAML') : t('Edit YAML')}
                  </Button>
                </FlexItem>
              )}
              {canDelete && (
                <FlexItem>
                  <Button variant="link" isDanger onClick={() => setDeleting(true)} data-test="ws-quota-delete">
                    {t('Delete')}
                  </Button>
                </FlexItem>
              )}
            </Flex>
          ),
          hasNoOffset: true,
        }}
      >
        <CardTitle>
          <Title headingLevel="h2" size="lg">
            {name}{' '}
            {over && (
              <Label color="red" isCompact data-test="ws-quota-exceeded-label">
                {t('Exceeded')}
              </Label>
            )}
          </Title>
        </CardTitle>
      </CardHeader>
      <CardBody>
        <Stack hasGutter>
          {over && (
            <Alert variant="danger" isInline title={t('The workspace uses more than this quota allows: new pods and objects are refused until the use falls.')} data-test="ws-quota-exceeded">
              {over.message && <p data-test="ws-quota-exceeded-message">{over.message}</p>}
            </Alert>
          )}
          {rows.length === 0 ? (
            <p>{t('This quota sets no limits.')}</p>
          ) : (
            rows.map((r) => <TotalRow key={r.resource} row={r} t={t} lang={i18n.language} />)
          )}
          {pending > 0 && <p data-test="ws-quota-pending">{t('{{count}} creates admitted and not yet seen by the quota are counted too.', { count: pending })}</p>}
          <Title headingLevel="h3" size="md">
            {t('Use by project')}
          </Title>
          <ProjectTable quota={quota} rows={rows} t={t} lang={i18n.language} />
          {yaml && <YamlTab kind={workspaceQuotaKind} name={name} canEdit={canUpdate} />}
        </Stack>
      </CardBody>
      {deleting && (
        <ConfirmDelete
          kind={t('workspace quota')}
          name={name}
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await deleteWorkspaceQuota(name);
            void client.invalidateQueries({ queryKey: workspaceQuotasKey(workspace) });
            toast.success(t('Quota deleted.'), t('The projects of {{workspace}} are no longer held to {{name}}.', { workspace, name }));
          }}
        />
      )}
    </Card>
  );
}

function TotalRow({ row, t, lang }: { row: UsageRow; t: TFunction; lang: string }) {
  const decimal = row.format !== 'BinarySI';
  return (
    <div data-test={`ws-quota-row-${row.resource}`} data-over={row.over}>
      <UsageBar title={resourceTitle(row.resource, t)} used={row.used} total={row.hard} unit={row.unit} test={`ws-quota-${row.resource}`} format={(v) => show(v, row.unit, t, lang, decimal)} />
      {row.over && (
        <Label color="red" isCompact data-test="ws-quota-over">
          {t('Over the quota: new objects are refused until the use falls')}
        </Label>
      )}
    </div>
  );
}

/** ProjectTable is each project's use of each limit of the quota, with its share of the limit. */
function ProjectTable({ quota, rows, t, lang }: { quota: WorkspaceQuota; rows: UsageRow[]; t: TFunction; lang: string }) {
  const shares = projectShares(quota, rows);
  if (shares.length === 0) return <p data-test="ws-quota-no-projects">{t('No project of the workspace uses any of it yet.')}</p>;
  const percent = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 });
  return (
    <Table aria-label={t('Use by project')} variant="compact" data-test="ws-quota-projects">
      <Thead>
        <Tr>
          <Th>{t('Project')}</Th>
          {rows.map((r) => (
            <Th key={r.resource}>{resourceTitle(r.resource, t)}</Th>
          ))}
        </Tr>
      </Thead>
      <Tbody>
        {shares.map((p) => (
          <Tr key={`${p.cluster ?? ''}/${p.namespace}`} data-test={`ws-quota-project-${p.cluster ? `${p.cluster}-` : ''}${p.namespace}`}>
            <Td dataLabel={t('Project')}>
              <Link to={`/projects/${p.namespace}/overview${p.cluster ? `?cluster=${encodeURIComponent(p.cluster)}` : ''}`} data-test={`ws-quota-link-${p.namespace}`}>
                {p.namespace}
              </Link>
              {p.cluster && (
                <>
                  {' '}
                  <Label isCompact data-test={`ws-quota-cluster-${p.namespace}`}>
                    {p.cluster}
                  </Label>
                </>
              )}
            </Td>
            {rows.map((r) => {
              const c = p.cells[r.resource];
              return (
                <Td key={r.resource} dataLabel={resourceTitle(r.resource, t)} data-test={`ws-quota-cell-${p.namespace}-${r.resource}`}>
                  {show(c.used, r.unit, t, lang, r.format !== 'BinarySI')}
                  {c.share !== null && ` (${percent.format(c.share)})`}
                </Td>
              );
            })}
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

function WorkspaceQuotaForm({ workspace, quota, onClose }: { workspace: string; quota: WorkspaceQuota | undefined; onClose: () => void }) {
  const { t } = useTranslation('workspace');
  const client = useQueryClient();
  const toast = useToast();
  const [draft, setDraft] = useState(() => quotaDraft(quota));
  const problems = quotaProblems(draft);
  const object = toWorkspaceQuota(draft, workspace, quota);
  const submit = async () => {
    await saveWorkspaceQuota(object, !!quota);
    void client.invalidateQueries({ queryKey: workspaceQuotasKey(workspace) });
    void client.invalidateQueries({ queryKey: ['object', workspaceQuotaKind.resource] });
    toast.success(quota ? t('Quota saved.') : t('Quota set.'), t('The workspace quota {{name}} applies to pods and objects created from now on.', { name: object.metadata.name }));
  };
  return (
    <FormModal
      title={quota ? t('Edit the workspace quota {{name}}', { name: quota.metadata.name }) : t('Set a workspace quota')}
      test="ws-quota-form"
      submitLabel={t('Save')}
      // The resource needs at least one limit (the CRD's minProperties).
      canSubmit={Object.keys(problems).length === 0 && Object.keys(object.spec.hard).length > 0}
      onSubmit={submit}
      onClose={onClose}
      shownFields={quotaResources.map(quotaField)}
    >
      {(described) => (
        <>
          <p>{t('What all the projects of {{workspace}} may use together. At least one limit.', { workspace })}</p>
          <QuotaFields draft={draft} onChange={setDraft} quota={quota} described={described} />
        </>
      )}
    </FormModal>
  );
}
