import type { K8sObject, Workload } from '../../api/types';
import type { ContainerSpec, EnvVar, Probe, Volume, VolumeMount } from './podSpec';

/** An environment variable as the form edits it: a value, or a key of a ConfigMap or Secret; other sources are kept as the YAML says. */
export interface EnvField {
  name: string;
  source: 'value' | 'configMap' | 'secret' | 'other';
  value: string;
  /** the ConfigMap's or Secret's name, and its key */
  ref: string;
  key: string;
  /** the entry as it was, for a source the form does not edit */
  raw?: EnvVar;
}

/** A probe as the form edits it: an HTTP GET or a TCP connection; other kinds are kept as the YAML says. */
export interface ProbeField {
  type: 'none' | 'http' | 'tcp' | 'other';
  path: string;
  port: number | undefined;
}

/** A volume from a ConfigMap, a Secret or a claim, mounted in the first container. */
export interface VolumeField {
  name: string;
  source: 'configMap' | 'secret' | 'pvc';
  ref: string;
  mountPath: string;
}

export interface Resources {
  requestCPU: string;
  requestMemory: string;
  limitCPU: string;
  limitMemory: string;
}

/** The fields the Deployment form edits; the YAML holds everything else. The fields after port are left as they are when not given. */
export interface DeploymentFields {
  name: string;
  image: string;
  replicas: number;
  port: number | undefined;
  env?: EnvField[];
  resources?: Resources;
  readiness?: ProbeField;
  liveness?: ProbeField;
  volumes?: VolumeField[];
  /** labels of the Deployment and its pods, besides app */
  labels?: [string, string][];
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

function envField(e: EnvVar): EnvField {
  const cm = e.valueFrom?.configMapKeyRef;
  const sec = e.valueFrom?.secretKeyRef;
  if (cm) return { name: e.name, source: 'configMap', value: '', ref: cm.name, key: cm.key };
  if (sec) return { name: e.name, source: 'secret', value: '', ref: sec.name, key: sec.key };
  if (e.valueFrom) return { name: e.name, source: 'other', value: '', ref: '', key: '', raw: e };
  return { name: e.name, source: 'value', value: e.value ?? '', ref: '', key: '' };
}

function envVar(f: EnvField): EnvVar {
  switch (f.source) {
    case 'configMap':
      return { name: f.name, valueFrom: { configMapKeyRef: { name: f.ref, key: f.key } } };
    case 'secret':
      return { name: f.name, valueFrom: { secretKeyRef: { name: f.ref, key: f.key } } };
    case 'other':
      return { ...(f.raw ?? { name: f.name }), name: f.name };
    default:
      return { name: f.name, value: f.value };
  }
}

function probeField(p: Probe | undefined): ProbeField {
  if (!p) return { type: 'none', path: '', port: undefined };
  const port = (v: number | string) => (typeof v === 'number' ? v : Number(v) || undefined);
  if (p.httpGet) return { type: 'http', path: p.httpGet.path ?? '/', port: port(p.httpGet.port) };
  if (p.tcpSocket) return { type: 'tcp', path: '', port: port(p.tcpSocket.port) };
  return { type: 'other', path: '', port: undefined };
}

/** probe writes a probe field over the probe the YAML had, keeping its timings. */
function probe(old: Probe | undefined, f: ProbeField): Probe | undefined {
  if (f.type === 'none') return undefined;
  if (f.type === 'other') return old;
  const rest: Probe = { ...(old ?? {}) };
  delete rest.httpGet;
  delete rest.tcpSocket;
  delete rest.grpc;
  delete rest.exec;
  const port = f.port ?? 0;
  return f.type === 'http' ? { httpGet: { path: f.path || '/', port }, ...rest } : { tcpSocket: { port }, ...rest };
}

/** The volumes the form edits: those from a ConfigMap, a Secret or a claim. */
function formVolume(v: Volume): VolumeField['source'] | undefined {
  if (v.configMap) return 'configMap';
  if (v.secret) return 'secret';
  if (v.persistentVolumeClaim) return 'pvc';
  return undefined;
}

function volume(f: VolumeField): Volume {
  switch (f.source) {
    case 'configMap':
      return { name: f.name, configMap: { name: f.ref } };
    case 'secret':
      return { name: f.name, secret: { secretName: f.ref } };
    default:
      return { name: f.name, persistentVolumeClaim: { claimName: f.ref } };
  }
}

export function fieldsOf(d: Workload): Required<DeploymentFields> {
  const c = d.spec.template?.spec.containers?.[0] as ContainerSpec | undefined;
  const r = c?.resources;
  const mounts = new Map((c?.volumeMounts ?? []).map((m) => [m.name, m.mountPath]));
  const volumes = ((d.spec.template?.spec.volumes ?? []) as Volume[]).flatMap((v): VolumeField[] => {
    const source = formVolume(v);
    if (!source) return [];
    const ref = v.configMap?.name ?? v.secret?.secretName ?? v.persistentVolumeClaim?.claimName ?? '';
    return [{ name: v.name, source, ref, mountPath: mounts.get(v.name) ?? '' }];
  });
  return {
    name: d.metadata.name ?? '',
    image: c?.image ?? '',
    replicas: d.spec.replicas ?? 1,
    port: c?.ports?.[0]?.containerPort,
    env: (c?.env ?? []).map(envField),
    resources: { requestCPU: r?.requests?.cpu ?? '', requestMemory: r?.requests?.memory ?? '', limitCPU: r?.limits?.cpu ?? '', limitMemory: r?.limits?.memory ?? '' },
    readiness: probeField(c?.readinessProbe),
    liveness: probeField(c?.livenessProbe),
    volumes,
    labels: Object.entries(d.metadata.labels ?? {}).filter(([k]) => k !== 'app'),
  };
}

/** quantities writes cpu and memory into a requests or limits map, leaving out empty ones and other resources as they were. */
function quantities(old: Record<string, string> | undefined, cpu: string, memory: string): Record<string, string> | undefined {
  const out = { ...(old ?? {}) };
  delete out.cpu;
  delete out.memory;
  if (cpu.trim()) out.cpu = cpu.trim();
  if (memory.trim()) out.memory = memory.trim();
  return Object.keys(out).length ? out : undefined;
}

/**
 * withFields writes the form's fields into the Deployment, keeping
 * everything else the YAML says. The name is also the app label that the
 * selector and the pod template share; the other labels go on the
 * Deployment and its pods.
 */
export function withFields(d: Workload, f: DeploymentFields): Workload {
  const out = structuredClone(d);
  const oldName = out.metadata.name;
  const oldLabels = { ...(out.metadata.labels ?? {}) };
  out.metadata.name = f.name;
  out.spec.replicas = f.replicas;
  const sel = (out.spec.selector ??= { matchLabels: {} });
  const matchLabels = (sel.matchLabels ??= {});
  const tmpl = out.spec.template;
  const tmplLabels = ((tmpl.metadata ??= {}).labels ??= {});
  const labels = (out.metadata.labels ??= {});
  if (f.labels) {
    // The form's labels replace the Deployment's (but app); on the pods,
    // they replace those that were the Deployment's.
    for (const k of Object.keys(oldLabels)) {
      if (k === 'app') continue;
      delete labels[k];
      if (tmplLabels[k] === oldLabels[k]) delete tmplLabels[k];
    }
    for (const [k, v] of f.labels) {
      if (!k || k === 'app') continue;
      labels[k] = v;
      tmplLabels[k] = v;
    }
  }
  for (const l of [matchLabels, tmplLabels, labels]) {
    if (!l.app || l.app === oldName) l.app = f.name;
  }
  const containers = (tmpl.spec.containers.length ? tmpl.spec.containers : (tmpl.spec.containers = [{ name: 'main', image: '' }])) as ContainerSpec[];
  const c = containers[0];
  c.image = f.image;
  if (f.port) c.ports = [{ containerPort: f.port, protocol: 'TCP' }];
  else delete c.ports;
  if (f.env) {
    if (f.env.length) c.env = f.env.map(envVar);
    else delete c.env;
  }
  if (f.resources) {
    const requests = quantities(c.resources?.requests, f.resources.requestCPU, f.resources.requestMemory);
    const limits = quantities(c.resources?.limits, f.resources.limitCPU, f.resources.limitMemory);
    const res: NonNullable<ContainerSpec['resources']> = { ...(c.resources ?? {}) };
    delete res.requests;
    delete res.limits;
    if (requests) res.requests = requests;
    if (limits) res.limits = limits;
    if (Object.keys(res).length) c.resources = res;
    else delete c.resources;
  }
  for (const [field, key] of [
    [f.readiness, 'readinessProbe'],
    [f.liveness, 'livenessProbe'],
  ] as const) {
    if (!field) continue;
    const p = probe(c[key], field);
    if (p) c[key] = p;
    else delete c[key];
  }
  if (f.volumes) {
    const spec = tmpl.spec as { volumes?: Volume[] };
    const old = (spec.volumes ?? []).filter((v) => formVolume(v));
    const oldNames = new Set(old.map((v) => v.name));
    const kept = (spec.volumes ?? []).filter((v) => !formVolume(v));
    const volumes = [...kept, ...f.volumes.map(volume)];
    if (volumes.length) spec.volumes = volumes;
    else delete spec.volumes;
    const mounts: VolumeMount[] = [
      ...(c.volumeMounts ?? []).filter((m) => !oldNames.has(m.name)),
      ...f.volumes.filter((v) => v.mountPath).map((v) => ({ name: v.name, mountPath: v.mountPath, ...(v.source === 'pvc' ? {} : { readOnly: true }) })),
    ];
    if (mounts.length) c.volumeMounts = mounts;
    else delete c.volumeMounts;
  }
  return out;
}

export interface ServiceFields {
  create: boolean;
  type: 'ClusterIP' | 'NodePort';
  port: number | undefined;
}

/**
 * serviceFor is the Service the form also creates: named as the
 * Deployment, selecting its pods by their app label, and sending its port
 * to the container's port.
 */
export function serviceFor(d: Workload, s: ServiceFields): K8sObject {
  const target = (d.spec.template.spec.containers[0] as ContainerSpec | undefined)?.ports?.[0]?.containerPort ?? s.port;
  const app = d.spec.template.metadata?.labels?.app ?? d.metadata.name;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: d.metadata.name, namespace: d.metadata.namespace, labels: { app } },
    spec: { type: s.type, selector: { app }, ports: [{ name: 'http', port: s.port ?? target, targetPort: target, protocol: 'TCP' }] },
  };
}
