import { api } from '../../api/client';
import { apiPath, kinds } from '../../api/kinds';
import type { K8sObject, PodTemplate } from '../../api/types';

/** The label the deployment controller adds to a ReplicaSet's pod template; a Deployment's own template has none. */
const podTemplateHash = 'pod-template-hash';

/** deploymentRevision is the annotation where the deployment controller numbers a Deployment's and its ReplicaSets' revisions. */
export const deploymentRevision = 'deployment.kubernetes.io/revision';

/**
 * rollbackTemplate is the pod template a Deployment rolls back to: the
 * ReplicaSet's, without the hash label the controller added to it.
 */
export function rollbackTemplate(rs: { spec?: { template?: PodTemplate } }): PodTemplate {
  const tmpl = structuredClone(rs.spec?.template ?? { spec: { containers: [] } });
  if (tmpl.metadata?.labels) delete tmpl.metadata.labels[podTemplateHash];
  return tmpl;
}

/**
 * rollbackDeployment rolls a Deployment back to a ReplicaSet's template, as
 * `kubectl rollout undo` does: a JSON patch that replaces the template,
 * sent as the user through the Kubernetes API, so that the user's own
 * permissions decide. The deployment controller then makes that
 * ReplicaSet the newest revision.
 */
export function rollbackDeployment(namespace: string, name: string, rs: K8sObject, cluster?: string) {
  return api.patch(apiPath(kinds.deployments, namespace, name), [{ op: 'replace', path: '/spec/template', value: rollbackTemplate(rs as { spec?: { template?: PodTemplate } }) }], 'application/json-patch+json', cluster);
}

/**
 * rollbackToRevision rolls a StatefulSet or DaemonSet back to one of its
 * ControllerRevisions, as `kubectl rollout undo` does: the revision's data is
 * a strategic merge patch of the template, applied as the user.
 */
export function rollbackToRevision(resource: 'statefulsets' | 'daemonsets', namespace: string, name: string, revision: K8sObject, cluster?: string) {
  return api.patch(apiPath(kinds[resource], namespace, name), revision.data ?? {}, 'application/strategic-merge-patch+json', cluster);
}
