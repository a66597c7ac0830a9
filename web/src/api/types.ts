// Types of the objects the console shows. Only the fields it reads are
// named; the rest of an object is kept as it came.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  generation?: number;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * Derived is what the list engine computes of an object and sends beside it
 * (docs/api.md): the state its status filter matches, the readiness as
 * ready/desired, and its derived sort columns with the values sorted on.
 */
export interface Derived {
  status?: string;
  ready?: string;
  columns?: Record<string, string | number>;
}

export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: object;
  status?: object;
  data?: Record<string, string>;
  /** Set on objects read from the list engine. */
  derived?: Derived;
  [key: string]: unknown;
}

/**
 * Freshness comes with a list engine answer that may be stale (docs/api.md):
 * ke-apiserver cannot reach kube-apiserver, or is catching up with it, and
 * answers from what it last saw.
 */
export interface Freshness {
  stale: boolean;
  reason?: string;
  /** since when the list may be stale (RFC 3339) */
  since?: string;
}

export interface List<T> {
  items: T[];
  totalItems: number;
  /** the matching objects by state, when the list asked for countBy=status */
  counts?: Record<string, number>;
  /** present when the answer may be stale */
  freshness?: Freshness;
}

export interface Container {
  name: string;
  image: string;
  ports?: { containerPort: number; protocol?: string; name?: string }[];
  env?: { name: string; value?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  command?: string[];
  args?: string[];
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Container[]; [key: string]: unknown };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  image: string;
  state?: ContainerState;
  /** the state the container was in before its last restart */
  lastState?: ContainerState;
}

/** A container's state: one of running, waiting or terminated. */
export interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: { reason?: string; exitCode?: number; message?: string; startedAt?: string; finishedAt?: string };
}

export interface Pod extends K8sObject {
  spec: { nodeName?: string; containers: Container[]; initContainers?: Container[] };
  status?: { phase?: string; podIP?: string; hostIP?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[]; startTime?: string };
}

export interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template: PodTemplate;
    schedule?: string;
    suspend?: boolean;
    paused?: boolean;
    [key: string]: unknown;
  };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    numberReady?: number;
    desiredNumberScheduled?: number;
    succeeded?: number;
    failed?: number;
    active?: number | unknown[];
    conditions?: Condition[];
    lastScheduleTime?: string;
  };
}

export interface Node extends K8sObject {
  spec: { unschedulable?: boolean; taints?: { key: string; effect: string; value?: string }[]; podCIDR?: string };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: Condition[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; containerRuntimeVersion?: string; architecture?: string };
  };
}

export interface Event extends K8sObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
}

/** A metav1.LabelSelector: labels that must match, and expressions. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export interface Workspace extends K8sObject {
  spec: { manager?: string; namespacePolicy?: string; networkIsolation?: boolean; clusters?: { name: string }[]; clusterSelector?: LabelSelector };
  status?: { conditions?: Condition[] };
}

export interface User extends K8sObject {
  spec: { email?: string; displayName?: string; description?: string; lang?: string; passwordChangeRequired?: boolean; disabled?: boolean };
  status?: { state?: string; lockedUntil?: string; lastLoginTime?: string; passwordChangedAt?: string; groups?: string[] };
}

export interface LoginRecord extends K8sObject {
  spec: { type: string; provider?: string; sourceIP?: string; userAgent?: string; success: boolean; reason?: string };
}

/** A binding of a role to users, as GlobalRoleBinding, WorkspaceRoleBinding and RoleBinding have it. */
export interface Binding extends K8sObject {
  roleRef: { apiGroup?: string; kind: string; name: string };
  subjects?: { kind: string; apiGroup?: string; name: string }[];
}

export interface Member extends K8sObject {
  username: string;
  role: string;
  roles: string[];
  /** the user's, when the caller may view users */
  displayName?: string;
  email?: string;
}

export interface Role extends K8sObject {
  templates: string[];
}

export interface RoleTemplate extends K8sObject {
  spec: {
    displayName?: Record<string, string>;
    description?: Record<string, string>;
    dependencies?: string[];
    rules?: { apiGroups?: string[]; resources?: string[]; verbs: string[] }[];
  };
}

export interface Overview {
  workspace: string;
  projects: number;
  members: number;
  pods: number;
  clusters: number;
}

export interface Session {
  username: string;
  displayName?: string;
  email?: string;
  groups?: string[];
  passwordChangeRequired?: boolean;
  expiresAt?: string;
}

export interface IdentityProvider {
  name: string;
  type: string;
  redirect: boolean;
}

export const displayNameAnnotation = 'superkube.io/display-name';
export const descriptionAnnotation = 'superkube.io/description';
export const workspaceLabel = 'superkube.io/workspace';
export const creatorAnnotation = 'superkube.io/creator';

export function displayName(o: K8sObject): string {
  return o.metadata.annotations?.[displayNameAnnotation] || o.metadata.name;
}
