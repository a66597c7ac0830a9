// The plural titles of kinds. They are translation keys of the common
// namespace (listed here so that the i18n check finds them).
const titles: Record<string, string> = {
  deployments: 'Deployments',
  statefulsets: 'StatefulSets',
  daemonsets: 'DaemonSets',
  replicasets: 'ReplicaSets',
  jobs: 'Jobs',
  cronjobs: 'CronJobs',
  pods: 'Pods',
  services: 'Services',
  ingresses: 'Ingresses',
  configmaps: 'ConfigMaps',
  secrets: 'Secrets',
  persistentvolumeclaims: 'Volumes',
  events: 'Events',
  nodes: 'Nodes',
  namespaces: 'Projects',
};

export function kindTitle(resource: string): string {
  return titles[resource] ?? resource;
}
