import { useList } from '../api/resources';
import { workspaceLabel, type K8sObject } from '../api/types';

/**
 * useProjectWorkspace returns the workspace a project belongs to. It reads
 * the project from the list of projects (which has those the user may
 * see), not as one object, which a project member may not get.
 */
export function useProjectWorkspace(namespace: string | undefined): string | undefined {
  const q = useList<K8sObject>('namespaces', undefined, { names: namespace, limit: 1 }, { live: false, enabled: !!namespace });
  return q.data?.items[0]?.metadata.labels?.[workspaceLabel];
}
