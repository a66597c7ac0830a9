import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { url } from '../config';
import { api, ApiError, openStream, query, request } from './client';
import type { ListParams } from './resources';
import type { Condition, List, ObjectMeta } from './types';

// The DevOps API of ke-apiserver (devops.superkube.io/v1alpha3, docs/devops.md),
// typed: a workspace's DevOps projects, their pipelines, runs and
// credentials, the definition parser and the Jenkinsfile import. The types
// mirror api/devops/v1alpha3. Pages call these and never build a path of
// their own.

export const devops = '/kapis/devops.superkube.io/v1alpha3';

const enc = encodeURIComponent;

/** Labels of api/devops/v1alpha3 (labels.go). */
export const workspaceLabel = 'superkube.io/workspace';
export const pipelineLabel = 'devops.superkube.io/pipeline';
export const triggerLabel = 'devops.superkube.io/trigger';

/** A duration as metav1.Duration writes it: "1h30m", "90s". */
export type Duration = string;

export interface CredentialKeyRef {
  name: string;
  key: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  credential?: CredentialKeyRef;
}

export interface When {
  branch?: string;
  parameter?: { name: string; value: string };
  environment?: { name: string; value: string };
}

export interface ShellStep {
  script: string;
}
export interface CheckoutStep {
  dir?: string;
}
export interface BuildImageStep {
  context?: string;
  image: string;
  push?: boolean;
  pushCredential?: string;
}
export interface DeployStep {
  project: string;
  manifests: string[];
}
export interface InputStep {
  message: string;
  timeout?: Duration;
}
export interface CodeQualityStep {
  projectKey: string;
  failOnQualityGate?: boolean;
}
export interface ArtifactsStep {
  paths: string[];
}

/** The kinds of a step: exactly one of them is set. */
export const stepKinds = ['shell', 'checkout', 'buildImage', 'deploy', 'input', 'codeQuality', 'artifacts'] as const;
export type StepKind = (typeof stepKinds)[number];

export interface Step {
  name?: string;
  image?: string;
  timeout?: Duration;
  retry?: number;
  environment?: EnvVar[];
  shell?: ShellStep;
  checkout?: CheckoutStep;
  buildImage?: BuildImageStep;
  deploy?: DeployStep;
  input?: InputStep;
  codeQuality?: CodeQualityStep;
  artifacts?: ArtifactsStep;
}

export interface Branch {
  name: string;
  when?: When;
  environment?: EnvVar[];
  timeout?: Duration;
  retry?: number;
  steps: Step[];
}

export interface Stage {
  name: string;
  when?: When;
  environment?: EnvVar[];
  timeout?: Duration;
  retry?: number;
  steps?: Step[];
  parallel?: Branch[];
}

export interface Definition {
  environment?: EnvVar[];
  timeout?: Duration;
  stages: Stage[];
}

export interface DevOpsProject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: { description?: string; maxConcurrentRuns?: number };
  status?: { namespace?: string; conditions?: Condition[] };
  [key: string]: unknown;
}

export interface Parameter {
  name: string;
  default?: string;
  choices?: string[];
  description?: string;
}

export interface Source {
  url: string;
  branch?: string;
  credential?: string;
  provider?: string;
}

export const phases = ['Pending', 'Queued', 'Running', 'Waiting', 'Succeeded', 'Failed', 'Cancelled', 'Skipped'] as const;
export type RunPhase = (typeof phases)[number];

export const triggerKinds = ['manual', 'webhook', 'cron', 'rerun', 'replay'] as const;
export type TriggerKind = (typeof triggerKinds)[number];

export interface RunSummary {
  name: string;
  phase: RunPhase;
  startTime?: string;
  completionTime?: string;
}

export interface PipelineSpec {
  description?: string;
  source?: Source;
  triggers?: { webhook?: { secretRef: string }; cron?: string };
  parameters?: Parameter[];
  definition: Definition;
  maxConcurrentRuns?: number;
  executor?: string;
  disabled?: boolean;
  runsToKeep?: number;
}

export interface Pipeline {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: PipelineSpec;
  status?: { lastRun?: RunSummary; nextCron?: string; lastCron?: string; branches?: string[]; conditions?: Condition[] };
  [key: string]: unknown;
}

export interface StepStatus {
  name: string;
  kind: string;
  phase: RunPhase;
  attempt?: number;
  startTime?: string;
  completionTime?: string;
  exitCode?: number;
  message?: string;
}

export interface StageStatus {
  /** the stage's name, or "<stage>/<branch>" for a parallel branch */
  name: string;
  phase: RunPhase;
  parallel?: boolean;
  attempt?: number;
  startTime?: string;
  completionTime?: string;
  message?: string;
  steps?: StepStatus[];
}

export interface Artifact {
  path: string;
  size: number;
  sha256: string;
  step?: string;
}

export interface Image {
  reference: string;
  digest: string;
  pushed?: boolean;
}

export interface CodeQuality {
  projectKey: string;
  qualityGate: string;
  bugs?: number;
  vulnerabilities?: number;
  codeSmells?: number;
  coverage?: string;
  url?: string;
}

export interface Approval {
  step: string;
  approved: boolean;
  user: string;
  message?: string;
}

export interface ParamValue {
  name: string;
  value: string;
}

export interface PipelineRun {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    pipeline: string;
    trigger: { kind: TriggerKind; id?: string; user?: string };
    revision?: { branch?: string; commit?: string };
    parameters?: ParamValue[];
    definition?: Definition;
    cancel?: boolean;
    approvals?: Approval[];
  };
  status?: {
    phase?: RunPhase;
    message?: string;
    executor?: string;
    queuedTime?: string;
    startTime?: string;
    completionTime?: string;
    commit?: string;
    definition?: Definition;
    stages?: StageStatus[];
    artifacts?: Artifact[];
    images?: Image[];
    codeQuality?: CodeQuality;
    externalID?: string;
  };
  [key: string]: unknown;
}

/** The credential types and the keys each one holds (labels.go CredentialKeys). */
export const credentialTypes = {
  'devops.superkube.io/basic-auth': ['username', 'password'],
  'devops.superkube.io/ssh-auth': ['username', 'ssh-privatekey'],
  'devops.superkube.io/secret-text': ['secret'],
  'devops.superkube.io/kubeconfig': ['kubeconfig'],
} as const;
export type CredentialType = keyof typeof credentialTypes;

/** A credential as the API answers it: its keys, never their values. */
export interface Credential {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  type: string;
  keys?: string[];
  [key: string]: unknown;
}

/** finished tells a final phase (RunPhase.Finished). */
export function finished(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Cancelled' || phase === 'Skipped';
}

// Paths.

const projectsPath = `${devops}/devopsprojects`;
const workspaceProjectsPath = (ws: string) => `${devops}/workspaces/${enc(ws)}/devopsprojects`;
const nsPath = (ns: string) => `${devops}/namespaces/${enc(ns)}`;
const pipelinesPath = (ns: string) => `${nsPath(ns)}/pipelines`;
const pipelinePath = (ns: string, name: string) => `${pipelinesPath(ns)}/${enc(name)}`;
const runsPath = (ns: string) => `${nsPath(ns)}/pipelineruns`;
const runPath = (ns: string, name: string) => `${runsPath(ns)}/${enc(name)}`;
const credentialsPath = (ns: string) => `${nsPath(ns)}/credentials`;

/** How often an unfinished run is read again. */
export const runRefreshMs = 2000;

function useListOf<T>(path: string, params: ListParams, enabled = true, refetchInterval: number | false = false) {
  return useQuery({
    queryKey: ['api', path, params],
    queryFn: ({ signal }) => api.get<List<T>>(path + query(params), signal),
    placeholderData: keepPreviousData,
    enabled,
    refetchInterval,
  });
}

// DevOps projects.

/** useDevOpsProjects reads a page of a workspace's DevOps projects. */
export function useDevOpsProjects(workspace: string, params: ListParams) {
  return useListOf<DevOpsProject>(workspaceProjectsPath(workspace), params, !!workspace);
}

export function createDevOpsProject(workspace: string, p: { name: string; description?: string }) {
  return api.post<DevOpsProject>(workspaceProjectsPath(workspace), { metadata: { name: p.name }, spec: p.description ? { description: p.description } : {} });
}

export function deleteDevOpsProject(name: string) {
  return api.del<unknown>(`${projectsPath}/${enc(name)}`);
}

/** useDevOpsProject reads one DevOps project (its workspace is its label). */
export function useDevOpsProject(name: string | undefined) {
  return useQuery({
    queryKey: ['api', `${projectsPath}/${name}`],
    queryFn: ({ signal }) => api.get<DevOpsProject>(`${projectsPath}/${enc(name ?? '')}`, signal),
    enabled: !!name,
    staleTime: 60_000,
  });
}

// Pipelines.

/** usePipelines reads a page of a project's pipelines, each with its last run; read again while one runs. */
export function usePipelines(ns: string, params: ListParams) {
  return useQuery({
    queryKey: ['api', pipelinesPath(ns), params],
    queryFn: ({ signal }) => api.get<List<Pipeline>>(pipelinesPath(ns) + query(params), signal),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => ((q.state.data?.items ?? []).some((p) => p.status?.lastRun && !finished(p.status.lastRun.phase)) ? runRefreshMs : false),
  });
}

export function usePipeline(ns: string, name: string) {
  return useQuery({
    queryKey: ['api', pipelinePath(ns, name)],
    queryFn: ({ signal }) => api.get<Pipeline>(pipelinePath(ns, name), signal),
    enabled: !!ns && !!name,
  });
}

export function createPipeline(ns: string, p: Pipeline) {
  return api.post<Pipeline>(pipelinesPath(ns), p);
}

/** updatePipeline replaces a pipeline (PUT) as read and changed: a change made meanwhile is a conflict. */
export function updatePipeline(ns: string, p: Pipeline) {
  return api.put<Pipeline>(pipelinePath(ns, p.metadata.name), p);
}

export function deletePipeline(ns: string, name: string) {
  return api.del<unknown>(pipelinePath(ns, name));
}

/** runPipeline starts a run with parameters (and a branch): the new PipelineRun. */
export function runPipeline(ns: string, name: string, parameters: ParamValue[], branch?: string) {
  return api.post<PipelineRun>(`${pipelinePath(ns, name)}/run`, { parameters, ...(branch ? { branch } : {}) });
}

// Runs.

/** usePipelineRuns reads a page of runs (filters pipeline, phase, trigger); read again while one on it is unfinished. */
export function usePipelineRuns(ns: string, params: ListParams) {
  return useQuery({
    queryKey: ['api', runsPath(ns), params],
    queryFn: ({ signal }) => api.get<List<PipelineRun>>(runsPath(ns) + query(params), signal),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => ((q.state.data?.items ?? []).some((r) => !finished(r.status?.phase)) ? runRefreshMs : false),
  });
}

/** usePipelineRun reads a run, again every two seconds until it is finished. */
export function usePipelineRun(ns: string, name: string) {
  return useQuery({
    queryKey: ['api', runPath(ns, name)],
    queryFn: ({ signal }) => api.get<PipelineRun>(runPath(ns, name), signal),
    enabled: !!ns && !!name,
    refetchInterval: (q) => (q.state.error || (q.state.data && finished(q.state.data.status?.phase)) ? false : runRefreshMs),
  });
}

export function cancelRun(ns: string, name: string) {
  return api.post<PipelineRun>(`${runPath(ns, name)}/cancel`);
}

export function rerunRun(ns: string, name: string) {
  return api.post<PipelineRun>(`${runPath(ns, name)}/rerun`);
}

export function replayRun(ns: string, name: string, definition: Definition) {
  return api.post<PipelineRun>(`${runPath(ns, name)}/replay`, { definition });
}

/** approveStep answers an input step ("<stage>/<step>") yes; rejectStep no, which aborts the run. */
export function approveStep(ns: string, name: string, step: string, message: string) {
  return api.post<PipelineRun>(`${runPath(ns, name)}/approve`, { step, message });
}

export function rejectStep(ns: string, name: string, step: string, message: string) {
  return api.post<PipelineRun>(`${runPath(ns, name)}/reject`, { step, message });
}

/** stepLogPath is the path of a step's log; follow streams it while the step runs. */
export function stepLogPath(ns: string, run: string, stage: string, step: string, follow: boolean): string {
  return `${runPath(ns, run)}/log` + query({ stage, step, follow: follow || undefined });
}

/** artifactURL downloads a file a run kept (the session's cookie authenticates it). */
export function artifactURL(ns: string, run: string, path: string): string {
  return url(`${runPath(ns, run)}/artifact` + query({ path }));
}

/** openStepLog starts reading a step's log (text/plain) as it comes. */
export function openStepLog(ns: string, run: string, stage: string, step: string, follow: boolean, signal: AbortSignal) {
  return openStream(stepLogPath(ns, run, stage, step, follow), signal, 'text/plain');
}

// Credentials.

export function useCredentials(ns: string, params: ListParams) {
  return useListOf<Credential>(credentialsPath(ns), params, !!ns);
}

/** createCredential sends a credential's values, which the API never gives back. */
export function createCredential(ns: string, name: string, type: string, data: Record<string, string>) {
  return api.post<Credential>(credentialsPath(ns), { metadata: { name }, type, data });
}

export function deleteCredential(ns: string, name: string) {
  return api.del<unknown>(`${credentialsPath(ns)}/${enc(name)}`);
}

// Definitions.

/** parseDefinition asks the server to read a definition's YAML: the definition, or a 422 naming line and field. */
export function parseDefinition(text: string) {
  return request<Definition>(`${devops}/definitions/parse`, { method: 'POST', body: text, contentType: 'application/yaml' });
}

export interface JenkinsfileImport {
  definition: Definition;
  parameters?: Parameter[];
  warnings?: string[];
}

/** importJenkinsfile turns a declarative Jenkinsfile into a definition, or a 422 naming line and construct. */
export function importJenkinsfile(text: string) {
  return request<JenkinsfileImport>(`${devops}/jenkinsfile`, { method: 'POST', body: text, contentType: 'text/plain' });
}

/**
 * problemAt reads where a 422 of the parser or the Jenkinsfile import says
 * the problem is: the line (from a cause, "line 12: ..." or "line 12,
 * column 4: ...", or the message) and what is wrong there.
 */
export function problemAt(err: unknown): { line?: number; message: string } | undefined {
  if (!(err instanceof ApiError) || (err.code !== 422 && err.code !== 400)) return undefined;
  const causes = err.status.details?.causes ?? [];
  const at = /line[\s:]*(\d+)(?:,\s*column\s*\d+)?:?\s*(.*)/is;
  for (const c of [...causes.map((x) => x.message ?? ''), ...causes.map((x) => x.field ?? ''), err.status.message ?? '']) {
    const m = at.exec(c);
    if (m) return { line: Number(m[1]), message: m[2].trim() || c };
  }
  return { message: causes[0]?.message ?? err.status.message ?? '' };
}
