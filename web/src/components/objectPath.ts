// Where the console shows an object of a kind, for links from events,
// owners and other objects.

const resources: Record<string, string> = {
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  Job: 'jobs',
  CronJob: 'cronjobs',
  Pod: 'pods',
  Service: 'services',
  Ingress: 'ingresses',
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  PersistentVolumeClaim: 'persistentvolumeclaims',
};

/** objectPath is the console's page of an object, when the console has one for its kind. */
export function objectPath(kind: string | undefined, namespace: string | undefined, name: string | undefined): string | undefined {
  if (!kind || !name) return undefined;
  if (kind === 'Node') return `/platform/nodes/${name}`;
  const r = resources[kind];
  return r && namespace ? `/projects/${namespace}/${r}/${name}` : undefined;
}
