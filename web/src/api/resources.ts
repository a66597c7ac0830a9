import { keepPreviousData, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useCluster } from './cluster';
import { api, clusterPath, query } from './client';
import { enginePath } from './kinds';
import type { K8sObject, List } from './types';
import { url } from '../config';

/** ListParams are the list convention's parameters. */
export interface ListParams {
  page?: number;
  limit?: number;
  sortBy?: string;
  ascending?: boolean;
  name?: string;
  status?: string;
  labelSelector?: string;
  fieldSelector?: string;
  ownerReference?: string;
  ownerKind?: string;
  nodeName?: string;
  [filter: string]: string | number | boolean | undefined;
}

/** staleRefetchMs is how often a list that may be stale is read again. */
export const staleRefetchMs = 5000;

/** listKey names a page of a kind's list; the cluster comes last, so that a kind's lists are refetched together. */
export function listKey(resource: string, namespace: string | undefined, params: ListParams, cluster = '') {
  return ['list', resource, namespace ?? '', params, cluster] as const;
}

/**
 * useList reads a page of a kind from the list engine, which filters, sorts
 * and pages on the server; with live set, the page reloads when the
 * engine's change stream reports a change the query matches.
 */
export function useList<T extends K8sObject>(resource: string, namespace: string | undefined, params: ListParams, opts: { live?: boolean; enabled?: boolean } = {}) {
  const live = opts.live ?? true;
  const enabled = opts.enabled ?? true;
  const cluster = useCluster();
  const q = useQuery({
    queryKey: listKey(resource, namespace, params, cluster),
    queryFn: ({ signal }) => api.get<List<T>>(enginePath(resource, namespace) + query(params), signal, cluster),
    placeholderData: keepPreviousData,
    enabled,
    // A stale answer is read again until it is fresh: the change stream
    // has nothing to say when only the connection to kube-apiserver comes back.
    refetchInterval: (query) => (query.state.data?.freshness?.stale ? staleRefetchMs : false),
  });
  useLiveList(resource, namespace, params, live && enabled);
  return q;
}

/** The query parts of a list that decide which objects match (not the page). */
function matchParams(params: ListParams): ListParams {
  const out: ListParams = {};
  for (const [k, v] of Object.entries(params)) {
    if (!['page', 'limit', 'sortBy', 'ascending'].includes(k)) out[k] = v;
  }
  return out;
}

/**
 * Streams the server refused (403, 404: EventSource closes for good on an
 * answer that is not a stream), by URL, with when: they are not asked for
 * again for five minutes, so that a page the user may read but not watch
 * does not ask, and get refused, at every visit.
 */
const refusedStreams = new Map<string, number>();
const refusedFor = 300_000;

export function streamRefused(u: string, now = Date.now()): boolean {
  const at = refusedStreams.get(u);
  if (at === undefined) return false;
  if (now - at > refusedFor) {
    refusedStreams.delete(u);
    return false;
  }
  return true;
}

/**
 * useLiveList opens the list engine's server-sent-event stream for the
 * query and refetches the kind's lists (debounced) when something changes,
 * and once when the stream opens; alsoRefetch names more queries to
 * refetch then (lists read from other APIs that show the same objects).
 */
export function useLiveList(resource: string, namespace: string | undefined, params: ListParams, enabled: boolean, alsoRefetch: readonly QueryKey[] = []) {
  const client = useQueryClient();
  const cluster = useCluster();
  const streamQuery = query({ ...matchParams(params), watch: true });
  const also = JSON.stringify(alsoRefetch);
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const u = url(clusterPath(cluster, enginePath(resource, namespace) + streamQuery));
    if (streamRefused(u)) return;
    const es = new EventSource(u);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        void client.invalidateQueries({ queryKey: ['list', resource] });
        void client.invalidateQueries({ queryKey: ['get', resource] });
        for (const key of JSON.parse(also) as QueryKey[]) void client.invalidateQueries({ queryKey: key });
      }, 300);
    };
    for (const type of ['ADDED', 'MODIFIED', 'DELETED', 'RESYNC']) es.addEventListener(type, refresh);
    es.onmessage = refresh;
    // The page may have been read before the stream was listening (and a
    // reconnect may have missed changes): read it again once the stream is
    // open, so that no change falls between the two.
    es.onopen = refresh;
    // A lost connection reconnects by itself (CONNECTING); a refusal closes.
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) refusedStreams.set(u, Date.now());
    };
    return () => {
      if (timer) clearTimeout(timer);
      es.close();
    };
  }, [client, cluster, resource, namespace, streamQuery, enabled, also]);
}

/** useGet reads one object through the list engine, and follows its changes. */
export function useGet<T extends K8sObject>(resource: string, namespace: string | undefined, name: string | undefined) {
  const cluster = useCluster();
  useLiveList(resource, namespace, { names: name }, !!name);
  return useQuery({
    queryKey: ['get', resource, namespace ?? '', name, cluster],
    queryFn: ({ signal }) => api.get<T>(enginePath(resource, namespace, name), signal, cluster),
    enabled: !!name,
  });
}
