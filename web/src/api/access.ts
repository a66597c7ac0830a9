import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import { hostCluster, useCluster } from './cluster';
import { kinds, projectKinds } from './kinds';

/** An action to ask about, as the platform's subject access review names it. */
export interface Action {
  verb: string;
  group?: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  workspace?: string;
  name?: string;
  /** The cluster asked about; the page's cluster when not given (docs/multicluster.md). */
  cluster?: string;
}

interface ReviewAnswer {
  status: { allowed: boolean; results?: { allowed: boolean }[] };
}

/** reviewKey is the cache key of a batch of actions: the same questions share one answer. */
export function reviewKey(actions: Action[]) {
  return ['can', JSON.stringify(actions.map((a) => [a.verb, a.group ?? '', a.resource, a.subresource ?? '', a.namespace ?? '', a.workspace ?? '', a.name ?? '', a.cluster ?? '']))] as const;
}

/**
 * useCan asks the platform, in one batch review, which of the actions the
 * user may do. The console hides or disables what is not allowed; the API
 * refuses it regardless. While the answer is loading, nothing is allowed.
 */
export function useCan(actions: Action[]): boolean[] {
  return useAccess(actions).allowed;
}

/**
 * useAccess is useCan that also tells whether the answer has come. Answers
 * are kept for five minutes and shared by every screen that asks the same
 * questions (the navigation and the page it opens ask once between them).
 */
export function useAccess(asked: Action[]): { allowed: boolean[]; loaded: boolean } {
  // On a page about a member cluster, the questions are about that cluster:
  // the host decides them with the member's namespaces and bindings.
  const cluster = useCluster();
  const actions = cluster === hostCluster ? asked : asked.map((a) => (a.cluster ? a : { ...a, cluster }));
  const q = useQuery({
    queryKey: reviewKey(actions),
    queryFn: () =>
      api.post<ReviewAnswer>('/kapis/iam.superkube.io/v1beta1/subjectaccessreviews', {
        apiVersion: 'iam.superkube.io/v1beta1',
        kind: 'SubjectAccessReview',
        spec: { resourceAttributesList: actions },
      }),
    staleTime: 300_000,
    enabled: actions.length > 0,
  });
  return { allowed: actions.map((_, i) => q.data?.status?.results?.[i]?.allowed ?? false), loaded: !!q.data || !!q.error || actions.length === 0 };
}

/** Raw PromQL (the monitoring API's query and query_range), which the API allows to platform administrators. */
export const rawQueryAction: Action = { verb: 'list', group: 'monitoring.superkube.io', resource: 'query' };

/**
 * The audit search of the whole platform: the console asks, as the API
 * does, whether the user may list the logging API's auditing resource (a
 * platform administrator, or a platform role with the template "View audit
 * records").
 */
export const auditAction: Action = { verb: 'list', group: 'logging.superkube.io', resource: 'auditing' };

const alerting = 'alerting.superkube.io';
const devopsGroup = 'devops.superkube.io';

/**
 * What the platform's navigation and start page ask: nodes (the cluster),
 * users, platform roles, raw PromQL, the audit search; the platform's and
 * the cluster's alert rules and alerts (internal/iam/builtin's alerting
 * templates), the notification channels, the app reviews and repositories,
 * and the clusters.
 */
export const platformActions: Action[] = [
  { verb: 'list', resource: 'nodes' },
  { verb: 'list', group: 'iam.superkube.io', resource: 'users' },
  { verb: 'list', group: 'iam.superkube.io', resource: 'globalroles' },
  rawQueryAction,
  auditAction,
  { verb: 'list', group: alerting, resource: 'globalrulegroups' },
  { verb: 'list', group: alerting, resource: 'clusterrulegroups' },
  { verb: 'list', group: alerting, resource: 'alerts' },
  { verb: 'list', group: alerting, resource: 'clusteralerts' },
  { verb: 'list', group: 'notification.superkube.io', resource: 'configs' },
  // The app store's review queue: app reviewers and platform administrators (review on applicationversions).
  { verb: 'review', group: 'application.superkube.io', resource: 'applicationversions' },
  // The platform's app repositories (manage-app-store, platform administrators).
  { verb: 'list', group: 'application.superkube.io', resource: 'repositories' },
  // The clusters of the platform: their list, join wizard and removal.
  { verb: 'list', group: 'cluster.superkube.io', resource: 'clusters' },
  // The storage classes (storage.superkube.io reads them for whoever may list them: platform and cluster administrators).
  { verb: 'list', group: 'storage.k8s.io', resource: 'storageclasses' },
];

/** The index of the storage classes' question in platformActions. */
export const storageClassesIndex = platformActions.length - 1;

/** The sections of a project that the navigation offers, besides its overview. */
export const projectSections = [...projectKinds, 'members', 'roles', 'logs', 'event-search', 'alert-rules', 'alerts', 'releases', 'quotas', 'volumesnapshots', 'network-isolation', 'strategies', 'servicepolicies', 'topology', 'tracing'] as const;

function projectActions(namespace: string): Action[] {
  return [
    ...projectKinds.map((r) => ({ verb: 'list', group: kinds[r].group, resource: r, namespace })),
    { verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace },
    { verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'roles', namespace },
    // The log search: the API searches the namespaces where the user may read pods' logs.
    { verb: 'get', resource: 'pods', subresource: 'log', namespace },
    // The event search: the API searches the namespaces where the user may list events.
    { verb: 'list', resource: 'events', namespace },
    // Alerting: the project's rule groups and its alerts.
    { verb: 'list', group: alerting, resource: 'rulegroups', namespace },
    { verb: 'list', group: alerting, resource: 'alerts', namespace },
    // The app store: the project's releases.
    { verb: 'list', group: 'application.superkube.io', resource: 'applicationreleases', namespace },
    // The project's quotas and default limits (the template "View project settings").
    { verb: 'list', resource: 'resourcequotas', namespace },
    // The project's volume snapshots (the templates "View storage" and "Manage storage").
    { verb: 'list', group: 'snapshot.storage.k8s.io', resource: 'volumesnapshots', namespace },
    // The project's network isolation (project-view-network-isolation).
    { verb: 'list', group: 'network.superkube.io', resource: 'networkisolations', namespace },
    // The service mesh: grayscale releases (Strategies) and service policies.
    { verb: 'list', group: 'servicemesh.superkube.io', resource: 'strategies', namespace },
    { verb: 'list', group: 'servicemesh.superkube.io', resource: 'servicepolicies', namespace },
    // The traffic graph comes from the pods' metrics: for those who may list pods, as the project's monitoring.
    { verb: 'list', resource: 'pods', namespace },
    // Traces: the API shows the spans of namespaces the caller may read (list services there).
    { verb: 'list', resource: 'services', namespace },
  ];
}

/**
 * useProjectAccess tells which sections of a project the user may open
 * (list its objects), from one review shared by the navigation and the
 * project's pages.
 */
export function useProjectAccess(namespace: string | undefined): { may: (section: string) => boolean; loaded: boolean } {
  const a = useAccess(namespace ? projectActions(namespace) : []);
  return {
    loaded: a.loaded,
    may: (section) => {
      const i = (projectSections as readonly string[]).indexOf(section);
      return i >= 0 && a.allowed[i];
    },
  };
}

/**
 * The sections of a workspace besides its overview. Its quotas are for those who may list
 * quota.superkube.io resourcequotas in it (the template "View workspace settings"). The audit search of a
 * workspace is for those who may list the logging API's auditing resource
 * in it, as the API asks: its administrators (their built-in role has the
 * template "View the workspace's audit records") and platform
 * administrators.
 */
export const workspaceSections = ['projects', 'members', 'roles', 'auditing', 'apps', 'app-repositories', 'quotas', 'devops'] as const;

/** useWorkspaceAccess tells which sections of a workspace the user may open. */
export function useWorkspaceAccess(workspace: string | undefined): { may: (section: string) => boolean; loaded: boolean } {
  const a = useAccess(
    workspace
      ? [
          { verb: 'list', resource: 'namespaces', workspace },
          { verb: 'list', group: 'iam.superkube.io', resource: 'workspacerolebindings', workspace },
          { verb: 'list', group: 'iam.superkube.io', resource: 'workspaceroles', workspace },
          { ...auditAction, workspace },
          // The workspace's app templates (uploaded charts).
          { verb: 'list', group: 'application.superkube.io', resource: 'applications', workspace },
          { verb: 'list', group: 'application.superkube.io', resource: 'repositories', workspace },
          // The workspace's quotas (quota.superkube.io, the template "View workspace settings").
          { verb: 'list', group: 'quota.superkube.io', resource: 'resourcequotas', workspace },
          // The workspace's DevOps projects (docs/devops.md).
          { verb: 'list', group: devopsGroup, resource: 'devopsprojects', workspace },
        ]
      : [],
  );
  return {
    loaded: a.loaded,
    may: (section) => {
      const i = (workspaceSections as readonly string[]).indexOf(section);
      return i >= 0 && a.allowed[i];
    },
  };
}

/** The sections of a DevOps project that its navigation offers. */
export const devopsSections = ['pipelines', 'credentials', 'members', 'roles'] as const;

/**
 * useDevOpsAccess tells which sections of a DevOps project the user may
 * open: its pipelines, its credentials (the DevOps API's credentials
 * resource, internal/iam/builtin/devops.go: names, types and keys of the
 * Secrets of its namespace), its members and roles (bound in its
 * namespace, as a project's).
 */
export function useDevOpsAccess(namespace: string | undefined): { may: (section: string) => boolean; loaded: boolean } {
  const a = useAccess(
    namespace
      ? [
          { verb: 'list', group: devopsGroup, resource: 'pipelines', namespace },
          { verb: 'list', group: devopsGroup, resource: 'credentials', namespace },
          { verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace },
          { verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'roles', namespace },
        ]
      : [],
  );
  return {
    loaded: a.loaded,
    may: (section) => {
      const i = (devopsSections as readonly string[]).indexOf(section);
      return i >= 0 && a.allowed[i];
    },
  };
}

/** devopsActions are what the pages of a DevOps project ask about its objects, in this order. */
export function devopsActions(namespace: string): Action[] {
  return [
    { verb: 'create', group: devopsGroup, resource: 'pipelines', namespace },
    { verb: 'update', group: devopsGroup, resource: 'pipelines', namespace },
    { verb: 'delete', group: devopsGroup, resource: 'pipelines', namespace },
    { verb: 'create', group: devopsGroup, resource: 'pipelineruns', namespace },
    { verb: 'update', group: devopsGroup, resource: 'pipelineruns', namespace },
    { verb: 'approve', group: devopsGroup, resource: 'pipelineruns', namespace },
    { verb: 'create', group: devopsGroup, resource: 'credentials', namespace },
    { verb: 'delete', group: devopsGroup, resource: 'credentials', namespace },
  ];
}
