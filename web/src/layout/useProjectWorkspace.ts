import { useGet } from '../api/resources';
import { workspaceLabel, type K8sObject } from '../api/types';

/** useProjectWorkspace returns the workspace a project belongs to. */
export function useProjectWorkspace(namespace: string | undefined): string | undefined {
  const q = useGet<K8sObject>('namespaces', undefined, namespace);
  return q.data?.metadata.labels?.[workspaceLabel];
}
