import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, query, request } from './client';
import type { ListParams } from './resources';
import type { Condition, List, ObjectMeta } from './types';

// The app store API of ke-apiserver (application.superkube.io/v2), typed:
// the store's apps and a workspace's app templates with their versions and
// review workflow, the reviewers' queue, categories, and the releases of a
// project with their dry run. The types mirror api/application/v2. Pages
// call these and never build a path of their own.

export const appstore = '/kapis/application.superkube.io/v2';

const enc = encodeURIComponent;

/** Labels of api/application/v2 (labels.go). */
export const workspaceLabel = 'superkube.io/workspace';
export const repositoryLabel = 'application.superkube.io/repository';
export const applicationLabel = 'application.superkube.io/app';
export const operatorAnnotation = 'application.superkube.io/operator';

/** The largest chart archive the API takes (MaxChartBytes): 1 MiB. */
export const maxChartBytes = 1 << 20;

export interface Maintainer {
  name: string;
  email?: string;
  url?: string;
}

export interface ApplicationSpec {
  displayName?: string;
  description?: string;
  /** an https URL or a data: URI */
  icon?: string;
  categories?: string[];
  keywords?: string[];
  maintainers?: Maintainer[];
  home?: string;
  sources?: string[];
  chartName: string;
}

export const reviewStates = ['draft', 'submitted', 'passed', 'rejected', 'active', 'suspended'] as const;
export type ReviewState = (typeof reviewStates)[number];

export interface ApplicationStatus {
  state?: ReviewState;
  latestVersion?: string;
  latestActiveVersion?: string;
  versions?: number;
  updateTime?: string;
}

export interface Application {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: ApplicationSpec;
  status?: ApplicationStatus;
  [key: string]: unknown;
}

export interface ReviewEvent {
  from?: ReviewState;
  to: ReviewState;
  user: string;
  time: string;
  message?: string;
}

export interface ChartSource {
  repository?: string;
  url?: string;
  configMap?: string;
  digest?: string;
}

export interface ApplicationVersionSpec {
  application: string;
  version: string;
  appVersion?: string;
  description?: string;
  created?: string;
  source: ChartSource;
  hasSchema?: boolean;
  state: ReviewState;
  reviews?: ReviewEvent[];
}

export interface ApplicationVersion {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: ApplicationVersionSpec;
  [key: string]: unknown;
}

export interface Category {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: { displayName?: Record<string, string>; description?: string; icon?: string };
  status?: { applications?: number };
  [key: string]: unknown;
}

/** VersionFiles are what a version's chart holds, as the API reads them from its archive. */
export interface VersionFiles {
  readme: string;
  /** the chart's default values.yaml */
  values: string;
  /** the chart's values.schema.json, or null */
  schema: JSONSchema | null;
  chart: { name: string; version: string; appVersion?: string; description?: string; icon?: string };
}

/** The part of a JSON schema the values form understands; the rest is kept as it came. */
export interface JSONSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JSONSchema>;
  required?: string[];
  items?: JSONSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  [key: string]: unknown;
}

export type ReleasePhase = 'Pending' | 'Installing' | 'Upgrading' | 'RollingBack' | 'Deployed' | 'Failed' | 'Uninstalling';

/** The phases of an operation under way: the release page reads them again until they end. */
export const busyPhases: ReleasePhase[] = ['Pending', 'Installing', 'Upgrading', 'RollingBack', 'Uninstalling'];

export interface ReleaseSpec {
  application: string;
  /** the name of the ApplicationVersion */
  version: string;
  values?: string;
  rollbackTo?: number;
  timeout?: string;
}

export interface ReleaseRevision {
  revision: number;
  version?: string;
  appVersion?: string;
  status: string;
  updated?: string;
  description?: string;
}

export interface ReleaseResource {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  ready: boolean;
  message?: string;
}

export interface ReleaseOperation {
  type: string;
  generation: number;
  startedAt: string;
  deadline?: string;
  holder?: string;
  user?: string;
}

export interface ReleaseStatus {
  phase?: ReleasePhase;
  observedGeneration?: number;
  revision?: number;
  message?: string;
  notes?: string;
  operation?: ReleaseOperation;
  history?: ReleaseRevision[];
  resources?: ReleaseResource[];
  conditions?: Condition[];
}

export interface Release {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: ReleaseSpec;
  status?: ReleaseStatus;
  [key: string]: unknown;
}

/** DryRun is a release rendered as the caller, and the manifest deployed now ("" for a new one). */
export interface DryRun {
  manifest: string;
  current: string;
  notes?: string;
}

/** The actions of the review workflow (POST .../action). */
export type VersionAction = 'submit' | 'withdraw' | 'pass' | 'reject' | 'release' | 'suspend' | 'recover' | 'draft';

/**
 * actionsFor are the workflow's next steps from a version's state, as
 * admission allows them: developer ones for a workspace's members who may
 * manage its apps, reviewer ones for app reviewers and platform
 * administrators.
 */
export function actionsFor(state: ReviewState, who: { developer: boolean; reviewer: boolean }): VersionAction[] {
  const out: VersionAction[] = [];
  switch (state) {
    case 'draft':
      if (who.developer) out.push('submit');
      break;
    case 'submitted':
      if (who.reviewer) out.push('pass', 'reject');
      if (who.developer) out.push('withdraw');
      break;
    case 'passed':
      if (who.developer || who.reviewer) out.push('release');
      break;
    case 'rejected':
      if (who.developer) out.push('draft');
      break;
    case 'active':
      if (who.reviewer) out.push('suspend');
      break;
    case 'suspended':
      if (who.reviewer) out.push('recover');
      break;
  }
  return out;
}

/** latestReview is a version's last review event with a message (a reviewer's comment), if any. */
export function latestComment(v: ApplicationVersion): ReviewEvent | undefined {
  return [...(v.spec.reviews ?? [])].reverse().find((r) => r.message);
}

/** appTitle is how an app is named on screen. */
export function appTitle(a: Application): string {
  return a.spec.displayName || a.spec.chartName || a.metadata.name;
}

/** appWorkspace is the workspace of an uploaded app (or of a workspace repository's), if any. */
export function appWorkspace(a: Application | ApplicationVersion): string | undefined {
  return a.metadata.labels?.[workspaceLabel];
}

/** categoryTitle is a category's name in a language, English as the fallback. */
export function categoryTitle(c: Category, lang: string): string {
  const names = c.spec?.displayName ?? {};
  return names[lang.split('-')[0]] || names.en || c.metadata.name;
}

/** safeIcon is an icon an <img> may show: https or a data: image, nothing else. */
export function safeIcon(icon: string | undefined): string | undefined {
  if (!icon) return undefined;
  if (/^https:\/\//i.test(icon)) return icon;
  if (/^data:image\/(png|jpeg|gif|webp|svg\+xml);/i.test(icon)) return icon;
  return undefined;
}

/** releaseReady is the Ready condition of a release. */
export function releaseReady(r: Release): Condition | undefined {
  return r.status?.conditions?.find((c) => c.type === 'Ready');
}

/** isBusy says an operation is under way, or the spec is newer than what was carried out. */
export function isBusy(r: Release): boolean {
  const phase = r.status?.phase;
  if (!phase) return true;
  if (busyPhases.includes(phase)) return true;
  return (r.metadata.generation ?? 0) > (r.status?.observedGeneration ?? 0);
}

// Paths.

export const appsPath = `${appstore}/apps`;
export const appPath = (app: string) => `${appsPath}/${enc(app)}`;
export const versionsPath = (app: string) => `${appPath(app)}/versions`;
export const versionPath = (app: string, ver: string) => `${versionsPath(app)}/${enc(ver)}`;
export const categoriesPath = `${appstore}/categories`;
export const reviewsPath = `${appstore}/reviews`;
export const uploadPath = (ws: string) => `${appstore}/workspaces/${enc(ws)}/apps`;
export const releasesPath = (ns: string) => `${appstore}/namespaces/${enc(ns)}/releases`;
export const releasePath = (ns: string, name: string) => `${releasesPath(ns)}/${enc(name)}`;

/** The kinds behind the pages, as access reviews ask about them. */
export const group = 'application.superkube.io';

// Hooks and requests.

function listQuery<T>(key: string, path: string, params: ListParams, enabled = true, refetchInterval: number | false = false) {
  return {
    queryKey: ['appstore', key, path, params] as const,
    queryFn: async ({ signal }: { signal: AbortSignal }) => {
      const l = await api.get<List<T>>(path + query(params), signal);
      return { ...l, items: l.items ?? [], totalItems: l.totalItems ?? l.items?.length ?? 0 };
    },
    placeholderData: keepPreviousData,
    enabled,
    refetchInterval,
  };
}

/** useStoreApps reads a page of the store: the active apps, filtered by name and category. */
export function useStoreApps(params: ListParams & { category?: string }) {
  return useQuery(listQuery<Application>('apps', appsPath, { state: 'active', ...params }));
}

/** useWorkspaceApps reads a page of a workspace's app templates, in any state. */
export function useWorkspaceApps(workspace: string, params: ListParams, enabled = true) {
  return useQuery(listQuery<Application>('apps', appsPath, { ...params, workspace }, enabled));
}

export function useApp(app: string | undefined) {
  return useQuery({
    queryKey: ['appstore', 'app', app ?? ''],
    queryFn: ({ signal }) => api.get<Application>(appPath(app!), signal),
    enabled: !!app,
  });
}

/** useVersions reads an app's versions, newest first. */
export function useVersions(app: string | undefined) {
  return useQuery({
    queryKey: ['appstore', 'versions', app ?? ''],
    queryFn: async ({ signal }) => (await api.get<List<ApplicationVersion>>(versionsPath(app!) + query({ limit: 100 }), signal)).items ?? [],
    enabled: !!app,
  });
}

/** useVersionFiles reads a version's README, default values and values schema. */
export function useVersionFiles(app: string | undefined, ver: string | undefined) {
  return useQuery({
    queryKey: ['appstore', 'files', app ?? '', ver ?? ''],
    queryFn: ({ signal }) => api.get<VersionFiles>(`${versionPath(app!, ver!)}/files`, signal),
    enabled: !!app && !!ver,
    staleTime: 300_000,
  });
}

export function useCategories() {
  return useQuery({
    queryKey: ['appstore', 'categories'],
    queryFn: async ({ signal }) => (await api.get<List<Category>>(categoriesPath + query({ limit: 100, sortBy: 'name', ascending: true }), signal)).items ?? [],
    staleTime: 60_000,
  });
}

/** useReviews reads a page of the reviewers' queue: the submitted versions. */
export function useReviews(params: ListParams, enabled = true) {
  return useQuery(listQuery<ApplicationVersion>('reviews', reviewsPath, { state: 'submitted', ...params }, enabled));
}

/** uploadChart sends a chart archive (.tgz) to a workspace: a new draft version, of a new app or of the chart's app. */
export function uploadChart(workspace: string, chart: Blob) {
  return request<ApplicationVersion>(uploadPath(workspace), { method: 'POST', body: chart, contentType: 'application/gzip' });
}

/** versionAction moves a version through the review workflow. */
export function versionAction(app: string, ver: string, action: VersionAction, message?: string) {
  return api.post<ApplicationVersion>(`${versionPath(app, ver)}/action`, message ? { action, message } : { action });
}

export function deleteApp(app: string) {
  return api.del<unknown>(appPath(app));
}

export function deleteVersion(app: string, ver: string) {
  return api.del<unknown>(versionPath(app, ver));
}

/** How often a release under way is read again. */
export const releaseBusyRefreshMs = 2_000;
const releaseRefreshMs = 15_000;

/** useReleases reads a page of a project's releases; while one is under way the page is read every two seconds. */
export function useReleases(namespace: string, params: ListParams, enabled = true) {
  return useQuery({
    ...listQuery<Release>('releases', releasesPath(namespace), params, enabled),
    refetchInterval: (q: { state: { data?: List<Release> } }) => (q.state.data?.items.some(isBusy) ? releaseBusyRefreshMs : releaseRefreshMs),
  });
}

export function useRelease(namespace: string, name: string | undefined) {
  return useQuery({
    queryKey: ['appstore', 'release', namespace, name ?? ''],
    queryFn: ({ signal }) => api.get<Release>(releasePath(namespace, name!), signal),
    enabled: !!name,
    refetchInterval: (q) => (q.state.data && isBusy(q.state.data) ? releaseBusyRefreshMs : releaseRefreshMs),
  });
}

/** NewRelease is what the deploy wizard sends: the API sets the operator annotation to the caller. */
export interface NewRelease {
  name: string;
  application: string;
  version: string;
  values: string;
}

export function createRelease(namespace: string, r: NewRelease) {
  return api.post<Release>(releasesPath(namespace), {
    metadata: { name: r.name, labels: { [applicationLabel]: r.application } },
    spec: { application: r.application, version: r.version, values: r.values },
  });
}

/** upgradeRelease sends a new version or new values; the spec as read is kept otherwise (its resourceVersion guards against a lost update). */
export function upgradeRelease(namespace: string, current: Release, version: string, values: string) {
  const spec: ReleaseSpec = { ...current.spec, version, values };
  delete spec.rollbackTo;
  return api.put<Release>(releasePath(namespace, current.metadata.name), {
    metadata: { name: current.metadata.name, namespace, labels: current.metadata.labels, annotations: current.metadata.annotations, resourceVersion: current.metadata.resourceVersion },
    spec,
  });
}

export function rollbackRelease(namespace: string, name: string, revision: number) {
  return api.post<Release>(`${releasePath(namespace, name)}/rollback`, { revision });
}

export function deleteRelease(namespace: string, name: string) {
  return api.del<unknown>(releasePath(namespace, name));
}

/** dryRun renders a release as the caller would install it, beside what is deployed now. */
export function dryRun(namespace: string, r: NewRelease) {
  return api.post<DryRun>(`${releasesPath(namespace)}/dryrun`, { name: r.name, application: r.application, version: r.version, values: r.values });
}

// Repositories.

export interface Repository {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    url: string;
    displayName?: string;
    description?: string;
    credentialsSecret?: string;
    /** a Go duration (1h, 30m); empty or 0: only on request */
    syncInterval?: string;
    trusted?: boolean;
    syncRequestedAt?: string;
  };
  status?: {
    observedGeneration?: number;
    lastSyncTime?: string;
    lastSuccessfulSyncTime?: string;
    syncError?: string;
    applications?: number;
    versions?: number;
    conditions?: Condition[];
  };
  [key: string]: unknown;
}

/** reposPath lists a workspace's repositories, or the platform's. */
export const reposPath = (ws?: string) => (ws ? `${appstore}/workspaces/${enc(ws)}/repos` : `${appstore}/repos`);
export const repoPath = (name: string) => `${appstore}/repos/${enc(name)}`;

export function useRepos(workspace: string | undefined, params: ListParams, enabled = true) {
  return useQuery({
    ...listQuery<Repository>('repos', reposPath(workspace), params, enabled),
    // A sync under way shows its end: the page reads the list again while one is asked for and not done.
    refetchInterval: (q: { state: { data?: List<Repository> } }) => (q.state.data?.items.some(syncPending) ? releaseBusyRefreshMs * 2 : 30_000),
  });
}

/** syncPending says a sync was asked for after the last one ended. */
export function syncPending(r: Repository): boolean {
  const asked = r.spec.syncRequestedAt;
  if (!r.status?.lastSyncTime) return true;
  return !!asked && Date.parse(asked) > Date.parse(r.status.lastSyncTime);
}

export interface NewRepository {
  name: string;
  url: string;
  syncInterval?: string;
  trusted?: boolean;
  username?: string;
  password?: string;
}

/** createRepo adds a repository; its credentials go to a Secret the API keeps, never returned. */
export function createRepo(workspace: string | undefined, r: NewRepository) {
  return api.post<Repository>(reposPath(workspace), {
    metadata: { name: r.name },
    spec: { url: r.url, ...(r.syncInterval ? { syncInterval: r.syncInterval } : {}), ...(r.trusted ? { trusted: true } : {}) },
    ...(r.username || r.password ? { credentials: { username: r.username ?? '', password: r.password ?? '' } } : {}),
  });
}

/** syncRepo asks for a sync now (202). */
export function syncRepo(name: string) {
  return api.post<Repository>(`${repoPath(name)}/sync`);
}

export function deleteRepo(name: string) {
  return api.del<unknown>(repoPath(name));
}
