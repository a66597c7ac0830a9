import { useQueryClient } from '@tanstack/react-query';
import { api, request } from './client';
import { apiPath, type KindInfo } from './kinds';
import type { K8sObject } from './types';

/** useInvalidate refetches a kind's lists and objects after a change. */
export function useInvalidate() {
  const client = useQueryClient();
  return (resource: string) => {
    void client.invalidateQueries({ queryKey: ['list', resource] });
    void client.invalidateQueries({ queryKey: ['get', resource] });
    void client.invalidateQueries({ queryKey: ['api'] });
    void client.invalidateQueries({ queryKey: ['object'] });
  };
}

// Each takes the cluster of the object (useCluster() of the page); the host when empty.

export function readObject<T extends K8sObject>(k: KindInfo, namespace: string | undefined, name: string, cluster?: string) {
  return api.get<T>(apiPath(k, namespace, name), undefined, cluster);
}

export function createObject<T extends K8sObject>(k: KindInfo, namespace: string | undefined, obj: T, dryRun = false, cluster?: string) {
  return request<T>(apiPath(k, namespace) + (dryRun ? '?dryRun=All' : ''), { method: 'POST', body: obj, cluster });
}

export function replaceObject<T extends K8sObject>(k: KindInfo, namespace: string | undefined, obj: T, dryRun = false, cluster?: string) {
  return request<T>(apiPath(k, namespace, obj.metadata.name) + (dryRun ? '?dryRun=All' : ''), { method: 'PUT', body: obj, cluster });
}

export function deleteObject(k: KindInfo, namespace: string | undefined, name: string, cluster?: string) {
  return api.del(apiPath(k, namespace, name) + '?propagationPolicy=Background', cluster);
}

export function scale(k: KindInfo, namespace: string, name: string, replicas: number, cluster?: string) {
  return api.patch(apiPath(k, namespace, name, 'scale'), { spec: { replicas } }, undefined, cluster);
}

/** restart rolls a workload's pods, as `kubectl rollout restart` does. */
export function restart(k: KindInfo, namespace: string, name: string, cluster?: string) {
  return api.patch(
    apiPath(k, namespace, name),
    { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } },
    undefined,
    cluster,
  );
}
