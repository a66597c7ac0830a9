import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from './client';
import { useCluster } from './cluster';
import { apiPath, type KindInfo } from './kinds';
import { createObject, replaceObject } from './mutations';
import type { Condition, K8sObject, LabelSelector } from './types';

// A project's network isolation (docs/network.md): the network.superkube.io
// NetworkIsolation named "default" of the namespace, a custom resource read
// and written through ke-apiserver's Kubernetes proxy as the user, and the
// NetworkPolicies ke-controller-manager generates from it (read only).

export const networkGroup = 'network.superkube.io';

/** The one NetworkIsolation a project has. */
export const isolationName = 'default';

export const networkIsolationKind: KindInfo = { resource: 'networkisolations', group: networkGroup, version: 'v1alpha1', kind: 'NetworkIsolation', namespaced: true, sortBy: [], statuses: [] };
export const networkPolicyKind: KindInfo = { resource: 'networkpolicies', group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', namespaced: true, sortBy: [], statuses: [] };

/** The label ke-controller-manager puts on the policies it generates. */
export const generatedByLabel = 'network.superkube.io/generated-by';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface Port {
  protocol?: Protocol;
  port: number;
}

export interface AllowedSource {
  namespaces?: string[];
  workspaces?: string[];
  cidrs?: IPBlock[];
  ports?: Port[];
}

export interface NetworkIsolation extends K8sObject {
  spec: { enabled: boolean; allowedSources?: AllowedSource[] };
  status?: {
    observedGeneration?: number;
    /** what isolates the namespace now */
    isolation?: 'Project' | 'Workspace' | 'None';
    /** the generated NetworkPolicy's name */
    policy?: string;
    conditions?: Condition[];
  };
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicy extends K8sObject {
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: { from?: PolicyPeer[]; ports?: { protocol?: string; port?: number | string; endPort?: number }[] }[];
  };
}

interface KubeList<T> {
  items: T[];
}

/**
 * useNetworkIsolation reads the project's NetworkIsolation; null when it has
 * none (a project that was never isolated), which is not an error.
 */
export function useNetworkIsolation(namespace: string, enabled = true) {
  const cluster = useCluster();
  const path = apiPath(networkIsolationKind, namespace, isolationName);
  return useQuery({
    queryKey: isolationQueryKey(namespace, cluster),
    queryFn: async ({ signal }) => {
      try {
        return await api.get<NetworkIsolation>(path, signal, cluster);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return null;
        throw e;
      }
    },
    enabled,
    // The controller fills the status a moment after a change.
    refetchInterval: 5_000,
  });
}

/** useGeneratedPolicies reads the NetworkPolicies ke-controller-manager generated in the project. */
export function useGeneratedPolicies(namespace: string, enabled = true) {
  const cluster = useCluster();
  const path = `${apiPath(networkPolicyKind, namespace)}?labelSelector=${encodeURIComponent(generatedByLabel)}`;
  return useQuery({
    queryKey: ['api', path, cluster],
    queryFn: ({ signal }) => api.get<KubeList<NetworkPolicy>>(path, signal, cluster).then((l) => l.items ?? []),
    enabled,
    refetchInterval: 5_000,
  });
}

/** isolationQueryKey is the query of a project's isolation on a cluster, to set after a save. */
export function isolationQueryKey(namespace: string, cluster: string) {
  return ['api', apiPath(networkIsolationKind, namespace, isolationName), cluster] as const;
}

/**
 * setIsolationEnabled turns the project's isolation on or off: a merge patch
 * of spec.enabled alone, so that the controller's status writes (or an edit
 * of the allowed sources) since the page read the object do not make the
 * switch a conflict; it creates the object when the project has none.
 */
export function setIsolationEnabled(namespace: string, enabled: boolean, current: NetworkIsolation | null | undefined, cluster?: string) {
  if (current) {
    return api.patch<NetworkIsolation>(apiPath(networkIsolationKind, namespace, isolationName), { spec: { enabled } }, undefined, cluster);
  }
  return saveNetworkIsolation(namespace, { enabled }, null, cluster);
}

/**
 * saveNetworkIsolation creates the project's NetworkIsolation, or replaces
 * the one read at its resourceVersion (a change made meanwhile is a
 * conflict, not lost).
 */
export function saveNetworkIsolation(namespace: string, spec: NetworkIsolation['spec'], current: NetworkIsolation | null | undefined, cluster?: string) {
  if (current) {
    const obj: NetworkIsolation = { ...current, spec };
    delete obj.status;
    return replaceObject(networkIsolationKind, namespace, obj, false, cluster);
  }
  const obj: NetworkIsolation = { apiVersion: `${networkGroup}/v1alpha1`, kind: 'NetworkIsolation', metadata: { name: isolationName, namespace }, spec };
  return createObject(networkIsolationKind, namespace, obj, false, cluster);
}
