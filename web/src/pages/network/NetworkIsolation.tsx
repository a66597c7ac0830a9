import {
  ActionGroup,
  Alert,
  Button,
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Flex,
  FlexItem,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Label,
  PageSection,
  Spinner,
  Stack,
  StackItem,
  Switch,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { MinusCircleIcon, PlusCircleIcon } from '@patternfly/react-icons';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { TFunction } from 'i18next';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useCan, useProjectAccess } from '../../api/access';
import { useCluster } from '../../api/cluster';
import { describeError, fieldError, type DescribedError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import {
  isolationQueryKey,
  networkGroup,
  networkIsolationKind,
  networkPolicyKind,
  saveNetworkIsolation,
  setIsolationEnabled,
  useGeneratedPolicies,
  useNetworkIsolation,
  type AllowedSource,
  type NetworkIsolation,
  type NetworkPolicy,
  type Protocol,
} from '../../api/network';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { useToast } from '../../components/Toast';
import { YamlTab } from '../../components/YamlTab';
import { emptySource, isolationState, protocols, sourcePath, sourceProblems, toDraft, toSources, type SourceDraft, type SourceProblem } from './isolationForm';

function problemMessage(p: SourceProblem, t: TFunction): string {
  switch (p) {
    case 'empty':
      return t('Name at least one namespace, workspace, CIDR or port.');
    case 'name':
      return t('Names are lower-case letters, digits and hyphens (-), starting and ending with a letter or digit.');
    case 'cidr':
      return t('Enter a CIDR such as 10.0.0.0/8 or fd00::/8.');
    case 'except':
      return t('Each except entry is a CIDR such as 10.1.0.0/16.');
    case 'outside':
      return t('Every except entry must lie inside the CIDR.');
    case 'port':
      return t('Enter a port number from 1 to 65535.');
    case 'tooMany':
      return t('Too many entries.');
  }
}

/**
 * The Network isolation page of a project: the switch that isolates it
 * (only the project itself, the platform's system namespaces and the
 * allowed sources may connect to its pods), the allowed sources
 * (namespaces, workspaces, CIDRs with their excepts, ports), the network
 * policies ke-controller-manager generated, read only, and the
 * NetworkIsolation's YAML with the review diff. Only those who may edit it
 * see the controls.
 */
export default function NetworkIsolationPage() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('network');
  const access = useProjectAccess(namespace);
  const [canCreate, canUpdate, canListPolicies] = useCan([
    { verb: 'create', group: networkGroup, resource: 'networkisolations', namespace },
    { verb: 'update', group: networkGroup, resource: 'networkisolations', namespace },
    { verb: 'list', group: networkPolicyKind.group, resource: networkPolicyKind.resource, namespace },
  ]);
  const allowed = access.may('network-isolation');
  const iso = useNetworkIsolation(namespace, allowed);
  if (!access.loaded) return <Loading />;
  if (!allowed) return <NoAccess />;
  const current = iso.data ?? null;
  const canEdit = current ? canUpdate : canCreate;
  return (
    <>
      <PageHeader title={t('Network isolation')} crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Network isolation') }]} />
      <PageSection>
        {iso.error ? (
          <ErrorAlert error={iso.error} onRetry={() => void iso.refetch()} />
        ) : iso.data === undefined ? (
          <Spinner size="lg" aria-label={t('Loading')} />
        ) : (
          <Stack hasGutter>
            <StackItem>
              <IsolationSwitch namespace={namespace} current={current} canEdit={canEdit} />
            </StackItem>
            <StackItem>
              <AllowedSources namespace={namespace} current={current} canEdit={canEdit} />
            </StackItem>
            {canListPolicies && (
              <StackItem>
                <GeneratedPolicies namespace={namespace} />
              </StackItem>
            )}
            {current && (
              <StackItem>
                <IsolationYaml namespace={namespace} canEdit={canUpdate} />
              </StackItem>
            )}
          </Stack>
        )}
      </PageSection>
    </>
  );
}

function IsolationSwitch({ namespace, current, canEdit }: { namespace: string; current: NetworkIsolation | null; canEdit: boolean }) {
  const { t } = useTranslation('network');
  const cluster = useCluster();
  const invalidate = useInvalidate();
  const toast = useToast();
  const client = useQueryClient();
  // The position asked for while it is being saved, so that the switch moves at once.
  const [pending, setPending] = useState<boolean>();
  const [error, setError] = useState<unknown>();
  const busy = pending !== undefined;
  const on = pending ?? !!current?.spec.enabled;
  const state = isolationState(current, false);
  const ready = current?.status?.conditions?.find((c) => c.type === 'Ready');
  const flip = async (next: boolean) => {
    setPending(next);
    setError(undefined);
    try {
      const saved = await setIsolationEnabled(namespace, next, current, cluster);
      // What the server holds now, until the next read brings the controller's status.
      client.setQueryData(isolationQueryKey(namespace, cluster), saved);
      invalidate('networkisolations');
      toast.success(
        next ? t('Network isolation is on.') : t('Network isolation is off.'),
        next ? t('Only the project, the platform’s system namespaces and the allowed sources may connect to its pods.') : t('The generated network policy is removed; policies of your own stay.'),
      );
    } catch (e) {
      setError(e);
    } finally {
      setPending(undefined);
    }
  };
  return (
    <Card data-test="isolation">
      <CardTitle>
        <Title headingLevel="h2" size="lg">
          {t('Isolation')}
        </Title>
      </CardTitle>
      <CardBody>
        <Stack hasGutter>
          <p>{t('An isolated project accepts connections to its pods only from the project itself, from the platform’s system namespaces (DNS, the ingress controller, monitoring) and from the allowed sources below. It limits incoming traffic only; the cluster’s network plugin must enforce network policies.')}</p>
          {canEdit ? (
            <Switch
              id="isolation-switch"
              label={t('Isolate this project')}
              isChecked={on}
              isDisabled={busy}
              onChange={(_e, v) => void flip(v)}
              data-test="isolation-switch"
            />
          ) : null}
          <p data-test="isolation-state" data-state={state}>
            {state === 'project' ? (
              <Label color="green">{t('Isolated')}</Label>
            ) : state === 'workspace' ? (
              <Label color="blue">{t('Isolated by its workspace')}</Label>
            ) : (
              <Label>{t('Not isolated')}</Label>
            )}{' '}
            {state === 'workspace' && !on && t('The workspace isolates its projects: only its own projects and the system namespaces may connect. Turn the project’s isolation on to add allowed sources.')}
          </p>
          {ready && ready.status !== 'True' && ready.reason !== 'NotIsolated' && (
            <Alert isInline variant="warning" title={ready.reason ?? t('Not ready')} data-test="isolation-not-ready">
              {ready.message}
            </Alert>
          )}
          {error ? <ErrorAlert error={error} /> : null}
        </Stack>
      </CardBody>
    </Card>
  );
}

function describeSource(s: AllowedSource, t: TFunction): { who: string; ports: string } {
  const who: string[] = [];
  if (s.namespaces?.length) who.push(t('namespaces {{names}}', { names: s.namespaces.join(', ') }));
  if (s.workspaces?.length) who.push(t('workspaces {{names}}', { names: s.workspaces.join(', ') }));
  for (const c of s.cidrs ?? []) who.push(c.except?.length ? t('{{cidr}} except {{except}}', { cidr: c.cidr, except: c.except.join(', ') }) : c.cidr);
  return {
    who: who.length ? who.join('; ') : t('anyone'),
    ports: s.ports?.length ? s.ports.map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(', ') : t('every port'),
  };
}

function AllowedSources({ namespace, current, canEdit }: { namespace: string; current: NetworkIsolation | null; canEdit: boolean }) {
  const { t } = useTranslation('network');
  const [editing, setEditing] = useState(false);
  const sources = current?.spec.allowedSources ?? [];
  return (
    <Card data-test="allowed-sources">
      <CardHeader
        actions={{
          actions:
            canEdit && !editing ? (
              <Button variant="secondary" onClick={() => setEditing(true)} data-test="sources-edit">
                {t('Edit allowed sources')}
              </Button>
            ) : null,
          hasNoOffset: true,
        }}
      >
        <CardTitle>
          <Title headingLevel="h2" size="lg">
            {t('Allowed sources')}
          </Title>
        </CardTitle>
      </CardHeader>
      <CardBody>
        {editing ? (
          <SourcesEditor namespace={namespace} current={current} onClose={() => setEditing(false)} />
        ) : sources.length === 0 ? (
          <p data-test="sources-none">{t('No other sources: while the project is isolated, only the project itself and the system namespaces may connect.')}</p>
        ) : (
          <Table aria-label={t('Allowed sources')} variant="compact" gridBreakPoint="grid-lg" data-test="sources-table">
            <Thead>
              <Tr>
                <Th>{t('Who may connect')}</Th>
                <Th>{t('To ports')}</Th>
              </Tr>
            </Thead>
            <Tbody>
              {sources.map((s, i) => {
                const d = describeSource(s, t);
                return (
                  <Tr key={i} data-test={`source-${i}`}>
                    <Td dataLabel={t('Who may connect')}>{d.who}</Td>
                    <Td dataLabel={t('To ports')}>{d.ports}</Td>
                  </Tr>
                );
              })}
            </Tbody>
          </Table>
        )}
      </CardBody>
    </Card>
  );
}

/** SourcesEditor edits the allowed sources; each field says what the browser or the server found wrong with it. */
function SourcesEditor({ namespace, current, onClose }: { namespace: string; current: NetworkIsolation | null; onClose: () => void }) {
  const { t } = useTranslation('network');
  const cluster = useCluster();
  const invalidate = useInvalidate();
  const toast = useToast();
  const [draft, setDraft] = useState<SourceDraft[]>(() => toDraft(current?.spec.allowedSources));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const problems = sourceProblems(draft);
  const described: DescribedError | undefined = error ? describeError(error, t) : undefined;
  const msg = (path: string) => (problems[path] ? problemMessage(problems[path], t) : undefined) ?? fieldError(described, path);
  // An edit answers the server's objection: it is shown until the next save, not over the new value.
  const change = (next: SourceDraft[]) => {
    setDraft(next);
    setError(undefined);
  };
  const set = (i: number, s: SourceDraft) => change(draft.map((x, j) => (j === i ? s : x)));
  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await saveNetworkIsolation(namespace, { enabled: !!current?.spec.enabled, allowedSources: toSources(draft) }, current, cluster);
      invalidate('networkisolations');
      toast.success(t('Allowed sources saved.'), current?.spec.enabled ? t('The generated network policy follows them.') : t('They apply while the project is isolated.'));
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  // The fields the editor marks itself; the alert lists the rest.
  const shown = draft.length ? ['spec.allowedSources'] : [];
  return (
    <Stack hasGutter data-test="sources-editor">
      <p>{t('Namespaces, workspaces and CIDRs add up: any of them may connect. Ports, when given, limit that source to them; a source with ports alone lets anyone reach those ports.')}</p>
      {draft.map((s, i) => (
        <SourceFields key={i} index={i} source={s} onChange={(v) => set(i, v)} onRemove={() => change(draft.filter((_x, j) => j !== i))} msg={msg} />
      ))}
      <div>
        <Button variant="link" isInline icon={<PlusCircleIcon />} onClick={() => change([...draft, emptySource()])} data-test="source-add">
          {t('Add a source')}
        </Button>
      </div>
      {msg('spec.allowedSources') && <FieldHelp error={msg('spec.allowedSources')} test="sources" />}
      {error ? <ErrorAlert error={error} hideFields={shown} /> : null}
      <ActionGroup>
        <Button onClick={() => void save()} isLoading={busy} isDisabled={busy || Object.keys(problems).length > 0} data-test="sources-save">
          {t('Save')}
        </Button>
        <Button variant="link" onClick={onClose} data-test="sources-cancel">
          {t('Cancel')}
        </Button>
      </ActionGroup>
    </Stack>
  );
}

function SourceFields({ index: i, source: s, onChange, onRemove, msg }: { index: number; source: SourceDraft; onChange: (s: SourceDraft) => void; onRemove: () => void; msg: (path: string) => string | undefined }) {
  const { t } = useTranslation('network');
  const p = (rest: string) => sourcePath(i, rest);
  const field = (id: string, label: string, value: string, path: string, rule: string, change: (v: string) => void) => {
    const error = msg(path);
    return (
      <FormGroup label={label} fieldId={id}>
        <TextInput id={id} value={value} onChange={(_e, v) => change(v)} validated={error ? 'error' : 'default'} data-test={id} />
        <FieldHelp rule={rule} error={error} test={id} />
      </FormGroup>
    );
  };
  return (
    <section className="ke-source" data-test={`source-edit-${i}`} aria-label={t('Source {{n}}', { n: i + 1 })}>
      <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }} alignItems={{ default: 'alignItemsCenter' }}>
        <Title headingLevel="h3" size="md">
          {t('Source {{n}}', { n: i + 1 })}
        </Title>
        <Button variant="link" isDanger icon={<MinusCircleIcon />} onClick={onRemove} data-test={`source-remove-${i}`}>
          {t('Remove this source')}
        </Button>
      </Flex>
      {msg(p('')) && <FieldHelp error={msg(p(''))} test={`source-${i}`} />}
      {field(`source-${i}-namespaces`, t('Namespaces'), s.namespaces, p('.namespaces'), t('Names separated by commas, such as partner-gateway.'), (v) => onChange({ ...s, namespaces: v }))}
      {field(`source-${i}-workspaces`, t('Workspaces'), s.workspaces, p('.workspaces'), t('Every project of these workspaces, names separated by commas.'), (v) => onChange({ ...s, workspaces: v }))}
      <FormGroup role="group" label={t('CIDRs')} fieldId={`source-${i}-cidrs`}>
        {s.cidrs.map((c, j) => {
          const cidrErr = msg(p(`.cidrs[${j}].cidr`));
          const exceptErr = msg(p(`.cidrs[${j}].except`));
          return (
            <Flex key={j} spaceItems={{ default: 'spaceItemsSm' }} alignItems={{ default: 'alignItemsFlexStart' }} className="pf-v6-u-mb-sm">
              <FlexItem>
                <TextInput
                  aria-label={t('CIDR')}
                  placeholder="203.0.113.0/24"
                  value={c.cidr}
                  onChange={(_e, v) => onChange({ ...s, cidrs: s.cidrs.map((x, k) => (k === j ? { ...x, cidr: v } : x)) })}
                  validated={cidrErr ? 'error' : 'default'}
                  data-test={`source-${i}-cidr-${j}`}
                />
                <FieldHelp error={cidrErr} test={`source-${i}-cidr-${j}`} />
              </FlexItem>
              <FlexItem>
                <TextInput
                  aria-label={t('Except')}
                  placeholder={t('except, such as 203.0.113.128/25')}
                  value={c.except}
                  onChange={(_e, v) => onChange({ ...s, cidrs: s.cidrs.map((x, k) => (k === j ? { ...x, except: v } : x)) })}
                  validated={exceptErr ? 'error' : 'default'}
                  data-test={`source-${i}-except-${j}`}
                />
                <FieldHelp error={exceptErr} test={`source-${i}-except-${j}`} />
              </FlexItem>
              <FlexItem>
                <Button variant="plain" aria-label={t('Remove the CIDR')} icon={<MinusCircleIcon />} onClick={() => onChange({ ...s, cidrs: s.cidrs.filter((_x, k) => k !== j) })} data-test={`source-${i}-cidr-remove-${j}`} />
              </FlexItem>
            </Flex>
          );
        })}
        <div>
          <Button variant="link" isInline icon={<PlusCircleIcon />} onClick={() => onChange({ ...s, cidrs: [...s.cidrs, { cidr: '', except: '' }] })} data-test={`source-${i}-cidr-add`}>
            {t('Add a CIDR')}
          </Button>
        </div>
        <FieldHelp rule={t('Address ranges outside the cluster, such as an office network; except ranges inside it may not connect.')} />
      </FormGroup>
      <FormGroup role="group" label={t('Ports')} fieldId={`source-${i}-ports`}>
        {s.ports.map((port, j) => {
          const err = msg(p(`.ports[${j}].port`)) ?? msg(p(`.ports[${j}].protocol`));
          return (
            <Flex key={j} spaceItems={{ default: 'spaceItemsSm' }} alignItems={{ default: 'alignItemsFlexStart' }} className="pf-v6-u-mb-sm">
              <FlexItem>
                <FormSelect
                  aria-label={t('Protocol')}
                  value={port.protocol}
                  onChange={(_e, v) => onChange({ ...s, ports: s.ports.map((x, k) => (k === j ? { ...x, protocol: v as Protocol } : x)) })}
                  data-test={`source-${i}-protocol-${j}`}
                >
                  {protocols.map((pr) => (
                    <FormSelectOption key={pr} value={pr} label={pr} />
                  ))}
                </FormSelect>
              </FlexItem>
              <FlexItem>
                <TextInput
                  aria-label={t('Port')}
                  placeholder="8080"
                  value={port.port}
                  onChange={(_e, v) => onChange({ ...s, ports: s.ports.map((x, k) => (k === j ? { ...x, port: v } : x)) })}
                  validated={err ? 'error' : 'default'}
                  data-test={`source-${i}-port-${j}`}
                />
                <FieldHelp error={err} test={`source-${i}-port-${j}`} />
              </FlexItem>
              <FlexItem>
                <Button variant="plain" aria-label={t('Remove the port')} icon={<MinusCircleIcon />} onClick={() => onChange({ ...s, ports: s.ports.filter((_x, k) => k !== j) })} data-test={`source-${i}-port-remove-${j}`} />
              </FlexItem>
            </Flex>
          );
        })}
        <div>
          <Button variant="link" isInline icon={<PlusCircleIcon />} onClick={() => onChange({ ...s, ports: [...s.ports, { protocol: 'TCP', port: '' }] })} data-test={`source-${i}-port-add`}>
            {t('Add a port')}
          </Button>
        </div>
        <FieldHelp rule={t('None: every port.')} />
      </FormGroup>
    </section>
  );
}

/** peerText says who a policy rule's peer is, in words. */
function peerText(peer: NonNullable<NonNullable<NetworkPolicy['spec']['ingress']>[number]['from']>[number], t: TFunction): string {
  if (peer.ipBlock) return peer.ipBlock.except?.length ? t('{{cidr}} except {{except}}', { cidr: peer.ipBlock.cidr, except: peer.ipBlock.except.join(', ') }) : peer.ipBlock.cidr;
  const ns = peer.namespaceSelector;
  if (ns) {
    const parts = [
      ...Object.entries(ns.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(ns.matchExpressions ?? []).map((e) => `${e.key} ${e.operator} (${(e.values ?? []).join(', ')})`),
    ];
    return parts.length ? t('namespaces with {{labels}}', { labels: parts.join(', ') }) : t('every namespace');
  }
  if (peer.podSelector) return t('pods of this project');
  return t('anyone');
}

function GeneratedPolicies({ namespace }: { namespace: string }) {
  const { t } = useTranslation('network');
  const q = useGeneratedPolicies(namespace);
  const [open, setOpen] = useState<string>();
  return (
    <Card data-test="generated-policies">
      <CardTitle>
        <Title headingLevel="h2" size="lg">
          {t('Generated network policies')}
        </Title>
      </CardTitle>
      <CardBody>
        <Stack hasGutter>
          <p>{t('ke-controller-manager keeps these policies as the isolation says: an edit by hand is undone, and turning isolation off removes exactly them.')}</p>
          {q.error ? (
            <ErrorAlert error={q.error} onRetry={() => void q.refetch()} />
          ) : !q.data ? (
            <Spinner size="lg" aria-label={t('Loading')} />
          ) : q.data.length === 0 ? (
            <p data-test="policies-none">{t('None: the project is not isolated.')}</p>
          ) : (
            q.data.map((p) => (
              <section key={p.metadata.name} data-test={`policy-${p.metadata.name}`} aria-label={p.metadata.name}>
                <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }} alignItems={{ default: 'alignItemsCenter' }}>
                  <Title headingLevel="h3" size="md">
                    {p.metadata.name}{' '}
                    <Label isCompact color="blue">
                      {p.metadata.labels?.['network.superkube.io/isolation'] === 'Workspace' ? t('Workspace isolation') : t('Project isolation')}
                    </Label>
                  </Title>
                  <Button variant="link" onClick={() => setOpen(open === p.metadata.name ? undefined : p.metadata.name)} aria-expanded={open === p.metadata.name} data-test={`policy-yaml-${p.metadata.name}`}>
                    {open === p.metadata.name ? t('Hide YAML') : t('View YAML')}
                  </Button>
                </Flex>
                <ul data-test="policy-rules">
                  {(p.spec.ingress ?? []).map((r, i) => (
                    <li key={i}>
                      {t('From {{peers}} to {{ports}}', {
                        peers: (r.from ?? []).map((x) => peerText(x, t)).join('; ') || t('anyone'),
                        ports: r.ports?.length ? r.ports.map((x) => `${x.port ?? '*'}/${x.protocol ?? 'TCP'}`).join(', ') : t('every port'),
                      })}
                    </li>
                  ))}
                </ul>
                {open === p.metadata.name && <YamlTab kind={networkPolicyKind} namespace={namespace} name={p.metadata.name} canEdit={false} />}
              </section>
            ))
          )}
        </Stack>
      </CardBody>
    </Card>
  );
}

function IsolationYaml({ namespace, canEdit }: { namespace: string; canEdit: boolean }) {
  const { t } = useTranslation('network');
  const [open, setOpen] = useState(false);
  return (
    <Card data-test="isolation-yaml">
      <CardHeader
        actions={{
          actions: (
            <Button variant="link" onClick={() => setOpen(!open)} aria-expanded={open} data-test="isolation-yaml-toggle">
              {open ? t('Hide YAML') : canEdit ? t('Edit YAML') : t('View YAML')}
            </Button>
          ),
          hasNoOffset: true,
        }}
      >
        <CardTitle>
          <Title headingLevel="h2" size="lg">
            {t('NetworkIsolation {{name}}', { name: 'default' })}
          </Title>
        </CardTitle>
      </CardHeader>
      {open && (
        <CardBody>
          <YamlTab kind={networkIsolationKind} namespace={namespace} name="default" canEdit={canEdit} />
        </CardBody>
      )}
    </Card>
  );
}
