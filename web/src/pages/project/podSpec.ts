import { objectPath } from '../../components/objectPath';

// The parts of a pod template that the workload pages and the Deployment
// form read and write, as Kubernetes names them.

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { resource: string; containerName?: string };
  };
}

export interface EnvFrom {
  prefix?: string;
  configMapRef?: { name: string };
  secretRef?: { name: string };
}

export interface Probe {
  httpGet?: { path?: string; port: number | string; scheme?: string };
  tcpSocket?: { port: number | string };
  grpc?: { port: number };
  exec?: { command?: string[] };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { containerPort: number; protocol?: string; name?: string }[];
  env?: EnvVar[];
  envFrom?: EnvFrom[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: VolumeMount[];
  [key: string]: unknown;
}

export interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  emptyDir?: object;
  hostPath?: { path: string };
  [key: string]: unknown;
}

export interface PodSpec {
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  volumes?: Volume[];
  nodeName?: string;
  [key: string]: unknown;
}

/** ownerPath is the console's page of an owner, when the console has one. */
export function ownerPath(namespace: string, kind: string, name: string): string | undefined {
  return objectPath(kind, namespace, name);
}

/** templateOf is a workload's pod template: a CronJob's is in its job template. */
export function templateOf(resource: string, spec: Record<string, unknown> | undefined): { metadata?: { labels?: Record<string, string> }; spec: PodSpec } | undefined {
  if (!spec) return undefined;
  if (resource === 'cronjobs') {
    const jt = spec.jobTemplate as { spec?: { template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } } } | undefined;
    return jt?.spec?.template;
  }
  return spec.template as { metadata?: { labels?: Record<string, string> }; spec: PodSpec } | undefined;
}
