import {
  Button,
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Flex,
  FormGroup,
  FormSection,
  Label,
  PageSection,
  Spinner,
  Stack,
  StackItem,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useCan, useProjectAccess } from '../../api/access';
import { useCluster } from '../../api/cluster';
import { fieldError } from '../../api/errors';
import { parseQuantity, quantityValue, type ResourceUnit } from '../../api/quantity';
import {
  limitRangeKind,
  projectLimitsName,
  projectQuotaName,
  quotasKey,
  resourceQuotaKind,
  saveLimitRange,
  saveResourceQuota,
  useLimitRanges,
  useResourceQuotas,
  type LimitRange,
  type ResourceQuota,
} from '../../api/quotas';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { UsageBar } from '../../components/monitoring/UsageBar';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { useToast } from '../../components/Toast';
import { YamlTab } from '../../components/YamlTab';
import {
  containerIndex,
  limitBounds,
  limitField,
  limitResources,
  limitsDraft,
  limitsEmpty,
  limitsProblems,
  quotaDraft,
  quotaField,
  quotaProblems,
  quotaResources,
  quotaUsage,
  toLimitRange,
  toQuota,
  type LimitBound,
  type LimitProblem,
  type LimitResource,
  type UsageRow,
} from './quotaForm';
import { QuotaFields } from './QuotaFields';
import { quantityMessage, resourceTitle, show } from './quotaText';

function boundTitle(bound: LimitBound, t: TFunction): string {
  switch (bound) {
    case 'min':
      return t('Minimum');
    case 'defaultRequest':
      return t('Default request');
    case 'default':
      return t('Default limit');
    case 'max':
      return t('Maximum');
  }
}

function limitResourceTitle(r: LimitResource, t: TFunction): string {
  return r === 'cpu' ? t('CPU') : t('Memory');
}

function limitMessage(p: LimitProblem, unit: ResourceUnit, t: TFunction): string {
  if (!('bound' in p)) return quantityMessage(p.kind, unit, t);
  if (p.kind === 'below') return t('Must not be below the minimum ({{value}}).', { value: p.value });
  if (p.bound === 'default') return t('Must not be above the default limit ({{value}}).', { value: p.value });
  return t('Must not be above the maximum ({{value}}).', { value: p.value });
}

/**
 * The Quotas page of a project: its ResourceQuotas with a bar per limit,
 * the project quota (project-quota) set or edited in a form, and its
 * default container limits (the Container entry of project-limits). Every
 * object can also be edited as YAML, reviewed as a server-side dry run
 * before it is applied.
 */
export default function QuotasPage() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('project');
  const access = useProjectAccess(namespace);
  const [canCreateQuota, canUpdateQuota, canListLimits, canCreateLimits, canUpdateLimits] = useCan([
    { verb: 'create', resource: 'resourcequotas', namespace },
    { verb: 'update', resource: 'resourcequotas', namespace },
    { verb: 'list', resource: 'limitranges', namespace },
    { verb: 'create', resource: 'limitranges', namespace },
    { verb: 'update', resource: 'limitranges', namespace },
  ]);
  if (!access.loaded) return <Loading />;
  if (!access.may('quotas')) return <NoAccess />;
  return (
    <>
      <PageHeader title={t('Quotas')} crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Quotas') }]} />
      <PageSection>
        <Stack hasGutter>
          <StackItem>
            <ProjectQuota namespace={namespace} canCreate={canCreateQuota} canUpdate={canUpdateQuota} />
          </StackItem>
          {canListLimits && (
            <StackItem>
              <DefaultLimits namespace={namespace} canCreate={canCreateLimits} canUpdate={canUpdateLimits} />
            </StackItem>
          )}
        </Stack>
      </PageSection>
    </>
  );
}

function ProjectQuota({ namespace, canCreate, canUpdate }: { namespace: string; canCreate: boolean; canUpdate: boolean }) {
  const { t } = useTranslation('project');
  const quotas = useResourceQuotas(namespace);
  const [editing, setEditing] = useState(false);
  const own = quotas.data?.find((q) => q.metadata.name === projectQuotaName);
  const may = own ? canUpdate : canCreate;
  return (
    <Card data-test="project-quota">
      <CardHeader
        actions={{
          actions:
            quotas.data && may ? (
              <Button variant="secondary" onClick={() => setEditing(true)} data-test="quota-edit">
                {own ? t('Edit quota') : t('Set a quota')}
              </Button>
            ) : null,
          hasNoOffset: true,
        }}
      >
        <CardTitle>
          <Title headingLevel="h2" size="lg">
            {t('Project quota')}
          </Title>
        </CardTitle>
      </CardHeader>
      <CardBody>
        <Stack hasGutter>
          <p>{t('What all the workloads of the project may request together, and how many objects of each kind it may hold. Kubernetes refuses a pod or an object that would go beyond it.')}</p>
          {quotas.error ? (
            <ErrorAlert error={quotas.error} onRetry={() => void quotas.refetch()} />
          ) : !quotas.data ? (
            <Spinner size="lg" aria-label={t('Loading')} />
          ) : quotas.data.length === 0 ? (
            <p data-test="quota-none">{t('This project has no quota: its workloads may use whatever the cluster has.')}</p>
          ) : (
            quotas.data.map((q) => <QuotaView key={q.metadata.name} namespace={namespace} quota={q} canEdit={canUpdate} />)
          )}
        </Stack>
      </CardBody>
      {editing && <QuotaForm namespace={namespace} quota={own} onClose={() => setEditing(false)} />}
    </Card>
  );
}

function QuotaView({ namespace, quota, canEdit }: { namespace: string; quota: ResourceQuota; canEdit: boolean }) {
  const { t, i18n } = useTranslation('project');
  const [yaml, setYaml] = useState(false);
  const name = quota.metadata.name;
  const rows = quotaUsage(quota);
  const scopes = quota.spec?.scopes ?? [];
  return (
    <section data-test={`quota-${name}`} aria-label={name}>
      <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }} alignItems={{ default: 'alignItemsCenter' }}>
        <Title headingLevel="h3" size="md">
          {name}{' '}
          {name === projectQuotaName && (
            <Label isCompact color="blue">
              {t('Project quota')}
            </Label>
          )}
        </Title>
        <Button variant="link" onClick={() => setYaml(!yaml)} data-test={`quota-yaml-${name}`} aria-expanded={yaml}>
          {yaml ? t('Hide YAML') : canEdit ? t('Edit YAML') : t('View YAML')}
        </Button>
      </Flex>
      {scopes.length > 0 && <p data-test="quota-scopes">{t('Counts only: {{scopes}}', { scopes: scopes.join(', ') })}</p>}
      {rows.length === 0 ? (
        <p>{t('This quota sets no limits.')}</p>
      ) : (
        <Stack hasGutter className="pf-v6-u-mt-sm">
          {rows.map((r) => (
            <UsageRowView key={r.resource} row={r} lang={i18n.language} t={t} />
          ))}
        </Stack>
      )}
      {yaml && (
        <div className="pf-v6-u-mt-md">
          <YamlTab kind={resourceQuotaKind} namespace={namespace} name={name} canEdit={canEdit} />
        </div>
      )}
    </section>
  );
}

function UsageRowView({ row, lang, t }: { row: UsageRow; lang: string; t: TFunction }) {
  const decimal = row.format !== 'BinarySI';
  return (
    <div data-test={`quota-row-${row.resource}`} data-over={row.over}>
      <UsageBar
        title={resourceTitle(row.resource, t)}
        used={row.used}
        total={row.hard}
        unit={row.unit}
        test={`quota-${row.resource}`}
        format={(v) => show(v, row.unit, t, lang, decimal)}
      />
      {row.over && (
        <Label color="red" isCompact data-test="quota-over">
          {t('Over the quota: new objects are refused until the use falls')}
        </Label>
      )}
    </div>
  );
}

function QuotaForm({ namespace, quota, onClose }: { namespace: string; quota: ResourceQuota | undefined; onClose: () => void }) {
  const { t } = useTranslation('project');
  const cluster = useCluster();
  const client = useQueryClient();
  const toast = useToast();
  const [draft, setDraft] = useState(() => quotaDraft(quota));
  const problems = quotaProblems(draft);
  const empty = quotaResources.every((r) => draft[r].trim() === '');
  const submit = async () => {
    await saveResourceQuota(toQuota(draft, namespace, quota), !!quota, cluster);
    void client.invalidateQueries({ queryKey: quotasKey(resourceQuotaKind, namespace) });
    void client.invalidateQueries({ queryKey: ['object', resourceQuotaKind.resource] });
    toast.success(quota ? t('Quota saved.') : t('Quota set.'), t('Kubernetes applies the project quota {{name}} to new pods and objects.', { name: projectQuotaName }));
  };
  return (
    <FormModal
      title={quota ? t('Edit the project quota') : t('Set a project quota')}
      test="quota-form"
      submitLabel={t('Save')}
      canSubmit={Object.keys(problems).length === 0 && (!!quota || !empty)}
      onSubmit={submit}
      onClose={onClose}
      shownFields={quotaResources.map(quotaField)}
    >
      {(described) => <QuotaFields draft={draft} onChange={setDraft} quota={quota} described={described} />}
    </FormModal>
  );
}

function DefaultLimits({ namespace, canCreate, canUpdate }: { namespace: string; canCreate: boolean; canUpdate: boolean }) {
  const { t } = useTranslation('project');
  const ranges = useLimitRanges(namespace);
  const [editing, setEditing] = useState(false);
  const own = ranges.data?.find((l) => l.metadata.name === projectLimitsName);
  const may = own ? canUpdate : canCreate;
  return (
    <Card data-test="default-limits">
      <CardHeader
        actions={{
          actions:
            ranges.data && may ? (
              <Button variant="secondary" onClick={() => setEditing(true)} data-test="limits-edit">
                {own ? t('Edit default limits') : t('Set default limits')}
              </Button>
            ) : null,
          hasNoOffset: true,
        }}
      >
        <CardTitle>
          <Title headingLevel="h2" size="lg">
            {t('Default container limits')}
          </Title>
        </CardTitle>
      </CardHeader>
      <CardBody>
        <Stack hasGutter>
          <p>{t('What a container gets when it states no CPU or memory requests and limits of its own, and the least and the most it may state.')}</p>
          {ranges.error ? (
            <ErrorAlert error={ranges.error} onRetry={() => void ranges.refetch()} />
          ) : !ranges.data ? (
            <Spinner size="lg" aria-label={t('Loading')} />
          ) : ranges.data.length === 0 ? (
            <p data-test="limits-none">{t('This project has no default limits: a container that states none gets none.')}</p>
          ) : (
            ranges.data.map((l) => <LimitsView key={l.metadata.name} namespace={namespace} range={l} canEdit={canUpdate} />)
          )}
        </Stack>
      </CardBody>
      {editing && <LimitsForm namespace={namespace} range={own} onClose={() => setEditing(false)} />}
    </Card>
  );
}

function LimitsView({ namespace, range, canEdit }: { namespace: string; range: LimitRange; canEdit: boolean }) {
  const { t, i18n } = useTranslation('project');
  const [yaml, setYaml] = useState(false);
  const name = range.metadata.name;
  const item = range.spec?.limits?.[containerIndex(range)];
  const others = (range.spec?.limits ?? []).filter((x) => x.type !== 'Container').map((x) => x.type);
  const cell = (b: LimitBound, r: LimitResource) => {
    const v = item?.[b]?.[r];
    if (v === undefined) return '–';
    const q = parseQuantity(v);
    return q ? show(quantityValue(q), r === 'cpu' ? 'cores' : 'bytes', t, i18n.language, q.format !== 'BinarySI') : v;
  };
  return (
    <section data-test={`limits-${name}`} aria-label={name}>
      <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }} alignItems={{ default: 'alignItemsCenter' }}>
        <Title headingLevel="h3" size="md">
          {name}
        </Title>
        <Button variant="link" onClick={() => setYaml(!yaml)} data-test={`limits-yaml-${name}`} aria-expanded={yaml}>
          {yaml ? t('Hide YAML') : canEdit ? t('Edit YAML') : t('View YAML')}
        </Button>
      </Flex>
      {item ? (
        <Table aria-label={t('Default container limits')} variant="compact" data-test="limits-table">
          <Thead>
            <Tr>
              <Th>{t('Resource')}</Th>
              {limitBounds.map((b) => (
                <Th key={b}>{boundTitle(b, t)}</Th>
              ))}
            </Tr>
          </Thead>
          <Tbody>
            {limitResources.map((r) => (
              <Tr key={r} data-test={`limits-row-${r}`}>
                <Td dataLabel={t('Resource')}>{limitResourceTitle(r, t)}</Td>
                {limitBounds.map((b) => (
                  <Td key={b} dataLabel={boundTitle(b, t)} data-test={`limits-cell-${b}-${r}`}>
                    {cell(b, r)}
                  </Td>
                ))}
              </Tr>
            ))}
          </Tbody>
        </Table>
      ) : (
        <p>{t('No limits for containers here.')}</p>
      )}
      {others.length > 0 && <p>{t('Also limits: {{types}} (in the YAML).', { types: others.join(', ') })}</p>}
      {yaml && (
        <div className="pf-v6-u-mt-md">
          <YamlTab kind={limitRangeKind} namespace={namespace} name={name} canEdit={canEdit} />
        </div>
      )}
    </section>
  );
}

function LimitsForm({ namespace, range, onClose }: { namespace: string; range: LimitRange | undefined; onClose: () => void }) {
  const { t } = useTranslation('project');
  const cluster = useCluster();
  const client = useQueryClient();
  const toast = useToast();
  const [draft, setDraft] = useState(() => limitsDraft(range));
  const problems = limitsProblems(draft);
  const { index } = toLimitRange(draft, namespace, range);
  const submit = async () => {
    await saveLimitRange(toLimitRange(draft, namespace, range).object, !!range, cluster);
    void client.invalidateQueries({ queryKey: quotasKey(limitRangeKind, namespace) });
    void client.invalidateQueries({ queryKey: ['object', limitRangeKind.resource] });
    toast.success(range ? t('Default limits saved.') : t('Default limits set.'), t('Kubernetes applies them to containers created from now on.'));
  };
  const set = (b: LimitBound, r: LimitResource, v: string) => setDraft({ ...draft, [b]: { ...draft[b], [r]: v } });
  return (
    <FormModal
      title={range ? t('Edit the default container limits') : t('Set default container limits')}
      test="limits-form"
      submitLabel={t('Save')}
      canSubmit={Object.keys(problems).length === 0 && (!!range || !limitsEmpty(draft))}
      onSubmit={submit}
      onClose={onClose}
      shownFields={limitBounds.flatMap((b) => limitResources.map((r) => limitField(index, b, r)))}
    >
      {(described) => (
        <>
          <p>{t('A container’s request must lie between the minimum and the maximum, and its limit too; the default request must not be above the default limit. Empty fields set nothing.')}</p>
          {limitResources.map((r) => {
            const unit = r === 'cpu' ? 'cores' : 'bytes';
            return (
              <FormSection key={r} title={limitResourceTitle(r, t)} titleElement="h3">
                {limitBounds.map((b) => {
                  const id = `limits-${b}-${r}`;
                  const p = problems[`${b}.${r}`];
                  const error = (p ? limitMessage(p, unit, t) : undefined) ?? fieldError(described, limitField(index, b, r));
                  return (
                    <FormGroup key={b} label={boundTitle(b, t)} fieldId={id}>
                      <TextInput id={id} value={draft[b][r]} onChange={(_e, v) => set(b, r, v)} validated={error ? 'error' : 'default'} data-test={id} />
                      <FieldHelp rule={unit === 'cores' ? t('Cores, such as 2 or 500m.') : t('An amount such as 512Mi or 4Gi.')} error={error} test={id} />
                    </FormGroup>
                  );
                })}
              </FormSection>
            );
          })}
        </>
      )}
    </FormModal>
  );
}
