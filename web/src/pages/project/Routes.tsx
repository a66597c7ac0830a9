import {
  Button,
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Checkbox,
  Flex,
  FormGroup,
  FormSection,
  FormSelect,
  FormSelectOption,
  Label,
  LabelGroup,
  PageSection,
  Pagination,
  Radio,
  Spinner,
  Stack,
  StackItem,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useCan, useProjectAccess } from '../../api/access';
import { api } from '../../api/client';
import { useCluster } from '../../api/cluster';
import { fieldError, type DescribedError } from '../../api/errors';
import {
  gatewayGroup,
  gatewayPolicyKind,
  httpRouteKind,
  ingressKind,
  projectPolicyName,
  saveHTTPRoute,
  saveIngress,
  savePolicy,
  useProjectClasses,
  useProjectGateways,
  useProjectPolicy,
  useRoutes,
  type Route,
} from '../../api/gateway';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { useToast } from '../../components/Toast';
import { YamlTab } from '../../components/YamlTab';
import {
  backendField,
  draftFromHTTPRoute,
  draftFromRoute,
  emptyDraft,
  emptyHTTPBackend,
  emptyHTTPRule,
  emptyHTTPRouteDraft,
  emptyPath,
  gatewayChoices,
  httpPathTypes,
  httpRouteProblems,
  matchField,
  narrowable,
  pathTypes,
  readiness,
  routeProblems,
  stateColor,
  toggleClass,
  toHTTPRouteForm,
  toIngressForm,
  type HTTPRouteDraft,
  type Problem,
  type RouteDraft,
  type ServiceChoice,
} from './routeForm';

const pageSize = 20;

function problemText(p: Problem | undefined, t: TFunction): string | undefined {
  switch (p) {
    case undefined:
      return undefined;
    case 'required':
      return t('Required.');
    case 'name':
      return t('Lowercase letters, digits, - and . only.');
    case 'host':
      return t('A DNS name such as shop.example.com, optionally starting with *.');
    case 'path':
      return t('A path starts with /.');
    case 'port':
      return t('A port number from 1 to 65535, or a port name.');
    case 'portNumber':
      return t('A port number from 1 to 65535.');
    case 'weight':
      return t('A whole number from 0 to 1000000.');
    case 'serviceMissing':
      return t('The project has no such service.');
    case 'portMissing':
      return t('The service has no such port.');
  }
}

/** The project's routes: Ingresses and HTTPRoutes with their backends' readiness, the allowed IngressClasses, the route form. */
export default function RoutesPage() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('project');
  const access = useProjectAccess(namespace);
  const [canCreate, canUpdate, canUpdateRoutes, canCreatePolicy, canUpdatePolicy, canCreateRoutes] = useCan([
    { verb: 'create', group: ingressKind.group, resource: 'ingresses', namespace },
    { verb: 'update', group: ingressKind.group, resource: 'ingresses', namespace },
    { verb: 'update', group: httpRouteKind.group, resource: 'httproutes', namespace },
    { verb: 'create', group: gatewayGroup, resource: 'gatewaypolicies', namespace },
    { verb: 'update', group: gatewayGroup, resource: 'gatewaypolicies', namespace },
    { verb: 'create', group: httpRouteKind.group, resource: 'httproutes', namespace },
  ]);
  // The gateway API says whether the cluster serves HTTPRoutes (the Gateway API CRDs are installed).
  const policy = useProjectPolicy(namespace);
  const httpRoutes = !!policy.data?.httpRoutes;
  const [editing, setEditing] = useState<{ type: Route['type']; route?: Route }>();
  if (!access.loaded) return <Loading />;
  if (!access.may('ingresses')) return <NoAccess />;
  return (
    <>
      <PageHeader
        title={t('Routes')}
        crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Routes') }]}
        actions={
          (canCreate || (httpRoutes && canCreateRoutes)) && (
            <Button onClick={() => setEditing({ type: canCreate ? 'Ingress' : 'HTTPRoute' })} data-test="route-create">
              {t('Create route')}
            </Button>
          )
        }
      />
      <PageSection>
        <Stack hasGutter>
          <StackItem>
            <AllowedClasses namespace={namespace} canNarrow={canCreatePolicy && canUpdatePolicy} />
          </StackItem>
          <StackItem>
            <RouteTable
              namespace={namespace}
              canEditIngress={canUpdate}
              canEditHTTPRoute={canUpdateRoutes}
              httpRoutes={httpRoutes}
              onEdit={(r) => setEditing({ type: r.type, route: r })}
            />
          </StackItem>
        </Stack>
      </PageSection>
      {editing?.type === 'Ingress' && (
        <RouteForm
          namespace={namespace}
          route={editing.route}
          onType={!editing.route && httpRoutes && canCreateRoutes ? () => setEditing({ type: 'HTTPRoute' }) : undefined}
          onClose={() => setEditing(undefined)}
        />
      )}
      {editing?.type === 'HTTPRoute' && (
        <HTTPRouteFormModal
          namespace={namespace}
          route={editing.route}
          onType={!editing.route && canCreate ? () => setEditing({ type: 'Ingress' }) : undefined}
          onClose={() => setEditing(undefined)}
        />
      )}
    </>
  );
}

function AllowedClasses({ namespace, canNarrow }: { namespace: string; canNarrow: boolean }) {
  const { t } = useTranslation('project');
  const classes = useProjectClasses(namespace);
  const policy = useProjectPolicy(namespace);
  const [narrowing, setNarrowing] = useState(false);
  const [yaml, setYaml] = useState(false);
  const allowed = classes.data?.items.filter((c) => c.allowed) ?? [];
  return (
    <Card data-test="allowed-classes">
      <CardHeader
        actions={{
          actions: canNarrow && policy.data && classes.data ? (
            <Button variant="secondary" onClick={() => setNarrowing(true)} data-test="classes-narrow">
              {t('Narrow for this project')}
            </Button>
          ) : null,
          hasNoOffset: true,
        }}
      >
        <CardTitle>
          <Title headingLevel="h2" size="lg">
            {t('Allowed IngressClasses')}
          </Title>
        </CardTitle>
      </CardHeader>
      <CardBody>
        {classes.error ? (
          <ErrorAlert error={classes.error} onRetry={() => void classes.refetch()} />
        ) : !classes.data || !policy.data ? (
          <Spinner size="lg" aria-label={t('Loading')} />
        ) : (
          <Stack hasGutter>
            <p>
              {policy.data.effective.ingressClassNames === undefined
                ? t('Routes of this project may use every IngressClass of the cluster.')
                : t('Kubernetes refuses an Ingress of any other class, whoever writes it.')}
            </p>
            {allowed.length === 0 ? (
              <p data-test="classes-none">{t('No IngressClass is allowed here: Ingresses are refused.')}</p>
            ) : (
              <LabelGroup numLabels={20} data-test="classes">
                {allowed.map((c) => (
                  <Label key={c.metadata.name} color={c.default ? 'blue' : 'grey'} data-test={`class-${c.metadata.name}`}>
                    {c.default ? t('{{name}} (default)', { name: c.metadata.name }) : c.metadata.name}
                  </Label>
                ))}
              </LabelGroup>
            )}
            {policy.data.projectPolicy && (
              <Flex>
                <span data-test="classes-narrowed">{t('This project’s GatewayPolicy narrows what the workspace allows.')}</span>
                <Button variant="link" isInline onClick={() => setYaml(!yaml)} data-test="policy-yaml" aria-expanded={yaml}>
                  {yaml ? t('Hide YAML') : canNarrow ? t('Edit YAML') : t('View YAML')}
                </Button>
              </Flex>
            )}
            {yaml && <YamlTab kind={gatewayPolicyKind} namespace={namespace} name={projectPolicyName} canEdit={canNarrow} />}
          </Stack>
        )}
      </CardBody>
      {narrowing && classes.data && policy.data && (
        <NarrowForm
          namespace={namespace}
          all={classes.data.items.map((c) => c.metadata.name)}
          workspaceList={policy.data.workspacePolicy?.ingressClassNames}
          projectList={policy.data.projectPolicy?.ingressClassNames}
          exists={!!policy.data.projectPolicy}
          onClose={() => setNarrowing(false)}
        />
      )}
    </Card>
  );
}

function NarrowForm(props: { namespace: string; all: string[]; workspaceList?: string[]; projectList?: string[]; exists: boolean; onClose: () => void }) {
  const { namespace, all, workspaceList, exists, onClose } = props;
  const { t } = useTranslation('project');
  const cluster = useCluster();
  const client = useQueryClient();
  const toast = useToast();
  const offered = narrowable(all, workspaceList);
  const [restricted, setRestricted] = useState(props.projectList !== undefined);
  const [list, setList] = useState<string[] | undefined>(props.projectList);
  const submit = async () => {
    let current = { metadata: { name: projectPolicyName, namespace }, spec: {} } as Parameters<typeof savePolicy>[1];
    if (exists) current = await api.get(`/apis/${gatewayGroup}/v1alpha1/namespaces/${encodeURIComponent(namespace)}/gatewaypolicies/${projectPolicyName}`, undefined, cluster);
    const spec = { ...current.spec };
    if (restricted) spec.ingressClassNames = list ?? offered;
    else delete spec.ingressClassNames;
    await savePolicy(gatewayPolicyKind, { ...current, apiVersion: `${gatewayGroup}/v1alpha1`, kind: 'GatewayPolicy', spec }, exists, cluster);
    void client.invalidateQueries({ queryKey: ['gateway'] });
    toast.success(t('Allowed IngressClasses saved.'), t('Kubernetes applies them to Ingresses written from now on.'));
  };
  return (
    <FormModal title={t('Narrow the allowed IngressClasses')} test="narrow-form" submitLabel={t('Save')} canSubmit onSubmit={submit} onClose={onClose} shownFields={['spec.ingressClassNames']}>
      {(described) => (
        <>
          <Checkbox
            id="narrow-restricted"
            label={t('Allow this project only some of the workspace’s classes')}
            isChecked={restricted}
            onChange={(_e, v) => setRestricted(v)}
            data-test="narrow-restricted"
          />
          {restricted && (
            <FormGroup label={t('Classes')} fieldId="narrow-classes" role="group">
              {offered.map((c) => (
                <Checkbox
                  key={c}
                  id={`narrow-${c}`}
                  label={c}
                  isChecked={(list ?? offered).includes(c)}
                  onChange={(_e, v) => setList(toggleClass(list ?? offered, c, v, offered))}
                  data-test={`narrow-${c}`}
                />
              ))}
              <FieldHelp rule={t('A project can only narrow: a class its workspace does not allow stays refused.')} error={fieldError(described, 'spec.ingressClassNames')} />
            </FormGroup>
          )}
        </>
      )}
    </FormModal>
  );
}

function RouteTable({
  namespace,
  canEditIngress,
  canEditHTTPRoute,
  httpRoutes,
  onEdit,
}: {
  namespace: string;
  canEditIngress: boolean;
  canEditHTTPRoute: boolean;
  httpRoutes: boolean;
  onEdit: (r: Route) => void;
}) {
  const { t } = useTranslation('project');
  const [page, setPage] = useState(1);
  const [yaml, setYaml] = useState<string>();
  const routes = useRoutes(namespace, { page, limit: pageSize });
  if (routes.error) return <ErrorAlert error={routes.error} onRetry={() => void routes.refetch()} />;
  if (!routes.data) return <Spinner size="lg" aria-label={t('Loading')} />;
  if (routes.data.totalItems === 0) return <p data-test="routes-none">{t('This project has no routes yet.')}</p>;
  return (
    <Card>
      <CardBody>
        <Table aria-label={t('Routes')} variant="compact" data-test="routes">
          <Thead>
            <Tr>
              <Th>{t('Name')}</Th>
              <Th>{t('Type')}</Th>
              <Th>{t('Class or gateways')}</Th>
              <Th>{t('Hosts')}</Th>
              <Th>{t('Backends')}</Th>
              <Th screenReaderText={t('Actions')} />
            </Tr>
          </Thead>
          <Tbody>
            {routes.data.items.map((r) => {
              const key = `${r.type}/${r.metadata.name}`;
              const rd = readiness(r.backends);
              const canEdit = r.type === 'Ingress' ? canEditIngress : canEditHTTPRoute;
              return [
                <Tr key={key} data-test={`route-${r.metadata.name}`}>
                  <Td dataLabel={t('Name')}>{r.metadata.name}</Td>
                  <Td dataLabel={t('Type')}>{r.type}</Td>
                  <Td dataLabel={t('Class or gateways')}>{r.type === 'Ingress' ? (r.ingressClassName ?? '–') : (r.parentRefs ?? []).join(', ')}</Td>
                  <Td dataLabel={t('Hosts')}>{r.hosts.length > 0 ? r.hosts.join(', ') : t('Any host')}</Td>
                  <Td dataLabel={t('Backends')}>
                    <LabelGroup numLabels={5}>
                      {r.backends.map((b) => (
                        <Label
                          key={`${b.service}:${b.port}`}
                          isCompact
                          color={stateColor(b.state)}
                          title={b.message}
                          data-test={`backend-${b.service}-${b.port}`}
                          data-state={b.state}
                        >
                          {`${b.service}:${b.port} ${backendText(b.state, b.ready, b.total, t)}`}
                        </Label>
                      ))}
                    </LabelGroup>
                    {rd.state && <span className="pf-v6-screen-reader">{backendText(rd.state, rd.ready, rd.total, t)}</span>}
                  </Td>
                  <Td isActionCell>
                    {(r.type === 'Ingress' ? canEditIngress : httpRoutes && canEditHTTPRoute) && (
                      <Button variant="link" isInline onClick={() => onEdit(r)} data-test={`route-edit-${r.metadata.name}`}>
                        {t('Edit')}
                      </Button>
                    )}{' '}
                    <Button variant="link" isInline onClick={() => setYaml(yaml === key ? undefined : key)} aria-expanded={yaml === key} data-test={`route-yaml-${r.metadata.name}`}>
                      {yaml === key ? t('Hide YAML') : canEdit ? t('Edit YAML') : t('View YAML')}
                    </Button>
                  </Td>
                </Tr>,
                yaml === key && (
                  <Tr key={`${key}/yaml`}>
                    <Td colSpan={6}>
                      <YamlTab kind={r.type === 'Ingress' ? ingressKind : httpRouteKind} namespace={namespace} name={r.metadata.name} canEdit={canEdit} />
                    </Td>
                  </Tr>
                ),
              ];
            })}
          </Tbody>
        </Table>
        <Pagination itemCount={routes.data.totalItems} perPage={pageSize} page={page} onSetPage={(_e, p) => setPage(p)} perPageOptions={[]} isCompact />
      </CardBody>
    </Card>
  );
}

function backendText(state: Route['backends'][number]['state'], ready: number, total: number, t: TFunction): string {
  switch (state) {
    case 'Ready':
    case 'Degraded':
    case 'NoEndpoints':
      return t('{{ready}}/{{total}} ready', { ready, total });
    case 'ServiceMissing':
      return t('service missing');
    case 'PortMissing':
      return t('port missing');
    case 'External':
      return t('external');
    default:
      return t('not checked');
  }
}

interface ServiceList {
  items: { metadata: { name: string }; spec?: { ports?: { name?: string; port: number }[] } }[];
}

/** useServiceChoices reads the project's Services with their ports, which the forms offer as backends. */
function useServiceChoices(namespace: string): ServiceChoice[] | undefined {
  const cluster = useCluster();
  const services = useQuery({
    queryKey: ['api', `/api/v1/namespaces/${namespace}/services`, cluster],
    queryFn: ({ signal }) => api.get<ServiceList>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/services`, signal, cluster),
  });
  return services.data?.items.map((s) => ({ name: s.metadata.name, ports: s.spec?.ports ?? [] }));
}

/** RouteTypeChoice lets a new route be an Ingress or a Gateway API HTTPRoute (where the cluster serves them). */
function RouteTypeChoice({ value, onChange }: { value: Route['type']; onChange: () => void }) {
  const { t } = useTranslation('project');
  return (
    <FormGroup label={t('Kind of route')} fieldId="route-type" role="radiogroup" isInline>
      <Radio
        id="route-type-ingress"
        name="route-type"
        label="Ingress"
        description={t('Served by the ingress controller of an IngressClass.')}
        isChecked={value === 'Ingress'}
        onChange={() => value !== 'Ingress' && onChange()}
        data-test="route-type-ingress"
      />
      <Radio
        id="route-type-httproute"
        name="route-type"
        label="HTTPRoute"
        description={t('Gateway API: attached to a Gateway.')}
        isChecked={value === 'HTTPRoute'}
        onChange={() => value !== 'HTTPRoute' && onChange()}
        data-test="route-type-httproute"
      />
    </FormGroup>
  );
}

function RouteForm({ namespace, route, onType, onClose }: { namespace: string; route?: Route; onType?: () => void; onClose: () => void }) {
  const { t } = useTranslation('project');
  const cluster = useCluster();
  const client = useQueryClient();
  const toast = useToast();
  const classes = useProjectClasses(namespace);
  const choices = useServiceChoices(namespace);
  const [draft, setDraft] = useState<RouteDraft>(() => (route ? draftFromRoute(route) : emptyDraft()));
  const problems = routeProblems(draft, choices);
  const set = (f: (d: RouteDraft) => void) => {
    const next = structuredClone(draft);
    f(next);
    setDraft(next);
  };
  const submit = async () => {
    await saveIngress(namespace, toIngressForm(draft), route?.metadata.name, cluster);
    void client.invalidateQueries({ queryKey: ['gateway', 'routes', namespace] });
    toast.success(route ? t('Route saved.') : t('Route created.'), t('Its backends’ readiness shows in the list.'));
  };
  const err = (described: DescribedError | undefined, path: string) => problemText(problems[path], t) ?? fieldError(described, path);
  const shown = ['metadata.name', 'spec.ingressClassName'];
  draft.rules.forEach((r, i) => {
    shown.push(`spec.rules[${i}].host`);
    r.paths.forEach((_p, j) => shown.push(...['path', 'pathType', 'backend.service.name', 'backend.service.port'].map((l) => `spec.rules[${i}].http.paths[${j}].${l}`)));
  });
  draft.tls.forEach((_x, k) => shown.push(`spec.tls[${k}].secretName`));
  return (
    <FormModal
      title={route ? t('Edit route {{name}}', { name: route.metadata.name }) : t('Create route')}
      test="route-form"
      submitLabel={route ? t('Save') : t('Create')}
      canSubmit={Object.keys(problems).length === 0}
      onSubmit={submit}
      onClose={onClose}
      shownFields={shown}
    >
      {(described) => (
        <>
          {onType && <RouteTypeChoice value="Ingress" onChange={onType} />}
          <FormGroup label={t('Name')} isRequired fieldId="route-name">
            <TextInput id="route-name" value={draft.name} isDisabled={!!route} onChange={(_e, v) => set((d) => (d.name = v))} data-test="route-name" />
            <FieldHelp error={err(described, 'metadata.name')} test="route-name" />
          </FormGroup>
          <FormGroup label={t('IngressClass')} fieldId="route-class">
            <FormSelect id="route-class" value={draft.ingressClassName} onChange={(_e, v) => set((d) => (d.ingressClassName = v))} data-test="route-class">
              <FormSelectOption value="" label={t('The cluster’s default class')} />
              {(classes.data?.items ?? [])
                .filter((c) => c.allowed || c.metadata.name === draft.ingressClassName)
                .map((c) => (
                  <FormSelectOption key={c.metadata.name} value={c.metadata.name} label={c.default ? t('{{name}} (default)', { name: c.metadata.name }) : c.metadata.name} />
                ))}
            </FormSelect>
            <FieldHelp rule={t('Only the classes this project may use are offered.')} error={fieldError(described, 'spec.ingressClassName')} test="route-class" />
          </FormGroup>
          {draft.rules.map((r, i) => (
            <FormSection key={i} title={t('Host {{n}}', { n: i + 1 })} titleElement="h3">
              <FormGroup label={t('Host name')} fieldId={`rule-${i}-host`}>
                <TextInput id={`rule-${i}-host`} value={r.host} placeholder={t('Any host')} onChange={(_e, v) => set((d) => (d.rules[i].host = v))} data-test={`rule-${i}-host`} />
                <FieldHelp error={err(described, `spec.rules[${i}].host`)} test={`rule-${i}-host`} />
              </FormGroup>
              {r.paths.map((p, j) => {
                const base = `spec.rules[${i}].http.paths[${j}]`;
                const id = `rule-${i}-path-${j}`;
                const svc = choices?.find((s) => s.name === p.service);
                return (
                  <Flex key={j} alignItems={{ default: 'alignItemsFlexStart' }} data-test={id}>
                    <FormGroup label={t('Path')} fieldId={`${id}-path`}>
                      <TextInput id={`${id}-path`} value={p.path} onChange={(_e, v) => set((d) => (d.rules[i].paths[j].path = v))} data-test={`${id}-path`} />
                      <FieldHelp error={err(described, `${base}.path`)} test={`${id}-path`} />
                    </FormGroup>
                    <FormGroup label={t('Match')} fieldId={`${id}-type`}>
                      <FormSelect id={`${id}-type`} value={p.pathType} onChange={(_e, v) => set((d) => (d.rules[i].paths[j].pathType = v))} data-test={`${id}-type`}>
                        {pathTypes.map((pt) => (
                          <FormSelectOption key={pt} value={pt} label={pt} />
                        ))}
                      </FormSelect>
                      <FieldHelp error={fieldError(described, `${base}.pathType`)} />
                    </FormGroup>
                    <FormGroup label={t('Service')} fieldId={`${id}-service`}>
                      <FormSelect id={`${id}-service`} value={p.service} onChange={(_e, v) => set((d) => (d.rules[i].paths[j].service = v))} data-test={`${id}-service`}>
                        <FormSelectOption value="" label={t('Choose a service')} isPlaceholder />
                        {(choices ?? []).map((s) => (
                          <FormSelectOption key={s.name} value={s.name} label={s.name} />
                        ))}
                      </FormSelect>
                      <FieldHelp error={err(described, `${base}.backend.service.name`)} test={`${id}-service`} />
                    </FormGroup>
                    <FormGroup label={t('Port')} fieldId={`${id}-port`}>
                      <FormSelect id={`${id}-port`} value={p.port} onChange={(_e, v) => set((d) => (d.rules[i].paths[j].port = v))} data-test={`${id}-port`}>
                        <FormSelectOption value="" label={t('Choose a port')} isPlaceholder />
                        {p.port && !svc?.ports.some((x) => String(x.port) === p.port || x.name === p.port) && <FormSelectOption value={p.port} label={p.port} />}
                        {(svc?.ports ?? []).map((x) => (
                          <FormSelectOption key={x.port} value={String(x.port)} label={x.name ? `${x.port} (${x.name})` : String(x.port)} />
                        ))}
                      </FormSelect>
                      <FieldHelp error={err(described, `${base}.backend.service.port`)} test={`${id}-port`} />
                    </FormGroup>
                    {r.paths.length > 1 && (
                      <Button variant="plain" aria-label={t('Remove path')} onClick={() => set((d) => d.rules[i].paths.splice(j, 1))} data-test={`${id}-remove`}>
                        ×
                      </Button>
                    )}
                  </Flex>
                );
              })}
              <Flex>
                <Button variant="link" isInline onClick={() => set((d) => d.rules[i].paths.push(emptyPath()))} data-test={`rule-${i}-add-path`}>
                  {t('Add a path')}
                </Button>
                {draft.rules.length > 1 && (
                  <Button variant="link" isInline isDanger onClick={() => set((d) => d.rules.splice(i, 1))} data-test={`rule-${i}-remove`}>
                    {t('Remove this host')}
                  </Button>
                )}
              </Flex>
            </FormSection>
          ))}
          <Button variant="link" isInline onClick={() => set((d) => d.rules.push({ host: '', paths: [emptyPath()] }))} data-test="route-add-host">
            {t('Add a host')}
          </Button>
          <FormSection title={t('TLS')} titleElement="h3">
            {draft.tls.map((x, k) => (
              <Flex key={k} alignItems={{ default: 'alignItemsFlexStart' }} data-test={`tls-${k}`}>
                <FormGroup label={t('Secret')} fieldId={`tls-${k}-secret`}>
                  <TextInput id={`tls-${k}-secret`} value={x.secretName} onChange={(_e, v) => set((d) => (d.tls[k].secretName = v))} data-test={`tls-${k}-secret`} />
                  <FieldHelp rule={t('A secret of type kubernetes.io/tls in this project.')} error={err(described, `spec.tls[${k}].secretName`)} test={`tls-${k}-secret`} />
                </FormGroup>
                <FormGroup label={t('Hosts')} fieldId={`tls-${k}-hosts`}>
                  <TextInput id={`tls-${k}-hosts`} value={x.hosts} onChange={(_e, v) => set((d) => (d.tls[k].hosts = v))} data-test={`tls-${k}-hosts`} />
                  <FieldHelp rule={t('Comma-separated.')} />
                </FormGroup>
                <Button variant="plain" aria-label={t('Remove TLS secret')} onClick={() => set((d) => d.tls.splice(k, 1))} data-test={`tls-${k}-remove`}>
                  ×
                </Button>
              </Flex>
            ))}
            <Button variant="link" isInline onClick={() => set((d) => d.tls.push({ hosts: '', secretName: '' }))} data-test="route-add-tls">
              {t('Add a TLS secret')}
            </Button>
          </FormSection>
        </>
      )}
    </FormModal>
  );
}

/**
 * HTTPRouteFormModal creates or edits a Gateway API HTTPRoute: its
 * Gateways (this project's own and those its lists allow elsewhere), host
 * names and rules of a path match and weighted backends. TLS is the
 * Gateway listener's, which the form says instead of offering a field.
 */
function HTTPRouteFormModal({ namespace, route, onType, onClose }: { namespace: string; route?: Route; onType?: () => void; onClose: () => void }) {
  const { t } = useTranslation('project');
  const cluster = useCluster();
  const client = useQueryClient();
  const toast = useToast();
  const policy = useProjectPolicy(namespace);
  const own = useProjectGateways(namespace, true);
  const choices = useServiceChoices(namespace);
  const [draft, setDraft] = useState<HTTPRouteDraft>(() => (route ? draftFromHTTPRoute(route) : emptyHTTPRouteDraft()));
  const gateways = gatewayChoices(namespace, own.data ?? [], policy.data?.effective.gateways, route ? draftFromHTTPRoute(route).parentRefs : []);
  const problems = httpRouteProblems(draft, choices);
  const set = (f: (d: HTTPRouteDraft) => void) => {
    const next = structuredClone(draft);
    f(next);
    setDraft(next);
  };
  const submit = async () => {
    await saveHTTPRoute(namespace, toHTTPRouteForm(draft), route?.metadata.name, cluster);
    void client.invalidateQueries({ queryKey: ['gateway', 'routes', namespace] });
    toast.success(route ? t('Route saved.') : t('Route created.'), t('Its backends’ readiness shows in the list.'));
  };
  const err = (described: DescribedError | undefined, path: string) => problemText(problems[path], t) ?? fieldError(described, path);
  const shown = ['metadata.name', 'spec.parentRefs', 'spec.hostnames'];
  draft.rules.forEach((r, i) => {
    shown.push(matchField(i, 'value'), matchField(i, 'type'), `spec.rules[${i}].backendRefs`);
    r.backends.forEach((_b, j) => shown.push(...['name', 'port', 'weight'].map((l) => backendField(i, j, l))));
  });
  return (
    <FormModal
      title={route ? t('Edit route {{name}}', { name: route.metadata.name }) : t('Create route')}
      test="httproute-form"
      submitLabel={route ? t('Save') : t('Create')}
      canSubmit={Object.keys(problems).length === 0}
      onSubmit={submit}
      onClose={onClose}
      shownFields={shown}
    >
      {(described) => (
        <>
          {onType && <RouteTypeChoice value="HTTPRoute" onChange={onType} />}
          <FormGroup label={t('Name')} isRequired fieldId="httproute-name">
            <TextInput id="httproute-name" value={draft.name} isDisabled={!!route} onChange={(_e, v) => set((d) => (d.name = v))} data-test="httproute-name" />
            <FieldHelp error={err(described, 'metadata.name')} test="httproute-name" />
          </FormGroup>
          {draft.parentRefs.map((p, k) => (
            <FormGroup key={k} label={t('Gateway')} isRequired fieldId={`httproute-gateway-${k}`}>
              <Flex alignItems={{ default: 'alignItemsCenter' }}>
                <FormSelect id={`httproute-gateway-${k}`} value={p} onChange={(_e, v) => set((d) => (d.parentRefs[k] = v))} data-test={`httproute-gateway-${k}`}>
                  <FormSelectOption value="" label={t('Choose a Gateway')} isPlaceholder />
                  {gateways.map((g) => (
                    <FormSelectOption key={g} value={g} label={g} />
                  ))}
                </FormSelect>
                {draft.parentRefs.length > 1 && (
                  <Button variant="plain" aria-label={t('Remove Gateway')} onClick={() => set((d) => d.parentRefs.splice(k, 1))} data-test={`httproute-gateway-${k}-remove`}>
                    ×
                  </Button>
                )}
              </Flex>
              <FieldHelp
                rule={k === 0 ? t('This project’s own Gateways and those its workspace allows elsewhere are offered.') : undefined}
                error={err(described, `spec.parentRefs[${k}].name`) ?? (k === 0 ? fieldError(described, 'spec.parentRefs') : undefined)}
                test={`httproute-gateway-${k}`}
              />
            </FormGroup>
          ))}
          {own.data && gateways.length === 0 && <p data-test="httproute-no-gateways">{t('This project has no Gateway, and its workspace allows none elsewhere.')}</p>}
          <Button variant="link" isInline onClick={() => set((d) => d.parentRefs.push(''))} data-test="httproute-add-gateway">
            {t('Add a Gateway')}
          </Button>
          <FormGroup label={t('Host names')} fieldId="httproute-hostnames">
            <TextInput id="httproute-hostnames" value={draft.hostnames} placeholder={t('Any host')} onChange={(_e, v) => set((d) => (d.hostnames = v))} data-test="httproute-hostnames" />
            <FieldHelp rule={t('Comma-separated.')} error={firstHostnameProblem(problems, t) ?? fieldError(described, 'spec.hostnames')} test="httproute-hostnames" />
          </FormGroup>
          <p data-test="httproute-tls-note">{t('An HTTPRoute has no TLS settings of its own: TLS is set on the Gateway’s listener (its certificate references), so it is not part of this form.')}</p>
          {draft.rules.map((r, i) => (
            <FormSection key={i} title={t('Path {{n}}', { n: i + 1 })} titleElement="h3" data-test={`httproute-rule-${i}`}>
              <Flex alignItems={{ default: 'alignItemsFlexStart' }}>
                <FormGroup label={t('Path')} fieldId={`hr-${i}-path`}>
                  <TextInput id={`hr-${i}-path`} value={r.path} onChange={(_e, v) => set((d) => (d.rules[i].path = v))} data-test={`hr-${i}-path`} />
                  <FieldHelp error={err(described, matchField(i, 'value'))} test={`hr-${i}-path`} />
                </FormGroup>
                <FormGroup label={t('Match')} fieldId={`hr-${i}-type`}>
                  <FormSelect id={`hr-${i}-type`} value={r.pathType} onChange={(_e, v) => set((d) => (d.rules[i].pathType = v))} data-test={`hr-${i}-type`}>
                    {httpPathTypes.map((pt) => (
                      <FormSelectOption key={pt} value={pt} label={pt} />
                    ))}
                  </FormSelect>
                  <FieldHelp error={fieldError(described, matchField(i, 'type'))} />
                </FormGroup>
              </Flex>
              {r.backends.map((b, j) => {
                const id = `hr-${i}-backend-${j}`;
                const svc = choices?.find((s) => s.name === b.service);
                return (
                  <Flex key={j} alignItems={{ default: 'alignItemsFlexStart' }} data-test={id}>
                    <FormGroup label={t('Service')} fieldId={`${id}-service`}>
                      <FormSelect id={`${id}-service`} value={b.service} onChange={(_e, v) => set((d) => (d.rules[i].backends[j].service = v))} data-test={`${id}-service`}>
                        <FormSelectOption value="" label={t('Choose a service')} isPlaceholder />
                        {(choices ?? []).map((s) => (
                          <FormSelectOption key={s.name} value={s.name} label={s.name} />
                        ))}
                      </FormSelect>
                      <FieldHelp error={err(described, backendField(i, j, 'name'))} test={`${id}-service`} />
                    </FormGroup>
                    <FormGroup label={t('Port')} fieldId={`${id}-port`}>
                      <FormSelect id={`${id}-port`} value={b.port} onChange={(_e, v) => set((d) => (d.rules[i].backends[j].port = v))} data-test={`${id}-port`}>
                        <FormSelectOption value="" label={t('Choose a port')} isPlaceholder />
                        {b.port && !svc?.ports.some((x) => String(x.port) === b.port) && <FormSelectOption value={b.port} label={b.port} />}
                        {(svc?.ports ?? []).map((x) => (
                          <FormSelectOption key={x.port} value={String(x.port)} label={x.name ? `${x.port} (${x.name})` : String(x.port)} />
                        ))}
                      </FormSelect>
                      <FieldHelp error={err(described, backendField(i, j, 'port'))} test={`${id}-port`} />
                    </FormGroup>
                    <FormGroup label={t('Weight')} fieldId={`${id}-weight`}>
                      <TextInput id={`${id}-weight`} value={b.weight} placeholder="1" onChange={(_e, v) => set((d) => (d.rules[i].backends[j].weight = v))} data-test={`${id}-weight`} />
                      <FieldHelp error={err(described, backendField(i, j, 'weight'))} test={`${id}-weight`} />
                    </FormGroup>
                    {r.backends.length > 1 && (
                      <Button variant="plain" aria-label={t('Remove backend')} onClick={() => set((d) => d.rules[i].backends.splice(j, 1))} data-test={`${id}-remove`}>
                        ×
                      </Button>
                    )}
                  </Flex>
                );
              })}
              <Flex>
                <Button variant="link" isInline onClick={() => set((d) => d.rules[i].backends.push(emptyHTTPBackend()))} data-test={`hr-${i}-add-backend`}>
                  {t('Add a backend')}
                </Button>
                {draft.rules.length > 1 && (
                  <Button variant="link" isInline isDanger onClick={() => set((d) => d.rules.splice(i, 1))} data-test={`hr-${i}-remove`}>
                    {t('Remove this path')}
                  </Button>
                )}
              </Flex>
            </FormSection>
          ))}
          <Button variant="link" isInline onClick={() => set((d) => d.rules.push(emptyHTTPRule()))} data-test="httproute-add-path">
            {t('Add a path')}
          </Button>
        </>
      )}
    </FormModal>
  );
}

/** firstHostnameProblem is the browser's objection to the first bad host name of the comma-separated list. */
function firstHostnameProblem(problems: Record<string, Problem>, t: TFunction): string | undefined {
  const key = Object.keys(problems).find((k) => k.startsWith('spec.hostnames['));
  return key ? problemText(problems[key], t) : undefined;
}
