// The kinds the console lists, and where each lives in the Kubernetes API.

export interface KindInfo {
  /** plural, as the list engine and the Kubernetes API name it */
  resource: string;
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
  /** derived columns the list engine sorts by, besides name and createTime */
  sortBy: string[];
  /** values of the list engine's status filter */
  statuses: string[];
  /** whether the kind has replicas to scale and a pod template to restart */
  scalable?: boolean;
  restartable?: boolean;
}

const workloadStatuses = ['running', 'updating', 'pending', 'stopped'];
const workloadSort = ['readyReplicas', 'replicas', 'status'];

export const kinds: Record<string, KindInfo> = {
  deployments: { resource: 'deployments', group: 'apps', version: 'v1', kind: 'Deployment', namespaced: true, sortBy: workloadSort, statuses: workloadStatuses, scalable: true, restartable: true },
  statefulsets: { resource: 'statefulsets', group: 'apps', version: 'v1', kind: 'StatefulSet', namespaced: true, sortBy: workloadSort, statuses: workloadStatuses, scalable: true, restartable: true },
  daemonsets: { resource: 'daemonsets', group: 'apps', version: 'v1', kind: 'DaemonSet', namespaced: true, sortBy: workloadSort, statuses: workloadStatuses, restartable: true },
  replicasets: { resource: 'replicasets', group: 'apps', version: 'v1', kind: 'ReplicaSet', namespaced: true, sortBy: workloadSort, statuses: workloadStatuses },
  jobs: { resource: 'jobs', group: 'batch', version: 'v1', kind: 'Job', namespaced: true, sortBy: ['succeeded', 'failed', 'status'], statuses: ['running', 'completed', 'failed', 'stopped'] },
  cronjobs: { resource: 'cronjobs', group: 'batch', version: 'v1', kind: 'CronJob', namespaced: true, sortBy: ['active', 'lastScheduleTime', 'status'], statuses: [] },
  pods: { resource: 'pods', group: '', version: 'v1', kind: 'Pod', namespaced: true, sortBy: ['restarts', 'ready', 'status', 'node'], statuses: ['running', 'pending', 'succeeded', 'failed', 'terminating'] },
  services: { resource: 'services', group: '', version: 'v1', kind: 'Service', namespaced: true, sortBy: ['pods', 'type'], statuses: [] },
  ingresses: { resource: 'ingresses', group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', namespaced: true, sortBy: [], statuses: [] },
  configmaps: { resource: 'configmaps', group: '', version: 'v1', kind: 'ConfigMap', namespaced: true, sortBy: [], statuses: [] },
  secrets: { resource: 'secrets', group: '', version: 'v1', kind: 'Secret', namespaced: true, sortBy: [], statuses: [] },
  persistentvolumeclaims: { resource: 'persistentvolumeclaims', group: '', version: 'v1', kind: 'PersistentVolumeClaim', namespaced: true, sortBy: [], statuses: [] },
  events: { resource: 'events', group: '', version: 'v1', kind: 'Event', namespaced: true, sortBy: ['lastTimestamp', 'count', 'type', 'reason'], statuses: [] },
  nodes: { resource: 'nodes', group: '', version: 'v1', kind: 'Node', namespaced: false, sortBy: [], statuses: ['ready', 'notready'] },
  namespaces: { resource: 'namespaces', group: '', version: 'v1', kind: 'Namespace', namespaced: false, sortBy: [], statuses: [] },
};

/** The kinds a project shows, in the navigation's order. */
export const projectKinds = ['deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'pods', 'services', 'ingresses', 'configmaps', 'secrets', 'persistentvolumeclaims'];

export function kindInfo(resource: string): KindInfo {
  const k = kinds[resource];
  if (!k) throw new Error(`unknown kind ${resource}`);
  return k;
}

/** apiPath is the Kubernetes API path of a kind's collection or of one object. */
export function apiPath(k: KindInfo, namespace?: string, name?: string, subresource?: string): string {
  let p = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  if (k.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${k.resource}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

export function apiVersion(k: KindInfo): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

export const engine = '/kapis/resources.superkube.io/v1alpha3';

/** enginePath is the list engine's path of a kind, in a namespace or cluster-wide. */
export function enginePath(resource: string, namespace?: string, name?: string): string {
  let p = engine;
  if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${resource}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  return p;
}
