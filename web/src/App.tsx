import type { ComponentType, ReactNode } from 'react';
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation, type RouteObject } from 'react-router';
import { ClusterScope } from './api/cluster';
import { mayHaveSession, sessionQuery, useSession } from './api/auth';
import { queryClient } from './api/queryClient';
import { Loading } from './components/Loading';
import { config } from './config';
import { AppLayout } from './layout/AppLayout';

/**
 * screen makes a route whose code is loaded when it is first opened. The
 * router loads it before it renders the route (rather than a Suspense
 * boundary showing a spinner and then the screen), so a screen appears as
 * soon as its code is there; the previous screen stays until then.
 */
function screen<P extends object>(load: () => Promise<{ default: ComponentType<P> }>, props?: P): Pick<RouteObject, 'lazy'> {
  return {
    lazy: async () => {
      const { default: Screen } = await load();
      return { element: <Screen {...(props ?? ({} as P))} /> };
    },
  };
}

/** RequireSession sends visitors without a session to the login page, and users who must change their password to that form. */
function RequireSession() {
  const session = useSession();
  const loc = useLocation();
  if (session.isLoading) return <Loading />;
  if (session.error || !session.data) return <Navigate to="/login" replace state={{ from: loc.pathname + loc.search }} />;
  if (session.data.passwordChangeRequired) return <Navigate to="/password" replace />;
  return (
    <ClusterScope>
      <AppLayout session={session.data}>
        <Outlet />
      </AppLayout>
    </ClusterScope>
  );
}

function redirect(to: string): ReactNode {
  return <Navigate to={to} replace />;
}

const router = createBrowserRouter(
  [
    { path: '/login', hydrateFallbackElement: <Loading />, ...screen(() => import('./pages/Login')) },
    { path: '/password', hydrateFallbackElement: <Loading />, ...screen(() => import('./pages/ChangePassword')) },
    {
      element: <RequireSession />,
      hydrateFallbackElement: <Loading />,
      // Ask who is logged in while the screen's code loads, not after.
      loader: () => {
        if (mayHaveSession()) void queryClient.prefetchQuery(sessionQuery);
        return null;
      },
      shouldRevalidate: () => false,
      children: [
        { index: true, ...screen(() => import('./pages/Home')) },
        { path: 'home', ...screen(() => import('./pages/MyProjects')) },
        { path: 'profile', ...screen(() => import('./pages/Profile')) },
        { path: 'platform/overview', ...screen(() => import('./pages/platform/ClusterOverview')) },
        { path: 'platform/clusters', ...screen(() => import('./pages/platform/Clusters')) },
        { path: 'platform/nodes', ...screen(() => import('./pages/platform/Nodes')) },
        { path: 'platform/nodes/:name', ...screen(() => import('./pages/platform/NodeDetail')) },
        { path: 'platform/components', ...screen(() => import('./pages/monitoring/Components')) },
        { path: 'platform/query', ...screen(() => import('./pages/monitoring/Query')) },
        { path: 'platform/logs', ...screen(() => import('./pages/logging/LogSearchPage')) },
        { path: 'platform/events', ...screen(() => import('./pages/logging/EventSearchPage')) },
        { path: 'platform/auditing', ...screen(() => import('./pages/logging/AuditSearchPage')) },
        { path: 'platform/alert-rules', ...screen(() => import('./pages/alerting/PlatformRuleGroupsPage')) },
        { path: 'platform/alert-rules/:level/:name', ...screen(() => import('./pages/alerting/RuleGroupEdit')) },
        { path: 'platform/alerts', ...screen(() => import('./pages/alerting/PlatformAlertsPage')) },
        { path: 'platform/notification', ...screen(() => import('./pages/notification/PlatformNotificationPage')) },
        { path: 'profile/notifications', ...screen(() => import('./pages/notification/MyNotificationsPage')) },
        { path: 'platform/storage-classes', ...screen(() => import('./pages/storage/StorageClasses')) },
        { path: 'platform/workspaces', ...screen(() => import('./pages/platform/Workspaces')) },
        { path: 'platform/projects', ...screen(() => import('./pages/platform/AllProjects')) },
        { path: 'platform/pods', ...screen(() => import('./pages/platform/AllPods')) },
        { path: 'platform/users', ...screen(() => import('./pages/platform/Users')) },
        { path: 'platform/users/:name', ...screen(() => import('./pages/platform/UserDetail')) },
        { path: 'apps', ...screen(() => import('./pages/appstore/Store')) },
        { path: 'apps/:app', ...screen(() => import('./pages/appstore/AppDetail')) },
        { path: 'apps/:app/deploy', ...screen(() => import('./pages/appstore/DeployWizard')) },
        { path: 'platform/app-repositories', ...screen(() => import('./pages/appstore/Repositories')) },
        { path: 'platform/app-reviews', ...screen(() => import('./pages/appstore/Reviews')) },
        { path: 'platform/roles', ...screen(() => import('./pages/Roles'), { level: 'global' as const }) },
        { path: 'workspaces/:workspace', element: redirect('overview') },
        { path: 'workspaces/:workspace/overview', ...screen(() => import('./pages/workspace/WorkspaceOverview')) },
        { path: 'workspaces/:workspace/projects', ...screen(() => import('./pages/workspace/Projects')) },
        { path: 'workspaces/:workspace/members', ...screen(() => import('./pages/Members'), { level: 'workspace' as const }) },
        { path: 'workspaces/:workspace/roles', ...screen(() => import('./pages/Roles'), { level: 'workspace' as const }) },
        { path: 'workspaces/:workspace/apps', ...screen(() => import('./pages/appstore/AppTemplates')) },
        { path: 'workspaces/:workspace/app-repositories', ...screen(() => import('./pages/appstore/Repositories')) },
        { path: 'workspaces/:workspace/apps/:app', ...screen(() => import('./pages/appstore/AppDetail')) },
        { path: 'workspaces/:workspace/quotas', ...screen(() => import('./pages/workspace/Quotas')) },
        { path: 'workspaces/:workspace/gateways', ...screen(() => import('./pages/workspace/Gateways')) },
        { path: 'workspaces/:workspace/auditing', ...screen(() => import('./pages/logging/AuditSearchPage')) },
        { path: 'workspaces/:workspace/devops', ...screen(() => import('./pages/devops/DevOpsProjects')) },
        { path: 'devops/:namespace', element: redirect('pipelines') },
        { path: 'devops/:namespace/pipelines', ...screen(() => import('./pages/devops/Pipelines')) },
        { path: 'devops/:namespace/pipelines/~new', ...screen(() => import('./pages/devops/PipelineEdit')) },
        { path: 'devops/:namespace/pipelines/:pipeline', ...screen(() => import('./pages/devops/PipelineDetail')) },
        { path: 'devops/:namespace/pipelines/:pipeline/edit', ...screen(() => import('./pages/devops/PipelineEdit')) },
        { path: 'devops/:namespace/runs/:run', ...screen(() => import('./pages/devops/RunDetail')) },
        { path: 'devops/:namespace/credentials', ...screen(() => import('./pages/devops/Credentials')) },
        { path: 'devops/:namespace/members', ...screen(() => import('./pages/Members'), { level: 'namespace' as const, base: 'devops' as const }) },
        { path: 'devops/:namespace/roles', ...screen(() => import('./pages/Roles'), { level: 'namespace' as const, base: 'devops' as const }) },
        { path: 'projects/:namespace', element: redirect('overview') },
        { path: 'projects/:namespace/overview', ...screen(() => import('./pages/project/ProjectOverview')) },
        { path: 'projects/:namespace/members', ...screen(() => import('./pages/Members'), { level: 'namespace' as const }) },
        { path: 'projects/:namespace/roles', ...screen(() => import('./pages/Roles'), { level: 'namespace' as const }) },
        { path: 'projects/:namespace/logs', ...screen(() => import('./pages/logging/LogSearchPage')) },
        { path: 'projects/:namespace/events', ...screen(() => import('./pages/logging/EventSearchPage')) },
        { path: 'projects/:namespace/alert-rules', ...screen(() => import('./pages/alerting/ProjectRuleGroupsPage')) },
        { path: 'projects/:namespace/alert-rules/:name', ...screen(() => import('./pages/alerting/RuleGroupEdit')) },
        { path: 'projects/:namespace/alerts', ...screen(() => import('./pages/alerting/ProjectAlertsPage')) },
        { path: 'projects/:namespace/releases', ...screen(() => import('./pages/appstore/Releases')) },
        { path: 'projects/:namespace/releases/:name', ...screen(() => import('./pages/appstore/ReleaseDetail')) },
        { path: 'projects/:namespace/releases/:name/upgrade', ...screen(() => import('./pages/appstore/DeployWizard')) },
        { path: 'projects/:namespace/quotas', ...screen(() => import('./pages/project/Quotas')) },
        { path: 'projects/:namespace/persistentvolumeclaims', ...screen(() => import('./pages/storage/Volumes')) },
        { path: 'projects/:namespace/volumesnapshots', ...screen(() => import('./pages/storage/Snapshots')) },
        { path: 'projects/:namespace/network-isolation', ...screen(() => import('./pages/network/NetworkIsolation')) },
        { path: 'projects/:namespace/grayscale', ...screen(() => import('./pages/servicemesh/Strategies')) },
        { path: 'projects/:namespace/grayscale/~new', ...screen(() => import('./pages/servicemesh/StrategyCreate')) },
        { path: 'projects/:namespace/grayscale/:name', ...screen(() => import('./pages/servicemesh/StrategyDetail')) },
        { path: 'projects/:namespace/service-policies', ...screen(() => import('./pages/servicemesh/ServicePolicies')) },
        { path: 'projects/:namespace/topology', ...screen(() => import('./pages/servicemesh/Topology')) },
        { path: 'projects/:namespace/tracing', ...screen(() => import('./pages/servicemesh/Tracing')) },
        { path: 'projects/:namespace/tracing/:traceID', ...screen(() => import('./pages/servicemesh/TraceDetail')) },
        { path: 'projects/:namespace/routes', ...screen(() => import('./pages/project/Routes')) },
        { path: 'projects/:namespace/deployments/~new', ...screen(() => import('./pages/project/CreateDeployment')) },
        { path: 'projects/:namespace/:resource', ...screen(() => import('./pages/project/ResourceList')) },
        { path: 'projects/:namespace/:resource/:name', ...screen(() => import('./pages/project/ResourceDetail')) },
        { path: '*', ...screen(() => import('./pages/NotFoundPage')) },
      ],
    },
  ],
  { basename: config.basePath.replace(/\/$/, '') || '/' },
);

export function App() {
  return <RouterProvider router={router} />;
}
