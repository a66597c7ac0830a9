import { useQuery } from '@tanstack/react-query';
import { api, query } from './client';
import { useCluster } from './cluster';
import type { KindInfo } from './kinds';
import { createObject, replaceObject } from './mutations';
import type { K8sObject } from './types';

// Gateways and routes (docs/gateway.md): ke-apiserver's
// /kapis/gateway.superkube.io/v1alpha1 answers a project's routes with their
// backends' readiness, the IngressClasses with whether the project may use
// them, and the allowed lists; it creates and replaces Ingresses and
// Gateway API HTTPRoutes from the forms. The allowed lists themselves
// (GatewayPolicy, WorkspaceGatewayPolicy), Gateways and YAML edits go
// through the Kubernetes API as the user.

export const gatewayPrefix = '/kapis/gateway.superkube.io/v1alpha1';
export const gatewayGroup = 'gateway.superkube.io';

export const ingressKind: KindInfo = { resource: 'ingresses', group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', namespaced: true, sortBy: [], statuses: [] };
export const gatewayKind: KindInfo = { resource: 'gateways', group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway', namespaced: true, sortBy: [], statuses: [] };
export const httpRouteKind: KindInfo = { resource: 'httproutes', group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute', namespaced: true, sortBy: [], statuses: [] };
export const gatewayPolicyKind: KindInfo = { resource: 'gatewaypolicies', group: gatewayGroup, version: 'v1alpha1', kind: 'GatewayPolicy', namespaced: true, sortBy: [], statuses: [] };
export const workspaceGatewayPolicyKind: KindInfo = {
  resource: 'workspacegatewaypolicies',
  group: gatewayGroup,
  version: 'v1alpha1',
  kind: 'WorkspaceGatewayPolicy',
  namespaced: false,
  sortBy: [],
  statuses: [],
};

/** The name of a project's GatewayPolicy: a project has one. */
export const projectPolicyName = 'default';

export type BackendState = 'Ready' | 'Degraded' | 'NoEndpoints' | 'ServiceMissing' | 'PortMissing' | 'External' | 'NotChecked';

export interface BackendRef {
  kind?: string;
  namespace?: string;
  service: string;
  port: string;
  weight?: number;
}

export interface Backend extends BackendRef {
  ready: number;
  total: number;
  state: BackendState;
  message?: string;
}

export interface RoutePath {
  host?: string;
  path: string;
  pathType: string;
  backends: BackendRef[];
}

export interface RouteTLS {
  hosts?: string[];
  secretName: string;
}

/** A project's Ingress or HTTPRoute, as the gateway API answers it. */
export interface Route extends K8sObject {
  type: 'Ingress' | 'HTTPRoute';
  ingressClassName?: string;
  parentRefs?: string[];
  hosts: string[];
  paths: RoutePath[];
  tls: RouteTLS[];
  backends: Backend[];
}

export interface IngressClassInfo extends K8sObject {
  controller: string;
  default: boolean;
  allowed: boolean;
}

/** The lists of one level; a list that is absent does not restrict. */
export interface GatewayPolicySpec {
  ingressClassNames?: string[];
  gatewayClassNames?: string[];
  gateways?: string[];
}

export interface EffectivePolicy {
  workspace?: string;
  namespace?: string;
  workspacePolicy?: GatewayPolicySpec;
  projectPolicy?: GatewayPolicySpec;
  effective: GatewayPolicySpec;
  /** a project's answer: true when the cluster serves Gateway API HTTPRoutes (their CRDs are installed) */
  httpRoutes?: boolean;
}

export interface PolicyObject extends K8sObject {
  spec: GatewayPolicySpec;
}

/** The body of the route form (the API's IngressForm). */
export interface IngressForm {
  name: string;
  ingressClassName?: string;
  rules: { host?: string; paths: { path: string; pathType?: string; service: string; port: string }[] }[];
  tls?: RouteTLS[];
}

/** The body of the HTTPRoute form (the API's HTTPRouteForm); its TLS is the Gateway listener's. */
export interface HTTPRouteForm {
  name: string;
  /** "gateway" (this project's) or "namespace/gateway" */
  parentRefs: string[];
  hostnames?: string[];
  rules: { path?: string; pathType?: string; backends: { service: string; port: string; weight?: number }[] }[];
}

interface List<T> {
  items: T[];
  totalItems: number;
}

/** How often the routes are read again while shown: their backends' readiness changes as pods come and go. */
const refreshMs = 15_000;

/** useRoutes reads a project's routes with their backends' readiness. */
export function useRoutes(namespace: string, params: { page: number; limit: number; name?: string; type?: string }) {
  const cluster = useCluster();
  const path = `${gatewayPrefix}/namespaces/${encodeURIComponent(namespace)}/routes${query({ ...params, sortBy: 'name', ascending: true })}`;
  return useQuery({
    queryKey: ['gateway', 'routes', namespace, params, cluster],
    queryFn: ({ signal }) => api.get<List<Route>>(path, signal, cluster),
    refetchInterval: refreshMs,
  });
}

/** useProjectClasses reads the IngressClasses with whether the project may use each. */
export function useProjectClasses(namespace: string) {
  const cluster = useCluster();
  return useQuery({
    queryKey: ['gateway', 'classes', 'namespace', namespace, cluster],
    queryFn: ({ signal }) =>
      api.get<List<IngressClassInfo>>(`${gatewayPrefix}/namespaces/${encodeURIComponent(namespace)}/ingressclasses?sortBy=name&ascending=true&limit=500`, signal, cluster),
  });
}

/** useWorkspaceClasses reads the IngressClasses with whether the workspace may use each. */
export function useWorkspaceClasses(workspace: string) {
  return useQuery({
    queryKey: ['gateway', 'classes', 'workspace', workspace],
    queryFn: ({ signal }) => api.get<List<IngressClassInfo>>(`${gatewayPrefix}/workspaces/${encodeURIComponent(workspace)}/ingressclasses?sortBy=name&ascending=true&limit=500`, signal),
  });
}

/** useProjectPolicy reads the lists that apply to a project. */
export function useProjectPolicy(namespace: string) {
  const cluster = useCluster();
  return useQuery({
    queryKey: ['gateway', 'policy', 'namespace', namespace, cluster],
    queryFn: ({ signal }) => api.get<EffectivePolicy>(`${gatewayPrefix}/namespaces/${encodeURIComponent(namespace)}/gatewaypolicy`, signal, cluster),
  });
}

/** useWorkspacePolicy reads a workspace's lists. */
export function useWorkspacePolicy(workspace: string) {
  return useQuery({
    queryKey: ['gateway', 'policy', 'workspace', workspace],
    queryFn: ({ signal }) => api.get<EffectivePolicy>(`${gatewayPrefix}/workspaces/${encodeURIComponent(workspace)}/gatewaypolicy`, signal),
  });
}

/** saveIngress creates an Ingress from the form, or replaces the named one's spec. */
export function saveIngress(namespace: string, form: IngressForm, existing: string | undefined, cluster?: string) {
  const base = `${gatewayPrefix}/namespaces/${encodeURIComponent(namespace)}/ingresses`;
  return existing ? api.put<Route>(`${base}/${encodeURIComponent(existing)}`, form, cluster) : api.post<Route>(base, form, cluster);
}

/** saveHTTPRoute creates an HTTPRoute from the form, or replaces the named one's parents, hostnames and rules. */
export function saveHTTPRoute(namespace: string, form: HTTPRouteForm, existing: string | undefined, cluster?: string) {
  const base = `${gatewayPrefix}/namespaces/${encodeURIComponent(namespace)}/httproutes`;
  return existing ? api.put<Route>(`${base}/${encodeURIComponent(existing)}`, form, cluster) : api.post<Route>(base, form, cluster);
}

/** useProjectGateways reads the names of a project's own Gateways (as the user), which its HTTPRoutes may always attach to. */
export function useProjectGateways(namespace: string, enabled: boolean) {
  const cluster = useCluster();
  return useQuery({
    queryKey: ['gateway', 'gateways', namespace, cluster],
    enabled,
    queryFn: async ({ signal }) => {
      const l = await api.get<{ items: K8sObject[] }>(`/apis/${gatewayKind.group}/${gatewayKind.version}/namespaces/${encodeURIComponent(namespace)}/gateways`, signal, cluster);
      return l.items.map((g) => g.metadata.name).sort();
    },
  });
}

/**
 * savePolicy writes a project's GatewayPolicy (workspace administrators) or a
 * workspace's WorkspaceGatewayPolicy (platform administrators) as the user:
 * created when there is none, else replaced at the version read.
 */
export function savePolicy(kind: KindInfo, obj: PolicyObject, exists: boolean, cluster?: string) {
  const ns = kind.namespaced ? obj.metadata.namespace : undefined;
  return exists ? replaceObject(kind, ns, obj, false, cluster) : createObject(kind, ns, obj, false, cluster);
}
