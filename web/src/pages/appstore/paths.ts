// The console's addresses of the app store's pages.

const enc = encodeURIComponent;

export const storePage = '/apps';

/** appPage is an app's page: in the store, or among a workspace's app templates. */
export function appPage(app: string, workspace?: string, version?: string): string {
  const base = workspace ? `/workspaces/${enc(workspace)}/apps/${enc(app)}` : `/apps/${enc(app)}`;
  return version ? `${base}?version=${enc(version)}` : base;
}

/** deployPage is the deploy wizard of an app, with a version and a project chosen beforehand. */
export function deployPage(app: string, opts: { version?: string; namespace?: string } = {}): string {
  const q = new URLSearchParams();
  if (opts.version) q.set('version', opts.version);
  if (opts.namespace) q.set('namespace', opts.namespace);
  const s = q.toString();
  return `/apps/${enc(app)}/deploy${s ? '?' + s : ''}`;
}

export function templatesPage(workspace: string): string {
  return `/workspaces/${enc(workspace)}/apps`;
}

export const reviewsPage = '/platform/app-reviews';

export function releasesPage(namespace: string): string {
  return `/projects/${enc(namespace)}/releases`;
}

export function releasePage(namespace: string, name: string): string {
  return `${releasesPage(namespace)}/${enc(name)}`;
}

export function upgradePage(namespace: string, name: string): string {
  return `${releasePage(namespace, name)}/upgrade`;
}
