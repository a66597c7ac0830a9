import {
  ActionGroup,
  Alert,
  Button,
  Card,
  CardBody,
  CardTitle,
  Flex,
  FlexItem,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  PageSection,
  Radio,
  Slider,
  Stack,
  StackItem,
  TextInput,
  ToggleGroup,
  ToggleGroupItem,
} from '@patternfly/react-core';
import { MinusCircleIcon, PlusCircleIcon } from '@patternfly/react-icons';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { useProjectAccess } from '../../api/access';
import { describeError, fieldError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { useGet } from '../../api/resources';
import { createDeployment, createStrategy, readDeployment, strategyTypes, useMeshServices, type MeshService, type VersionRole } from '../../api/servicemesh';
import type { Workload } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { useToast } from '../../components/Toast';
import { cloneForVersion, newVersionName } from './cloneDeployment';
import { problemText, useMeshCan, useTypeText } from './parts';
import { emptyDraft, forService, matchPath, strategyProblems, toStrategy, type MatchOp, type MatchRow, type StrategyDraft } from './strategyForm';

/** VersionsTable shows a service's versions: pods, weight and workloads with their ready replicas. */
export function VersionsTable({ service, test = 'service-versions' }: { service: MeshService; test?: string }) {
  const { t } = useTranslation('servicemesh');
  if (!service.versions.length) return <Alert variant="warning" isInline isPlain title={t('No pod of this service carries a version label.')} data-test={`${test}-none`} />;
  return (
    <Table variant="compact" aria-label={t('Versions')} data-test={test}>
      <Thead>
        <Tr>
          <Th>{t('Version')}</Th>
          <Th>{t('Pods')}</Th>
          <Th>{t('Workloads')}</Th>
        </Tr>
      </Thead>
      <Tbody>
        {service.versions.map((v) => (
          <Tr key={v.name} data-test={`version-${v.name}`}>
            <Td dataLabel={t('Version')}>{v.name}</Td>
            <Td dataLabel={t('Pods')}>{v.pods}</Td>
            <Td dataLabel={t('Workloads')}>{(v.workloads ?? []).map((w) => `${w.kind} ${w.name} (${w.readyReplicas}/${w.replicas})`).join(', ') || '-'}</Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

/**
 * The grayscale release wizard: pick a Service of the project (its current
 * versions and workloads are shown), choose how to share its traffic
 * (canary by weight and header or cookie matches, blue-green, mirror), and
 * name the new version with its image: the console copies the current
 * version's Deployment into the new version's, then creates the Strategy.
 */
export default function StrategyCreate() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('servicemesh');
  const access = useProjectAccess(namespace);
  const can = useMeshCan(namespace);
  const services = useMeshServices(namespace, access.may('strategies'));
  if (!access.loaded) return <Loading />;
  if (!access.may('strategies')) return <NoAccess />;
  return (
    <>
      <PageHeader
        title={t('Create grayscale release')}
        crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Grayscale release'), to: `/projects/${namespace}/grayscale` }, { title: t('Create') }]}
      />
      <PageSection>
        {services.error ? (
          <ErrorAlert error={services.error} onRetry={() => void services.refetch()} />
        ) : !services.data ? (
          <Loading />
        ) : (
          <CreateForm namespace={namespace} services={services.data.items} meshEnabled={services.data.meshEnabled} canCreateDeployment={can.createDeployment} />
        )}
      </PageSection>
    </>
  );
}

function CreateForm({ namespace, services, meshEnabled, canCreateDeployment }: { namespace: string; services: MeshService[]; meshEnabled?: boolean; canCreateDeployment: boolean }) {
  const { t } = useTranslation('servicemesh');
  const typeText = useTypeText();
  const navigate = useNavigate();
  const toast = useToast();
  const invalidate = useInvalidate();
  const [draft, setDraft] = useState<StrategyDraft>(() => ({ ...emptyDraft(), createWorkload: canCreateDeployment }));
  // The strategy's name follows the service and version until typed.
  const [typedName, setTypedName] = useState<string>();
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [errorStep, setErrorStep] = useState<'deployment' | 'strategy'>();
  // The Deployment made by an attempt whose Strategy then failed: not made twice.
  const [madeDeployment, setMadeDeployment] = useState<string>();
  const service = services.find((s) => s.name === draft.service);
  const source = useGet<Workload>('deployments', namespace, draft.createWorkload && draft.source ? draft.source : undefined);
  const name = typedName ?? (draft.service && draft.canary ? `${draft.service}-${draft.canary}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63) : '');
  const d: StrategyDraft = { ...draft, name };
  const problems = strategyProblems(d, service?.versions.map((v) => v.name));
  const described = error && errorStep === 'strategy' ? describeError(error, t) : undefined;
  const show = (path: string) => (touched ? problemText(problems[path], t) : undefined) ?? fieldError(described, path);
  const set = (p: Partial<StrategyDraft>) => setDraft((x) => ({ ...x, ...p }));
  const setRow = (i: number, p: Partial<MatchRow>) => set({ matches: draft.matches.map((r, j) => (j === i ? { ...r, ...p } : r)) });
  const containers = source.data?.spec.template.spec.containers ?? [];
  const newName = source.data && d.canary ? newVersionName(source.data, d.canary, d.versionLabel) : '';

  const submit = async () => {
    setTouched(true);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      if (d.createWorkload && madeDeployment !== newName) {
        setErrorStep('deployment');
        const current = await readDeployment(namespace, d.source);
        const copy = cloneForVersion(current, { version: d.canary, image: d.image.trim(), container: d.container || undefined, versionLabel: d.versionLabel });
        await createDeployment(namespace, copy);
        setMadeDeployment(copy.metadata.name);
        invalidate('deployments');
      }
      setErrorStep('strategy');
      const s = await createStrategy(namespace, toStrategy(d, namespace));
      invalidate('strategies');
      toast.success(t('Grayscale release {{name}} is created.', { name: s.metadata.name }));
      void navigate(`/projects/${namespace}/grayscale/${s.metadata.name}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const others = service?.versions.filter((v) => v.name !== d.principal) ?? [];
  return (
    <Form
      onSubmit={(e) => {
        e.preventDefault();
        if (!busy) void submit();
      }}
      data-test="strategy-form"
    >
      <Stack hasGutter>
        {meshEnabled === false && (
          <StackItem>
            <Alert variant="info" isInline title={t('This project is not in the service mesh')} data-test="mesh-disabled">
              {t('The routes are written, but only pods with a sidecar follow them. Turn on sidecar injection on the project’s overview, then restart its workloads.')}
            </Alert>
          </StackItem>
        )}
        <StackItem>
          <Card>
            <CardTitle>{t('1. Service')}</CardTitle>
            <CardBody>
              <Stack hasGutter>
                <FormGroup label={t('Service')} fieldId="strategy-service" isRequired>
                  <FormSelect id="strategy-service" value={d.service} onChange={(_e, v) => setDraft((x) => forService(x, services.find((s) => s.name === v)))} validated={show('spec.service') ? 'error' : 'default'} data-test="strategy-service">
                    <FormSelectOption value="" label={t('Choose a service')} isPlaceholder />
                    {services.map((s) => (
                      <FormSelectOption key={s.name} value={s.name} label={s.strategy ? t('{{name}} (being released by {{strategy}})', { name: s.name, strategy: s.strategy }) : s.name} isDisabled={!!s.strategy} />
                    ))}
                  </FormSelect>
                  <FieldHelp error={show('spec.service')} rule={services.length === 0 ? t('The project has no services.') : undefined} />
                </FormGroup>
                {service && <VersionsTable service={service} />}
                {service && service.versions.length > 1 && (
                  <FormGroup label={t('Current version')} fieldId="strategy-principal" isRequired>
                    <FormSelect id="strategy-principal" value={d.principal} onChange={(_e, v) => set({ principal: v, source: service.versions.find((x) => x.name === v)?.workloads?.find((w) => w.kind === 'Deployment')?.name ?? '' })} data-test="strategy-principal">
                      {service.versions.map((v) => (
                        <FormSelectOption key={v.name} value={v.name} label={v.name} />
                      ))}
                    </FormSelect>
                  </FormGroup>
                )}
                {touched && problems['spec.principal'] && <FieldHelp error={problemText(problems['spec.principal'], t)} test="strategy-principal" />}
              </Stack>
            </CardBody>
          </Card>
        </StackItem>
        <StackItem>
          <Card>
            <CardTitle>{t('2. How the traffic is shared')}</CardTitle>
            <CardBody>
              <Stack hasGutter>
                <ToggleGroup aria-label={t('Type')}>
                  {strategyTypes.map((ty) => (
                    <ToggleGroupItem key={ty} text={typeText(ty)} buttonId={`type-${ty}`} isSelected={d.type === ty} onChange={() => set({ type: ty })} data-test={`type-${ty}`} />
                  ))}
                </ToggleGroup>
                {d.type === 'Canary' && (
                  <>
                    <FormGroup label={t('Share of requests to the new version (%)')} fieldId="strategy-weight">
                      <Flex alignItems={{ default: 'alignItemsCenter' }}>
                        <FlexItem grow={{ default: 'grow' }}>
                          <Slider value={d.weight} min={0} max={100} step={5} showTicks={false} onChange={(_e, v) => set({ weight: Math.round(v) })} aria-label={t('Weight')} />
                        </FlexItem>
                        <FlexItem>
                          <TextInput id="strategy-weight" type="number" min={0} max={100} value={String(d.weight)} onChange={(_e, v) => set({ weight: v === '' ? NaN : Number(v) })} style={{ width: '6em' }} validated={show('spec.weight') ? 'error' : 'default'} data-test="weight" />
                        </FlexItem>
                      </Flex>
                      <FieldHelp error={show('spec.weight')} rule={Number.isFinite(d.weight) ? t('{{principal}} gets {{p}}%, {{canary}} {{c}}%.', { principal: d.principal || t('current'), p: 100 - d.weight, canary: d.canary || t('new'), c: d.weight }) : undefined} test="weight" />
                    </FormGroup>
                    <FormGroup label={t('Requests that always go to the new version')} fieldId="match-rows">
                      <Stack hasGutter>
                        {d.matches.map((r, i) => (
                          <Flex key={i} data-test={`match-${i}`} alignItems={{ default: 'alignItemsFlexStart' }}>
                            <FormSelect value={r.kind} onChange={(_e, v) => setRow(i, { kind: v as MatchRow['kind'] })} aria-label={t('Header or cookie')} style={{ width: '8em' }} data-test="match-kind">
                              <FormSelectOption value="header" label={t('Header')} />
                              <FormSelectOption value="cookie" label={t('Cookie')} />
                            </FormSelect>
                            <FlexItem>
                              <TextInput value={r.name} onChange={(_e, v) => setRow(i, { name: v })} aria-label={t('Name')} placeholder={r.kind === 'header' ? 'x-user' : 'canary'} validated={show(`spec.match[${i}].name`) ? 'error' : 'default'} data-test="match-name" />
                              <FieldHelp error={show(`spec.match[${i}].name`)} />
                            </FlexItem>
                            <FormSelect value={r.op} onChange={(_e, v) => setRow(i, { op: v as MatchOp })} aria-label={t('Match')} style={{ width: '8em' }} data-test="match-op">
                              <FormSelectOption value="exact" label={t('is')} />
                              <FormSelectOption value="prefix" label={t('starts with')} />
                              <FormSelectOption value="regex" label={t('matches regex')} />
                            </FormSelect>
                            <FlexItem grow={{ default: 'grow' }}>
                              <TextInput value={r.value} onChange={(_e, v) => setRow(i, { value: v })} aria-label={t('Value')} validated={show(matchPath(d.matches, i)) ? 'error' : 'default'} data-test="match-value" />
                              <FieldHelp error={show(matchPath(d.matches, i)) ?? fieldError(described, `spec.match[${i}]`)} test={`match-${i}`} />
                            </FlexItem>
                            <Button variant="plain" aria-label={t('Remove')} onClick={() => set({ matches: d.matches.filter((_r, j) => j !== i) })} data-test="match-remove">
                              <MinusCircleIcon />
                            </Button>
                          </Flex>
                        ))}
                        <FlexItem>
                          <Button variant="link" icon={<PlusCircleIcon />} isDisabled={d.matches.length >= 8} onClick={() => set({ matches: [...d.matches, { kind: 'header', name: '', op: 'exact', value: '' }] })} data-test="add-match">
                            {t('Add a header or cookie match')}
                          </Button>
                        </FlexItem>
                      </Stack>
                      <FieldHelp rule={t('A request that matches any row goes to the new version, whatever the share.')} />
                    </FormGroup>
                  </>
                )}
                {d.type === 'BlueGreen' && (
                  <FormGroup label={t('Version that takes every request')} role="radiogroup" fieldId="strategy-active" isStack>
                    {(['Principal', 'Canary'] as VersionRole[]).map((a) => (
                      <Radio key={a} id={`active-${a}`} name="active" label={a === 'Principal' ? t('The current version (switch later)') : t('The new version, at once')} isChecked={d.active === a} onChange={() => set({ active: a })} data-test={`active-${a}`} />
                    ))}
                  </FormGroup>
                )}
                {d.type === 'Mirror' && (
                  <FormGroup label={t('Share of requests copied to the new version (%)')} fieldId="strategy-mirror">
                    <TextInput id="strategy-mirror" type="number" min={0} max={100} value={String(d.mirrorPercent)} onChange={(_e, v) => set({ mirrorPercent: v === '' ? NaN : Number(v) })} style={{ width: '6em' }} validated={show('spec.mirror.percent') ? 'error' : 'default'} data-test="mirror-percent" />
                    <FieldHelp error={show('spec.mirror.percent')} rule={t('The current version answers every request; the copies’ answers are dropped.')} />
                  </FormGroup>
                )}
              </Stack>
            </CardBody>
          </Card>
        </StackItem>
        <StackItem>
          <Card>
            <CardTitle>{t('3. New version')}</CardTitle>
            <CardBody>
              <Stack hasGutter>
                <FormGroup role="radiogroup" fieldId="new-version-source" isStack>
                  <Radio id="source-new" name="source" label={d.source ? t('Create it from {{deployment}} with a new image', { deployment: d.source }) : t('Create it from the current version’s Deployment with a new image')} isChecked={d.createWorkload} isDisabled={!canCreateDeployment} onChange={() => set({ createWorkload: true })} data-test="source-new" />
                  <Radio id="source-existing" name="source" label={t('It runs already (a workload with its version label)')} isChecked={!d.createWorkload} isDisabled={others.length === 0} onChange={() => set({ createWorkload: false, canary: others[0]?.name ?? '' })} data-test="source-existing" />
                </FormGroup>
                {d.createWorkload ? (
                  <>
                    {touched && problems.source && <FieldHelp error={t('The current version has no Deployment to copy.')} test="source" />}
                    <FormGroup label={t('Version')} fieldId="canary-version" isRequired>
                      <TextInput id="canary-version" value={d.canary} onChange={(_e, v) => set({ canary: v.trim() })} placeholder="v2" validated={show('spec.canary') ? 'error' : 'default'} data-test="canary-version" />
                      <FieldHelp error={show('spec.canary')} rule={newName ? t('The value of its pods’ {{label}} label; its Deployment is {{name}}.', { label: d.versionLabel, name: newName }) : t('The value of its pods’ {{label}} label, such as v2.', { label: d.versionLabel })} test="canary-version" />
                    </FormGroup>
                    {containers.length > 1 && (
                      <FormGroup label={t('Container')} fieldId="canary-container">
                        <FormSelect id="canary-container" value={d.container || containers[0].name} onChange={(_e, v) => set({ container: v })} data-test="canary-container">
                          {containers.map((c) => (
                            <FormSelectOption key={c.name} value={c.name} label={`${c.name} (${c.image})`} />
                          ))}
                        </FormSelect>
                      </FormGroup>
                    )}
                    <FormGroup label={t('Image')} fieldId="canary-image" isRequired>
                      <TextInput id="canary-image" value={d.image} onChange={(_e, v) => set({ image: v })} placeholder={containers.find((c) => c.name === d.container)?.image ?? containers[0]?.image ?? 'registry/app:2.0'} validated={touched && problems.image ? 'error' : 'default'} data-test="canary-image" />
                      <FieldHelp error={touched ? problemText(problems.image, t) : undefined} test="canary-image" />
                    </FormGroup>
                  </>
                ) : (
                  <FormGroup label={t('Version')} fieldId="canary-existing" isRequired>
                    <FormSelect id="canary-existing" value={d.canary} onChange={(_e, v) => set({ canary: v })} data-test="canary-existing">
                      {others.map((v) => (
                        <FormSelectOption key={v.name} value={v.name} label={v.name} />
                      ))}
                    </FormSelect>
                    <FieldHelp error={show('spec.canary')} />
                  </FormGroup>
                )}
                <FormGroup label={t('Name of the release')} fieldId="strategy-name" isRequired>
                  <TextInput id="strategy-name" value={name} onChange={(_e, v) => setTypedName(v)} validated={show('metadata.name') ? 'error' : 'default'} data-test="strategy-name" />
                  <FieldHelp error={show('metadata.name')} />
                </FormGroup>
              </Stack>
            </CardBody>
          </Card>
        </StackItem>
        {error ? (
          <StackItem>
            <ErrorAlert
              error={error}
              title={errorStep === 'deployment' ? t('The new version’s Deployment could not be created') : t('The grayscale release could not be created')}
              hideFields={described ? Object.keys(described.fields).filter((f) => f.startsWith('spec.') || f === 'metadata.name') : []}
            />
            {madeDeployment && errorStep === 'strategy' && (
              <Alert variant="info" isInline isPlain title={t('Deployment {{name}} was created; trying again does not create it twice.', { name: madeDeployment })} data-test="deployment-made" />
            )}
          </StackItem>
        ) : null}
        <StackItem>
          <ActionGroup>
            <Button type="submit" isLoading={busy} isDisabled={busy} data-test="create-strategy-submit">
              {t('Create')}
            </Button>
            <Button variant="link" onClick={() => void navigate(`/projects/${namespace}/grayscale`)}>
              {t('Cancel')}
            </Button>
          </ActionGroup>
        </StackItem>
      </Stack>
    </Form>
  );
}
