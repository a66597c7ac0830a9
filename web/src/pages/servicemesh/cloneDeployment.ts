import type { Workload } from '../../api/types';

// The new version of a service, made from the Deployment of its current
// version: the same pod template and settings, another name, the version
// label set to the new version on the Deployment, its selector and its
// pods, and one container's image changed. The controller then routes the
// new version's pods by that label (the DestinationRule's subset).

export interface NewVersion {
  /** the version label's value of the new version (v2) */
  version: string;
  image: string;
  /** the container whose image changes; the first one when empty */
  container?: string;
  /** the pod label that tells versions apart (version) */
  versionLabel?: string;
  /** the new Deployment's name; by default <app>-<version> */
  name?: string;
}

/** appOf is the application a Deployment runs: its pods' app label, else its name without the version suffix. */
export function appOf(d: Workload, versionLabel = 'version'): string {
  const labels = d.spec.template.metadata?.labels ?? {};
  if (labels.app) return labels.app;
  const v = labels[versionLabel];
  const name = d.metadata.name;
  return v && name.endsWith(`-${v}`) ? name.slice(0, -v.length - 1) : name;
}

/** newVersionName is the new version's Deployment name: <app>-<version>, at most 63 characters. */
export function newVersionName(d: Workload, version: string, versionLabel = 'version'): string {
  return `${appOf(d, versionLabel)}-${version}`.toLowerCase().slice(0, 63).replace(/[-.]+$/, '');
}

/**
 * cloneForVersion makes the new version's Deployment from the current one.
 * What the cluster wrote (status, uid, resourceVersion, managed fields,
 * revision annotations, owner references) is left out; the selector gets
 * the version label too, so that the two Deployments never select each
 * other's pods.
 */
export function cloneForVersion(current: Workload, nv: NewVersion): Workload {
  const versionLabel = nv.versionLabel || 'version';
  const spec = structuredClone(current.spec);
  const template = spec.template;
  const labels = { ...(template.metadata?.labels ?? {}), [versionLabel]: nv.version };
  template.metadata = { ...(template.metadata ?? {}), labels };
  // A restart annotation of the current version means nothing for the new one.
  const podAnnotations = Object.entries(template.metadata.annotations ?? {}).filter(([k]) => k !== 'kubectl.kubernetes.io/restartedAt');
  if (podAnnotations.length) template.metadata.annotations = Object.fromEntries(podAnnotations);
  else delete template.metadata.annotations;
  spec.selector = { ...(spec.selector ?? {}), matchLabels: { ...(spec.selector?.matchLabels ?? {}), [versionLabel]: nv.version } };
  const containers = template.spec.containers;
  const target = nv.container ? containers.find((c) => c.name === nv.container) : containers[0];
  if (!target) throw new Error(`no container ${nv.container ?? ''} in ${current.metadata.name}`);
  target.image = nv.image;
  // A paused Deployment's copy should roll out.
  delete spec.paused;
  const metaLabels = { ...(current.metadata.labels ?? {}), [versionLabel]: nv.version };
  const annotations = Object.fromEntries(Object.entries(current.metadata.annotations ?? {}).filter(([k]) => k !== 'deployment.kubernetes.io/revision' && k !== 'kubectl.kubernetes.io/last-applied-configuration'));
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: nv.name || newVersionName(current, nv.version, versionLabel),
      namespace: current.metadata.namespace,
      labels: metaLabels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec,
  };
}
