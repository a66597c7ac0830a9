import type { Workload } from '../../api/types';

/** The fields the Deployment form edits; the YAML holds everything else. */
export interface DeploymentFields {
  name: string;
  image: string;
  replicas: number;
  port: number | undefined;
}

export function newDeployment(namespace: string): Workload {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: '', namespace, labels: {} },
    spec: {
      replicas: 1,
      selector: { matchLabels: {} },
      template: { metadata: { labels: {} }, spec: { containers: [{ name: 'main', image: '' }] } },
    },
  };
}

export function fieldsOf(d: Workload): DeploymentFields {
  const c = d.spec.template?.spec.containers?.[0];
  return { name: d.metadata.name ?? '', image: c?.image ?? '', replicas: d.spec.replicas ?? 1, port: c?.ports?.[0]?.containerPort };
}

/**
 * withFields writes the form's fields into the Deployment, keeping
 * everything else the YAML says. The name is also the app label that the
 * selector and the pod template share.
 */
export function withFields(d: Workload, f: DeploymentFields): Workload {
  const out = structuredClone(d);
  const oldName = out.metadata.name;
  out.metadata.name = f.name;
  out.spec.replicas = f.replicas;
  const sel = (out.spec.selector ??= { matchLabels: {} });
  const matchLabels = (sel.matchLabels ??= {});
  const tmpl = out.spec.template;
  const tmplLabels = ((tmpl.metadata ??= {}).labels ??= {});
  const labels = (out.metadata.labels ??= {});
  for (const l of [matchLabels, tmplLabels, labels]) {
    if (!l.app || l.app === oldName) l.app = f.name;
  }
  const containers = tmpl.spec.containers.length ? tmpl.spec.containers : (tmpl.spec.containers = [{ name: 'main', image: '' }]);
  containers[0].image = f.image;
  if (f.port) containers[0].ports = [{ containerPort: f.port, protocol: 'TCP' }];
  else delete containers[0].ports;
  return out;
}
