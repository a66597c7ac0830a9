import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { hostCluster } from './client';

// The cluster a page is about (docs/multicluster.md): the host unless the
// URL names another with ?cluster=. The hooks of the list engine and the
// Kubernetes API read it from here and aim their requests at it
// (clusterPath), so pages never build a prefix themselves.

export { hostCluster };

/** The URL parameter that names the cluster of a page. */
export const clusterParam = 'cluster';

const ClusterContext = createContext<string>(hostCluster);

/** useCluster is the cluster the page is about: the host unless the URL names another. */
export function useCluster(): string {
  return useContext(ClusterContext);
}

/** ClusterProvider aims everything below it at one cluster (tests, and a page showing another cluster's part). */
export function ClusterProvider({ cluster, children }: { cluster: string; children: ReactNode }) {
  return <ClusterContext.Provider value={cluster || hostCluster}>{children}</ClusterContext.Provider>;
}

/**
 * clusterScope names the part of the console a cluster choice holds for:
 * one project's pages, or the platform's pages. A link inside it without
 * ?cluster= (the navigation, a breadcrumb, a row's link) keeps the cluster
 * chosen; a link to another part starts at the host.
 */
export function clusterScope(pathname: string): string {
  const project = /^\/projects\/([^/]+)/.exec(pathname);
  if (project) return `project/${project[1]}`;
  if (pathname.startsWith('/platform/')) return 'platform';
  return pathname;
}

/** The pages whose requests go to the cluster chosen: a project's, and the platform's pages about one cluster. */
const clusterPages = [/^\/projects\/[^/]+/, /^\/platform\/(overview|nodes|projects|pods)(\/|$)/];

export function isClusterPage(pathname: string): boolean {
  return clusterPages.some((r) => r.test(pathname));
}

/** withCluster is a link to a page of a cluster: ?cluster= for a member, nothing for the host. */
export function withCluster(to: string, cluster: string | undefined): string {
  if (!cluster || cluster === hostCluster) return to;
  return `${to}${to.includes('?') ? '&' : '?'}${clusterParam}=${encodeURIComponent(cluster)}`;
}

/**
 * ClusterScope provides the cluster the URL names, keeps it across the
 * links of one scope (clusterScope) and writes it back into the URL of a
 * cluster page that lost it, so that a reload keeps it.
 */
export function ClusterScope({ children }: { children: ReactNode }) {
  const loc = useLocation();
  const navigate = useNavigate();
  const named = new URLSearchParams(loc.search).get(clusterParam) || undefined;
  const scope = clusterScope(loc.pathname);
  // The choice of the scope, kept from the last page of it (the state of
  // the previous render, as useTableState keeps its page).
  const [kept, setKept] = useState({ scope, cluster: named ?? hostCluster });
  const cluster = named ?? (kept.scope === scope ? kept.cluster : hostCluster);
  if (kept.scope !== scope || kept.cluster !== cluster) setKept({ scope, cluster });
  const lost = !named && cluster !== hostCluster && isClusterPage(loc.pathname);
  useEffect(() => {
    if (!lost) return;
    const q = new URLSearchParams(loc.search);
    q.set(clusterParam, cluster);
    void navigate({ pathname: loc.pathname, search: '?' + q.toString(), hash: loc.hash }, { replace: true });
  }, [lost, cluster, loc.pathname, loc.search, loc.hash, navigate]);
  return <ClusterContext.Provider value={cluster}>{children}</ClusterContext.Provider>;
}

/** useChooseCluster changes the cluster of the page in its URL (the host named too, so that the scope forgets a member). */
export function useChooseCluster(): (cluster: string) => void {
  const loc = useLocation();
  const navigate = useNavigate();
  return (cluster: string) => {
    const q = new URLSearchParams(loc.search);
    q.set(clusterParam, cluster);
    void navigate({ pathname: loc.pathname, search: '?' + q.toString() });
  };
}
