import { Button, Flex, PageSection, Stack, Tab, TabTitleText, Tabs } from '@patternfly/react-core';
import type { TFunction } from 'i18next';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { useCan, useProjectAccess } from '../../api/access';
import { useCluster } from '../../api/cluster';
import { kinds } from '../../api/kinds';
import { deleteObject, useInvalidate } from '../../api/mutations';
import { useGet } from '../../api/resources';
import type { ContainerStatus, K8sObject, Pod, Workload } from '../../api/types';
import { Loading } from '../../components/Loading';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { NotFound, PageError } from '../../components/PageState';
import { useToast } from '../../components/Toast';
import { Events } from '../../components/Events';
import { selectorString } from '../../components/format';
import { Conditions, Metadata } from '../../components/Metadata';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable } from '../../components/ResourceTable';
import { StatusLabel } from '../../components/StatusLabel';
import { derivedReady, derivedStatus } from '../../components/status';
import { YamlTab } from '../../components/YamlTab';
import { columnsFor } from './columns';
import { DataTab } from './DataTab';
import { kindTitle } from './kindTitles';
import { PodLogs } from './PodLogs';
import { RestartConfirm } from './RestartConfirm';
import { ScaleModal } from './ScaleModal';
import { PodSpecView } from './PodSpecView';
import { templateOf, type PodSpec } from './podSpec';
import { JobsOf, NodeLink, Owners, RelatedServices, RevisionHistory } from './WorkloadPanels';
import { Time } from '../../components/Time';
import { workloadKind } from '../../api/monitoring';

const PodTerminal = lazy(() => import('./PodTerminal'));
const WorkloadMonitoring = lazy(() => import('../monitoring/ObjectMonitoring').then((m) => ({ default: m.WorkloadMonitoring })));
const LogSearch = lazy(() => import('../logging/LogSearch').then((m) => ({ default: m.LogSearch })));
const Timeline = lazy(() => import('../logging/Timeline').then((m) => ({ default: m.Timeline })));
const PodMonitoring = lazy(() => import('../monitoring/ObjectMonitoring').then((m) => ({ default: m.PodMonitoring })));

/** workloadFacts are what a workload's details say beside its status: replicas and strategy, a Job's runs, a CronJob's schedule. */
function workloadFacts(resource: string, w: Workload, t: TFunction): [string, React.ReactNode][] {
  const spec = w.spec as Record<string, unknown> & Workload['spec'];
  const status = (w.status ?? {}) as Record<string, unknown>;
  switch (resource) {
    case 'deployments':
    case 'statefulsets': {
      const strategy = (spec.strategy ?? spec.updateStrategy) as { type?: string } | undefined;
      return [
        [t('Replicas'), t('{{ready}} ready, {{updated}} updated, {{desired}} desired', { ready: w.status?.readyReplicas ?? 0, updated: w.status?.updatedReplicas ?? 0, desired: spec.replicas ?? 1 })],
        [t('Update strategy'), strategy?.type ?? '-'],
      ];
    }
    case 'daemonsets':
      return [[t('Update strategy'), (spec.updateStrategy as { type?: string } | undefined)?.type ?? '-']];
    case 'jobs':
      return [
        [t('Completions'), `${w.status?.succeeded ?? 0} / ${(spec.completions as number | undefined) ?? 1}`],
        [t('Parallelism'), String((spec.parallelism as number | undefined) ?? 1)],
        [t('Started'), <Time key="js" ts={status.startTime as string | undefined} />],
        [t('Completed'), <Time key="jc" ts={status.completionTime as string | undefined} />],
      ];
    case 'cronjobs':
      return [
        [t('Schedule'), <code key="sc">{spec.schedule ?? '-'}</code>],
        [t('Suspended'), spec.suspend ? t('Yes') : t('No')],
        [t('Last run'), <Time key="lr" ts={w.status?.lastScheduleTime} />],
      ];
  }
  return [];
}

/** podSelector is the label selector of the pods a workload or service has. */
function podSelector(resource: string, o: K8sObject): string | undefined {
  if (resource === 'services') return selectorString((o.spec as { selector?: Record<string, string> } | undefined)?.selector) || undefined;
  const w = o as Workload;
  return w.spec?.selector?.matchLabels ? selectorString(w.spec.selector.matchLabels) : undefined;
}

/**
 * ResourceDetailPage keys the detail page by the object it shows: opening
 * another object (a pod from a Deployment's Pods tab) starts afresh, on its
 * Details tab, rather than keeping the previous object's tab, which the new
 * one may not have.
 */
export default function ResourceDetailPage() {
  const { namespace = '', resource = '', name = '' } = useParams();
  return <ResourceDetail key={`${namespace}/${resource}/${name}`} namespace={namespace} resource={resource} name={name} />;
}

function ResourceDetail({ namespace, resource, name }: { namespace: string; resource: string; name: string }) {
  const { t } = useTranslation('project');
  const navigate = useNavigate();
  const invalidate = useInvalidate();
  const cluster = useCluster();
  const toast = useToast();
  const k = kinds[resource];
  const obj = useGet<K8sObject>(resource, namespace, name);
  const project = useProjectAccess(namespace);
  const [tab, setTab] = useState<string | number>('details');
  const [deleting, setDeleting] = useState(false);
  const [scaling, setScaling] = useState(false);
  const [restarting, setRestarting] = useState(false);
  const [canUpdate, canDelete, canExec, canLogs, canSecrets] = useCan(
    k
      ? [
          { verb: 'update', group: k.group, resource: k.resource, namespace, name },
          { verb: 'delete', group: k.group, resource: k.resource, namespace, name },
          { verb: 'create', resource: 'pods', subresource: 'exec', namespace, name },
          { verb: 'get', resource: 'pods', subresource: 'log', namespace, name },
          { verb: 'get', resource: 'secrets', namespace, name },
        ]
      : [],
  );
  if (!k) return <NotFound />;
  if (obj.isLoading) return <Loading />;
  if (obj.error || !obj.data) return <PageError error={obj.error} onRetry={() => void obj.refetch()} />;
  const o = obj.data;
  const selector = podSelector(resource, o);
  const status = derivedStatus(o);
  const extra: [string, React.ReactNode][] = [];
  if (status) extra.push([t('Status'), <StatusLabel key="s" status={status} />]);
  if (o.derived?.ready) extra.push([t('Ready'), <span key="r" data-test="ready">{derivedReady(o)}</span>]);
  if (o.metadata.ownerReferences?.length) extra.push([t('Owner'), <Owners key="o" namespace={namespace} object={o} />]);
  if (resource === 'pods') {
    const p = o as Pod;
    extra.push([t('Node'), <NodeLink key="n" name={p.spec.nodeName} />], [t('IP'), p.status?.podIP ?? '-'], [t('Started'), <Time key="st" ts={p.status?.startTime} />]);
  }
  extra.push(...workloadFacts(resource, o as Workload, t));
  const template = resource === 'pods' ? { metadata: { labels: o.metadata.labels }, spec: (o as Pod).spec as unknown as PodSpec } : templateOf(resource, o.spec as Record<string, unknown> | undefined);
  if (template && resource !== 'pods') extra.push([t('Images'), template.spec.containers.map((c) => c.image).join(', ')]);
  const podLabels = template?.metadata?.labels;
  const history = resource === 'deployments' || resource === 'statefulsets' || resource === 'daemonsets' ? resource : undefined;
  const monitored = workloadKind(resource);
  // The service a workload's spans carry under Istio: <app>.<project>.
  const traced = monitored && podLabels?.app && project.may('tracing') ? `${podLabels.app}.${namespace}` : undefined;
  const conditions = (o.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;

  return (
    <>
      <PageHeader
        title={
          <>
            {name} {status && <StatusLabel status={status} />}
          </>
        }
        crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t(kindTitle(resource)), to: `/projects/${namespace}/${resource}` }, { title: name }]}
        actions={
          <Flex>
            {traced && (
              <Button variant="link" component={(p) => <Link {...p} to={`/projects/${namespace}/tracing?service=${encodeURIComponent(traced)}`} />} data-test="workload-traces">
                {t('Traces')}
              </Button>
            )}
            {canUpdate && k.scalable && (
              <Button variant="secondary" onClick={() => setScaling(true)} data-test="scale">
                {t('Scale')}
              </Button>
            )}
            {canUpdate && k.restartable && (
              <Button variant="secondary" onClick={() => setRestarting(true)} data-test="restart">
                {t('Restart')}
              </Button>
            )}
            {canDelete && (
              <Button variant="danger" onClick={() => setDeleting(true)} data-test="delete">
                {t('Delete')}
              </Button>
            )}
          </Flex>
        }
      />
      <PageSection>
        <Tabs activeKey={tab} onSelect={(_e, key) => setTab(key)} mountOnEnter unmountOnExit aria-label={t('Sections')}>
          <Tab eventKey="details" title={<TabTitleText>{t('Details')}</TabTitleText>} data-test="tab-details">
            <Stack hasGutter className="pf-v6-u-mt-md">
              <Metadata object={o} extra={extra} />
              <Conditions conditions={conditions} />
            </Stack>
          </Tab>
          {template && (
            <Tab eventKey="containers" title={<TabTitleText>{t('Containers')}</TabTitleText>} data-test="tab-containers">
              <PodSpecView
                namespace={namespace}
                spec={template.spec}
                statuses={resource === 'pods' ? { main: (o as Pod).status?.containerStatuses, init: (o.status as { initContainerStatuses?: ContainerStatus[] } | undefined)?.initContainerStatuses } : undefined}
              />
            </Tab>
          )}
          {!!selector && (
            <Tab eventKey="pods" title={<TabTitleText>{t('Pods')}</TabTitleText>} data-test="tab-pods">
              <ResourceTable<K8sObject>
                id="pods"
                ariaLabel={t('Pods')}
                resource="pods"
                namespace={namespace}
                params={{ labelSelector: selector }}
                columns={columnsFor('pods', t)}
                statuses={kinds.pods.statuses}
                link={(p) => `/projects/${namespace}/pods/${p.metadata.name}`}
                defaultSortBy="name"
                defaultAscending
              />
            </Tab>
          )}
          {podLabels && Object.keys(podLabels).length > 0 && resource !== 'replicasets' && (
            <Tab eventKey="services" title={<TabTitleText>{t('Services')}</TabTitleText>} data-test="tab-services">
              <RelatedServices namespace={namespace} labels={podLabels} />
            </Tab>
          )}
          {history && (
            <Tab eventKey="revisions" title={<TabTitleText>{t('Revisions')}</TabTitleText>} data-test="tab-revisions">
              <RevisionHistory namespace={namespace} resource={history} workload={o as Workload} canRollback={canUpdate} />
            </Tab>
          )}
          {resource === 'cronjobs' && !!o.metadata.uid && (
            <Tab eventKey="jobs" title={<TabTitleText>{t('Jobs')}</TabTitleText>} data-test="tab-jobs">
              <JobsOf namespace={namespace} uid={o.metadata.uid} />
            </Tab>
          )}
          {(monitored || resource === 'pods') && (
            <Tab eventKey="monitoring" title={<TabTitleText>{t('Monitoring')}</TabTitleText>} data-test="tab-monitoring">
              <div className="pf-v6-u-mt-md">
                <Suspense fallback={<Loading />}>
                  {monitored ? <WorkloadMonitoring namespace={namespace} kind={monitored} name={name} /> : <PodMonitoring namespace={namespace} pod={name} />}
                </Suspense>
              </div>
            </Tab>
          )}
          {monitored && canLogs && (
            <Tab eventKey="logs" title={<TabTitleText>{t('Logs')}</TabTitleText>} data-test="tab-logs">
              <div className="pf-v6-u-mt-md">
                <Suspense fallback={<Loading />}>
                  {/* The lines of all its pods (their names start with the workload's), each marked with its pod. */}
                  <LogSearch namespace={namespace} workload={name} test="workload-logs" />
                </Suspense>
              </div>
            </Tab>
          )}
          {resource === 'pods' && canLogs && (
            <Tab eventKey="logs" title={<TabTitleText>{t('Logs')}</TabTitleText>} data-test="tab-logs">
              <PodLogs pod={o as Pod} />
            </Tab>
          )}
          {resource === 'pods' && canExec && (
            <Tab eventKey="terminal" title={<TabTitleText>{t('Terminal')}</TabTitleText>} data-test="tab-terminal">
              <Suspense fallback={<Loading />}>
                <PodTerminal pod={o as Pod} />
              </Suspense>
            </Tab>
          )}
          {(resource === 'configmaps' || resource === 'secrets') && (
            <Tab eventKey="data" title={<TabTitleText>{t('Data')}</TabTitleText>} data-test="tab-data">
              <DataTab object={o} secret={resource === 'secrets'} canReveal={canSecrets} />
            </Tab>
          )}
          <Tab eventKey="timeline" title={<TabTitleText>{t('Timeline')}</TabTitleText>} data-test="tab-timeline">
            <Suspense fallback={<Loading />}>
              <Timeline namespace={namespace} resource={resource} kind={k.kind} object={o} />
            </Suspense>
          </Tab>
          <Tab eventKey="events" title={<TabTitleText>{t('Events')}</TabTitleText>} data-test="tab-events">
            <Events namespace={namespace} kind={k.kind} name={name} />
          </Tab>
          {(resource !== 'secrets' || canSecrets) && (
            <Tab eventKey="yaml" title={<TabTitleText>YAML</TabTitleText>} data-test="tab-yaml">
              <YamlTab kind={k} namespace={namespace} name={name} canEdit={canUpdate} />
            </Tab>
          )}
        </Tabs>
      </PageSection>
      {deleting && (
        <ConfirmDelete
          kind={k.kind}
          name={name}
          onConfirm={async () => {
            await deleteObject(k, namespace, name, cluster);
            invalidate(resource);
            toast.success(t('{{kind}} {{name}} is being deleted.', { kind: k.kind, name }));
            void navigate(`/projects/${namespace}/${resource}`);
          }}
          onClose={() => setDeleting(false)}
        />
      )}
      {scaling && <ScaleModal kind={k} object={o} onClose={() => setScaling(false)} />}
      {restarting && <RestartConfirm kind={k} namespace={namespace} name={name} onClose={() => setRestarting(false)} />}
    </>
  );
}
