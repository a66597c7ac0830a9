import type { TFunction } from 'i18next';
import type { Column } from '../../components/ResourceTable';
import type { K8sObject, Pod, Workload } from '../../api/types';
import { age } from '../../components/format';
import { StatusLabel } from '../../components/StatusLabel';
import { derivedColumn, derivedReady, derivedStatus } from '../../components/status';

type Cols = Column<K8sObject>[];

const name = (t: TFunction): Column<K8sObject> => ({ title: t('Name'), sortKey: 'name', render: (o) => o.metadata.name });
const created = (t: TFunction): Column<K8sObject> => ({ title: t('Age'), sortKey: 'createTime', render: (o) => age(o.metadata.creationTimestamp) });

function field<T>(o: K8sObject, get: (x: T) => string | number | null | undefined): string {
  const v = get(o as T);
  return v === undefined || v === null || v === '' ? '-' : String(v);
}

interface ServiceLike {
  spec: { type?: string; clusterIP?: string; ports?: { port: number; protocol?: string }[] };
}
interface PVCLike {
  spec: { storageClassName?: string; resources?: { requests?: { storage?: string } } };
  status?: { phase?: string; capacity?: { storage?: string } };
}
interface IngressLike {
  spec: { rules?: { host?: string }[] };
}

/** columnsFor gives each kind its columns; sortKey names the list engine's derived columns. */
export function columnsFor(resource: string, t: TFunction): Cols {
  const w = (o: K8sObject) => o as Workload;
  switch (resource) {
    case 'deployments':
    case 'statefulsets':
    case 'daemonsets':
    case 'replicasets':
      return [
        name(t),
        { title: t('Status'), sortKey: 'status', render: (o) => <StatusLabel status={derivedStatus(o)} /> },
        { title: t('Ready'), sortKey: 'readyReplicas', render: (o) => derivedReady(o) },
        { title: t('Images'), render: (o) => w(o).spec.template?.spec.containers.map((c) => c.image).join(', '), hideBelow: 'xl' },
        created(t),
      ];
    case 'jobs':
      return [
        name(t),
        { title: t('Succeeded'), sortKey: 'succeeded', render: (o) => derivedColumn(o, 'succeeded') },
        { title: t('Failed'), sortKey: 'failed', render: (o) => derivedColumn(o, 'failed') },
        created(t),
      ];
    case 'cronjobs':
      return [
        name(t),
        { title: t('Schedule'), render: (o) => field<Workload>(o, (x) => x.spec.schedule) },
        { title: t('Suspended'), render: (o) => (w(o).spec.suspend ? t('Yes') : t('No')) },
        { title: t('Last run'), sortKey: 'lastScheduleTime', render: (o) => age(w(o).status?.lastScheduleTime) },
        created(t),
      ];
    case 'pods':
      return [
        name(t),
        { title: t('Status'), sortKey: 'status', render: (o) => <StatusLabel status={derivedStatus(o)} /> },
        { title: t('Ready'), sortKey: 'ready', render: (o) => derivedReady(o) },
        { title: t('Restarts'), sortKey: 'restarts', render: (o) => derivedColumn(o, 'restarts') },
        { title: t('Node'), sortKey: 'node', render: (o) => (o as Pod).spec.nodeName ?? '-' },
        { title: t('IP'), render: (o) => (o as Pod).status?.podIP ?? '-', hideBelow: 'xl' },
        created(t),
      ];
    case 'services':
      return [
        name(t),
        { title: t('Type'), sortKey: 'type', render: (o) => field<ServiceLike>(o, (x) => x.spec.type) },
        { title: t('Cluster IP'), render: (o) => field<ServiceLike>(o, (x) => x.spec.clusterIP), hideBelow: 'xl' },
        { title: t('Ports'), render: (o) => ((o as unknown as ServiceLike).spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(', ') },
        created(t),
      ];
    case 'ingresses':
      return [name(t), { title: t('Hosts'), render: (o) => ((o as unknown as IngressLike).spec.rules ?? []).map((r) => r.host ?? '*').join(', ') || '-' }, created(t)];
    case 'configmaps':
      return [name(t), { title: t('Keys'), render: (o) => Object.keys(o.data ?? {}).join(', ') || '-' }, created(t)];
    case 'secrets':
      return [
        name(t),
        { title: t('Type'), render: (o) => (typeof o.type === 'string' && o.type) || '-' },
        { title: t('Keys'), render: (o) => o.metadata.annotations?.['superkube.io/data-keys'] ?? '-' },
        created(t),
      ];
    case 'persistentvolumeclaims':
      return [
        name(t),
        { title: t('Status'), sortKey: 'status', render: (o) => <StatusLabel status={derivedStatus(o)} /> },
        { title: t('Capacity'), render: (o) => field<PVCLike>(o, (x) => x.status?.capacity?.storage ?? x.spec.resources?.requests?.storage) },
        { title: t('Storage class'), render: (o) => field<PVCLike>(o, (x) => x.spec.storageClassName), hideBelow: 'xl' },
        created(t),
      ];
    default:
      return [name(t), created(t)];
  }
}
