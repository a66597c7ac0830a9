import { Button, ExpandableSection, FormGroup, Label, FormSelect, FormSelectOption, Grid, GridItem, PageSection, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useProjectAccess } from '../../api/access';
import type { DescribedError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { createServicePolicy, deleteServicePolicy, loadBalancerTypes, updateServicePolicy, useMeshServices, useServicePolicies, type ServicePolicy } from '../../api/servicemesh';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';
import { policyProblemText, ReadyCondition, useMeshCan } from './parts';
import { emptyPolicy, fieldPaths, inputOf, policyProblems, toPolicyDraft, toPolicySpec, type PolicyDraft } from './policyForm';

/** policySummary says a policy in a line: what it sets. */
function usePolicySummary() {
  const { t } = useTranslation('servicemesh');
  return (p: ServicePolicy): string => {
    const parts: string[] = [];
    const s = p.spec;
    if (s.connectionPool) parts.push(t('connection pool'));
    if (s.outlierDetection) parts.push(t('outlier detection'));
    if (s.loadBalancer) parts.push(s.loadBalancer.simple ?? t('consistent hash'));
    if (s.retries) parts.push(t('{{count}} retries', { count: s.retries.attempts }));
    if (s.timeout) parts.push(t('timeout {{timeout}}', { timeout: s.timeout }));
    return parts.join(', ') || '-';
  };
}

/** The service policies of a project: circuit breaking, load balancing, retries and timeout per service. */
export default function ServicePolicies() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('servicemesh');
  const access = useProjectAccess(namespace);
  const allowed = access.may('servicepolicies');
  const can = useMeshCan(namespace);
  const invalidate = useInvalidate();
  const toast = useToast();
  const summary = usePolicySummary();
  const table = useTableState();
  const policies = useServicePolicies(namespace, table.params, allowed);
  const [editing, setEditing] = useState<ServicePolicy | 'new'>();
  const [deleting, setDeleting] = useState<ServicePolicy>();
  if (access.loaded && !allowed) return <NoAccess />;
  const create = (test: string) =>
    can.createPolicy && (
      <Button onClick={() => setEditing('new')} data-test={test}>
        {t('Create service policy')}
      </Button>
    );
  return (
    <>
      <PageHeader title={t('Service policies')} crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Service policies') }]} actions={create('create-policy')} />
      <PageSection>
        <ResourceTable<ServicePolicy>
          id="servicepolicies"
          ariaLabel={t('Service policies')}
          table={table}
          query={policies}
          columns={[
            { title: t('Name'), sortKey: 'name', render: (p) => <span data-test="policy-name">{p.metadata.name}</span> },
            { title: t('Service'), render: (p) => <span data-test="policy-service">{p.spec.service}</span> },
            { title: t('Settings'), render: (p) => <span data-test="policy-summary">{summary(p)}</span> },
            {
              title: t('State'),
              render: (p) =>
                p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? (
                  <Label isCompact color="green" data-test="policy-applied">
                    {t('Applied')}
                  </Label>
                ) : (
                  <ReadyCondition conditions={p.status?.conditions} field={p.status?.field} />
                ),
            },
            { title: t('Created'), sortKey: 'createTime', render: (p) => <Time ts={p.metadata.creationTimestamp} />, hideBelow: 'xl' },
          ]}
          actions={(p) => [
            ...(can.updatePolicy ? [{ title: t('Edit'), onClick: () => setEditing(p) }] : []),
            ...(can.deletePolicy ? [{ title: t('Delete'), isDanger: true, onClick: () => setDeleting(p) }] : []),
          ]}
          emptyTitle={t('No service policies yet')}
          emptyText={t('A service policy sets circuit breaking (connection limits, ejecting failing pods), load balancing, retries and a timeout for the requests to a service.')}
          emptyAction={create('create-first-policy') || undefined}
        />
      </PageSection>
      {editing && <PolicyForm namespace={namespace} current={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)} onSaved={() => invalidate('servicepolicies')} />}
      {deleting && (
        <ConfirmDelete
          kind={t('service policy')}
          name={deleting.metadata.name}
          onConfirm={async () => {
            await deleteServicePolicy(namespace, deleting.metadata.name);
            invalidate('servicepolicies');
            toast.success(t('Service policy {{name}} is deleted.', { name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}

type Input = keyof PolicyDraft;

/** Section is a part of the form, open at first when it holds a value, and opened when one of its inputs is wrong. */
function Section({ title, test, fields, draft, err, children }: { title: string; test: string; fields: Input[]; draft: PolicyDraft; err: (f: Input) => string | undefined; children: React.ReactNode }) {
  const [open, setOpen] = useState(() => fields.some((f) => draft[f] !== ''));
  const wrong = fields.some((f) => err(f));
  return (
    <ExpandableSection toggleText={title} isIndented isExpanded={open || wrong} onToggle={(_e, v) => setOpen(v)} data-test={test}>
      {children}
    </ExpandableSection>
  );
}

/**
 * PolicyForm creates or edits a service policy. Each input says its rule
 * when it is wrong before anything is sent, and the server's objection
 * (a 422 naming spec.retries.retryOn, say) under the same input.
 */
export function PolicyForm({ namespace, current, onClose, onSaved }: { namespace: string; current?: ServicePolicy; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation('servicemesh');
  const toast = useToast();
  const services = useMeshServices(namespace);
  const [draft, setDraft] = useState<PolicyDraft>(() => (current ? toPolicyDraft(current) : emptyPolicy()));
  const [touched, setTouched] = useState(false);
  const problems = policyProblems(draft);
  const set = (p: Partial<PolicyDraft>) => setDraft((d) => ({ ...d, ...p }));
  const serverFields = (d: DescribedError | undefined): Partial<Record<Input, string>> => {
    const out: Partial<Record<Input, string>> = {};
    for (const [path, msgs] of Object.entries(d?.fields ?? {})) {
      const input = inputOf(path);
      if (input) out[input] = [out[input], ...msgs].filter(Boolean).join(' ');
    }
    return out;
  };
  const submit = async () => {
    setTouched(true);
    if (Object.keys(problems).length > 0) throw new Error(t('Correct the marked fields.'));
    const spec = toPolicySpec(draft);
    if (current) await updateServicePolicy(namespace, { ...current, spec });
    else await createServicePolicy(namespace, { apiVersion: 'servicemesh.superkube.io/v1alpha2', kind: 'ServicePolicy', metadata: { name: draft.name, namespace }, spec });
    onSaved();
    toast.success(current ? t('Service policy {{name}} is saved.', { name: draft.name }) : t('Service policy {{name}} is created.', { name: draft.name }));
  };
  const shown = ['metadata.name', ...Object.values(fieldPaths)];
  return (
    <FormModal title={current ? t('Edit service policy {{name}}', { name: current.metadata.name }) : t('Create service policy')} test="policy-form" submitLabel={current ? t('Save') : t('Create')} canSubmit onSubmit={submit} onClose={onClose} shownFields={shown}>
      {(described) => {
        const server = serverFields(described);
        const err = (f: Input) => (touched ? policyProblemText(problems[f], t) : undefined) ?? server[f];
        const text = (f: Input, label: string, placeholder?: string, rule?: string) => (
          <FormGroup label={label} fieldId={`policy-${f}`}>
            <TextInput id={`policy-${f}`} value={draft[f]} onChange={(_e, v) => set({ [f]: v })} placeholder={placeholder} validated={err(f) ? 'error' : 'default'} data-test={`policy-${f}`} />
            <FieldHelp error={err(f)} rule={rule} test={`policy-${f}`} />
          </FormGroup>
        );
        return (
          <>
            <FormGroup label={t('Name')} fieldId="policy-name" isRequired>
              <TextInput id="policy-name" value={draft.name} onChange={(_e, v) => set({ name: v })} readOnlyVariant={current ? 'default' : undefined} validated={err('name') ? 'error' : 'default'} data-test="policy-name" />
              <FieldHelp error={err('name')} test="policy-name" />
            </FormGroup>
            <FormGroup label={t('Service')} fieldId="policy-service" isRequired>
              <FormSelect id="policy-service" value={draft.service} isDisabled={!!current} onChange={(_e, v) => set({ service: v, name: draft.name || v })} validated={err('service') ? 'error' : 'default'} data-test="policy-service">
                <FormSelectOption value="" label={t('Choose a service')} isPlaceholder />
                {current && <FormSelectOption value={current.spec.service} label={current.spec.service} />}
                {(services.data?.items ?? [])
                  .filter((s) => s.name !== current?.spec.service)
                  .map((s) => (
                    <FormSelectOption key={s.name} value={s.name} label={s.policy ? t('{{name}} (has policy {{policy}})', { name: s.name, policy: s.policy }) : s.name} isDisabled={!!s.policy} />
                  ))}
              </FormSelect>
              <FieldHelp error={err('service')} />
            </FormGroup>
            <Section title={t('Circuit breaking: connection pool')} test="section-pool" fields={['maxConnections', 'connectTimeout', 'http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries']} draft={draft} err={err}>
              <Grid hasGutter md={6}>
                <GridItem>{text('maxConnections', t('Max connections per pod'), '100')}</GridItem>
                <GridItem>{text('connectTimeout', t('Connect timeout'), '250ms')}</GridItem>
                <GridItem>{text('http1MaxPendingRequests', t('Max pending requests'), '1024')}</GridItem>
                <GridItem>{text('http2MaxRequests', t('Max active requests'), '1024')}</GridItem>
                <GridItem>{text('maxRequestsPerConnection', t('Max requests per connection'), '', t('1 turns keep-alive off.'))}</GridItem>
                <GridItem>{text('maxRetries', t('Max outstanding retries'), '3')}</GridItem>
              </Grid>
            </Section>
            <Section title={t('Circuit breaking: outlier detection')} test="section-outlier" fields={['consecutive5xxErrors', 'interval', 'baseEjectionTime', 'maxEjectionPercent']} draft={draft} err={err}>
              <Grid hasGutter md={6}>
                <GridItem>{text('consecutive5xxErrors', t('Consecutive 5xx errors'), '5', t('A pod is ejected after this many errors in a row.'))}</GridItem>
                <GridItem>{text('interval', t('Sweep interval'), '10s')}</GridItem>
                <GridItem>{text('baseEjectionTime', t('Base ejection time'), '30s')}</GridItem>
                <GridItem>{text('maxEjectionPercent', t('Max ejected pods (%)'), '10')}</GridItem>
              </Grid>
            </Section>
            <Section title={t('Load balancing')} test="section-lb" fields={['loadBalancer', 'hashHeader', 'hashCookie', 'hashCookieTTL']} draft={draft} err={err}>
              <FormGroup label={t('Algorithm')} fieldId="policy-loadBalancer">
                <FormSelect id="policy-loadBalancer" value={draft.loadBalancer} onChange={(_e, v) => set({ loadBalancer: v as PolicyDraft['loadBalancer'] })} validated={err('loadBalancer') ? 'error' : 'default'} data-test="policy-loadBalancer">
                  <FormSelectOption value="" label={t('The mesh’s default')} />
                  {loadBalancerTypes.map((l) => (
                    <FormSelectOption key={l} value={l} label={l} />
                  ))}
                  <FormSelectOption value="header" label={t('Same pod per header value')} />
                  <FormSelectOption value="cookie" label={t('Same pod per cookie')} />
                  <FormSelectOption value="sourceIP" label={t('Same pod per client address')} />
                </FormSelect>
                <FieldHelp error={err('loadBalancer')} />
              </FormGroup>
              {draft.loadBalancer === 'header' && text('hashHeader', t('Header'), 'x-user')}
              {draft.loadBalancer === 'cookie' && (
                <>
                  {text('hashCookie', t('Cookie'), 'session')}
                  {text('hashCookieTTL', t('Cookie lifetime'), '1h')}
                </>
              )}
            </Section>
            <Section title={t('Retries and timeout')} test="section-retries" fields={['attempts', 'perTryTimeout', 'retryOn', 'timeout']} draft={draft} err={err}>
              <Grid hasGutter md={6}>
                <GridItem>{text('attempts', t('Retry attempts'), '3')}</GridItem>
                <GridItem>{text('perTryTimeout', t('Timeout per try'), '2s')}</GridItem>
                <GridItem span={12}>{text('retryOn', t('Retry on'), '5xx,connect-failure,reset')}</GridItem>
                <GridItem>{text('timeout', t('Request timeout'), '10s', t('Retries included.'))}</GridItem>
              </Grid>
            </Section>
          </>
        );
      }}
    </FormModal>
  );
}
