// The runtime configuration ke-console injects into index.html.
export interface RuntimeConfig {
  basePath: string;
  title: string;
  version: string;
  apiServerURL?: string;
  /**
   * Whether the page was asked for with a session (ke-console says so per
   * response). false: nobody is logged in in this browser, and the app shows
   * the login page without asking. Absent (no server config): ask.
   */
  session?: boolean;
}

const fallback: RuntimeConfig = { basePath: '/', title: 'Super Kubenetes', version: 'dev' };

export function readConfig(doc: Document = document): RuntimeConfig {
  const el = doc.getElementById('ke-config');
  if (!el?.textContent) {
    return fallback;
  }
  try {
    const parsed = JSON.parse(el.textContent) as Partial<RuntimeConfig>;
    return { ...fallback, ...parsed, basePath: normalizeBase(parsed.basePath ?? '/') };
  } catch {
    return fallback;
  }
}

export function normalizeBase(p: string): string {
  let out = p.startsWith('/') ? p : '/' + p;
  if (!out.endsWith('/')) out += '/';
  return out;
}

export const config = readConfig();

/** url makes a path under the console's base path: url('/kapis/...'). */
export function url(path: string): string {
  return config.basePath + path.replace(/^\//, '');
}
