import { Label, Stack } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCluster } from '../../api/cluster';
import { useInvalidate } from '../../api/mutations';
import { useList } from '../../api/resources';
import type { K8sObject, Workload } from '../../api/types';
import { ConfirmAction } from '../../components/ConfirmAction';
import { age, selectorString } from '../../components/format';
import { ResourceTable } from '../../components/ResourceTable';
import { StatusLabel } from '../../components/StatusLabel';
import { derivedColumn, derivedReady, derivedStatus } from '../../components/status';
import { useToast } from '../../components/Toast';
import { columnsFor } from './columns';
import { ownerPath, type PodSpec } from './podSpec';
import { deploymentRevision, rollbackDeployment, rollbackToRevision } from './rollback';

/** Owners shows what owns an object, each as a link to its page when the console has one. */
export function Owners({ namespace, object }: { namespace: string; object: K8sObject }) {
  const refs = object.metadata.ownerReferences ?? [];
  if (refs.length === 0) return <>-</>;
  return (
    <Stack>
      {refs.map((r) => {
        const to = ownerPath(namespace, r.kind, r.name);
        return (
          <span key={r.uid} data-test="owner">
            {r.kind}{' '}
            {to ? (
              <Link to={to} data-test={`owner-${r.kind}`}>
                {r.name}
              </Link>
            ) : (
              r.name
            )}
          </span>
        );
      })}
    </Stack>
  );
}

/** NodeLink links a pod's node to the node's page. */
export function NodeLink({ name }: { name: string | undefined }) {
  if (!name) return <>-</>;
  return (
    <Link to={`/platform/nodes/${name}`} data-test="node-link">
      {name}
    </Link>
  );
}

/** RelatedServices lists the services whose selector picks pods with the labels (a workload's pod template's). */
export function RelatedServices({ namespace, labels }: { namespace: string; labels: Record<string, string> }) {
  const { t } = useTranslation('project');
  return (
    <ResourceTable<K8sObject>
      id="related-services"
      ariaLabel={t('Services')}
      resource="services"
      namespace={namespace}
      params={{ podLabels: selectorString(labels) }}
      columns={columnsFor('services', t)}
      link={(s) => `/projects/${namespace}/services/${s.metadata.name}`}
      defaultSortBy="name"
      defaultAscending
      emptyTitle={t('No service selects these pods')}
      emptyText={t('Create a Service whose selector matches the pod labels to reach them.')}
    />
  );
}

/** JobsOf lists the Jobs a CronJob started. */
export function JobsOf({ namespace, uid }: { namespace: string; uid: string }) {
  const { t } = useTranslation('project');
  return (
    <ResourceTable<K8sObject>
      id="cronjob-jobs"
      ariaLabel={t('Jobs')}
      resource="jobs"
      namespace={namespace}
      params={{ ownerReference: uid }}
      columns={columnsFor('jobs', t)}
      link={(j) => `/projects/${namespace}/jobs/${j.metadata.name}`}
      emptyTitle={t('No jobs yet')}
      emptyText={t('The CronJob starts a Job at each time of its schedule.')}
    />
  );
}

function images(spec: PodSpec | undefined): string {
  return (spec?.containers ?? []).map((c) => c.image).join(', ');
}

/**
 * RevisionHistory lists a workload's revisions, newest first: a
 * Deployment's ReplicaSets, a StatefulSet's or DaemonSet's
 * ControllerRevisions; the user who may update the workload rolls it back
 * to an older one, after confirming.
 */
export function RevisionHistory({ namespace, resource, workload, canRollback }: { namespace: string; resource: 'deployments' | 'statefulsets' | 'daemonsets'; workload: Workload; canRollback: boolean }) {
  const { t } = useTranslation('project');
  const cluster = useCluster();
  const toast = useToast();
  const invalidate = useInvalidate();
  const [target, setTarget] = useState<K8sObject>();
  const name = workload.metadata.name;
  const deployment = resource === 'deployments';
  // A DaemonSet does not name its current revision: it is the newest.
  const newest = useList<K8sObject>('controllerrevisions', namespace, { ownerReference: workload.metadata.uid, sortBy: 'revision', limit: 1 }, { enabled: !deployment });
  const updateRevision = (workload.status as { updateRevision?: string } | undefined)?.updateRevision;
  const current = (o: K8sObject) =>
    deployment
      ? o.metadata.annotations?.[deploymentRevision] === workload.metadata.annotations?.[deploymentRevision]
      : updateRevision
        ? o.metadata.name === updateRevision
        : o.metadata.name === newest.data?.items[0]?.metadata.name;
  const revision = (o: K8sObject) => derivedColumn(o, 'revision');
  return (
    <>
      <ResourceTable<K8sObject>
        id="revisions"
        ariaLabel={t('Revisions')}
        resource={deployment ? 'replicasets' : 'controllerrevisions'}
        namespace={namespace}
        params={{ ownerReference: workload.metadata.uid }}
        defaultSortBy="revision"
        nameFilter={false}
        columns={[
          {
            title: t('Revision'),
            sortKey: 'revision',
            render: (o) => (
              <span data-test={`revision-${revision(o)}`}>
                #{revision(o)}{' '}
                {current(o) && (
                  <Label isCompact color="green" data-test="current-revision">
                    {t('current')}
                  </Label>
                )}
              </span>
            ),
          },
          ...(deployment
            ? [
                { title: t('Name'), render: (o: K8sObject) => <Link to={`/projects/${namespace}/replicasets/${o.metadata.name}`}>{o.metadata.name}</Link> },
                { title: t('Status'), render: (o: K8sObject) => <StatusLabel status={derivedStatus(o)} /> },
                { title: t('Ready'), render: (o: K8sObject) => derivedReady(o) },
                { title: t('Images'), render: (o: K8sObject) => images((o as Workload).spec.template?.spec as PodSpec | undefined), hideBelow: 'lg' as const },
              ]
            : [
                { title: t('Name'), render: (o: K8sObject) => o.metadata.name },
                {
                  title: t('Images'),
                  render: (o: K8sObject) => images((o.data as unknown as { spec?: { template?: { spec?: PodSpec } } } | undefined)?.spec?.template?.spec),
                  hideBelow: 'lg' as const,
                },
              ]),
          { title: t('Age'), sortKey: 'createTime', render: (o) => age(o.metadata.creationTimestamp) },
        ]}
        actions={
          canRollback
            ? (o) => [{ title: t('Roll back to this revision'), isDisabled: current(o), onClick: (x: K8sObject) => setTarget(x) }]
            : undefined
        }
        emptyTitle={t('No revisions yet')}
        emptyText={t('A revision is recorded each time the pod template changes.')}
      />
      {target && (
        <ConfirmAction
          title={t('Roll back {{name}}?', { name })}
          confirmLabel={t('Roll back')}
          test="rollback"
          onConfirm={async () => {
            if (deployment) await rollbackDeployment(namespace, name, target, cluster);
            else await rollbackToRevision(resource, namespace, name, target, cluster);
            invalidate(resource);
            invalidate(deployment ? 'replicasets' : 'controllerrevisions');
            toast.success(t('{{name}} is rolling back to revision {{revision}}.', { name, revision: revision(target) }), t('Its pods are replaced one by one.'));
          }}
          onClose={() => setTarget(undefined)}
        >
          {t('The pod template of revision {{revision}} replaces the current one, and the pods are replaced with it.', { revision: revision(target) })}
        </ConfirmAction>
      )}
    </>
  );
}
