import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, query } from './client';
import type { ListParams } from './resources';
import { tenant } from './tenant';
import type { List } from './types';
import type { K8sObject } from './types';

// The clusters of the platform (docs/multicluster.md): the list a caller
// may use comes from the tenant API; joining, join tokens and removal are
// the cluster API's.

export const clusterAPI = '/kapis/cluster.superkube.io/v1alpha1';

const enc = encodeURIComponent;

export type ConnectionType = 'Host' | 'Direct' | 'Agent';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** Cluster is the Cluster object of api/cluster/v1alpha1, as far as the console reads it. */
export interface Cluster extends K8sObject {
  spec: {
    provider?: string;
    connection?: { type?: ConnectionType };
    enable?: boolean;
  };
  status?: {
    kubernetesVersion?: string;
    nodeCount?: number;
    lastProbeTime?: string;
    lastReachedTime?: string;
    agent?: { joined?: string; connected: boolean; since?: string; address?: string };
    conditions?: Condition[];
  };
}

export interface JoinToken {
  token: string;
  expiresAt: string;
}

export interface NewCluster {
  name: string;
  provider?: string;
  connection: 'Direct' | 'Agent';
  /** Direct: the member's kubeconfig */
  kubeconfig?: string;
  /** Agent: how long the join token works (1h when empty) */
  joinTokenTTL?: string;
}

/** How often the list is read again: the host probes its members every 10 s, and a removal takes a while. */
export const clustersRefresh = 10_000;

/**
 * useClusters reads a page of the clusters the user may use, again every
 * clustersRefresh: their status is what the host last reached, which the
 * list engine does not stream.
 */
export function useClusters(params: ListParams) {
  const path = `${tenant}/clusters`;
  return useQuery({
    queryKey: ['api', path, params],
    queryFn: ({ signal }) => api.get<List<Cluster>>(path + query(params), signal),
    placeholderData: keepPreviousData,
    refetchInterval: clustersRefresh,
  });
}

/** joinBody is what POST clusters gets: only the fields of the chosen connection. */
export function joinBody(c: NewCluster): Record<string, string> {
  const body: Record<string, string> = { name: c.name, connection: c.connection };
  if (c.provider) body.provider = c.provider;
  if (c.connection === 'Direct') body.kubeconfig = c.kubeconfig ?? '';
  else if (c.joinTokenTTL) body.joinTokenTTL = c.joinTokenTTL;
  return body;
}

export function joinCluster(c: NewCluster) {
  return api.post<{ cluster: Cluster; joinToken?: JoinToken }>(`${clusterAPI}/clusters`, joinBody(c));
}

/** newJoinToken issues a new join token for an Agent cluster; the old one stops working. */
export function newJoinToken(name: string, ttl?: string) {
  return api.post<JoinToken>(`${clusterAPI}/clusters/${enc(name)}/jointoken` + query({ ttl: ttl || undefined }), {});
}

export function removeCluster(name: string) {
  return api.del<unknown>(`${clusterAPI}/clusters/${enc(name)}`);
}
