import { Bullseye, Spinner } from '@patternfly/react-core';
import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation } from 'react-router';
import { useSession } from './api/auth';
import { config } from './config';
import { AppLayout } from './layout/AppLayout';

// Every screen is loaded when it is first opened.
const Login = lazy(() => import('./pages/Login'));
const ChangePassword = lazy(() => import('./pages/ChangePassword'));
const Home = lazy(() => import('./pages/Home'));
const Profile = lazy(() => import('./pages/Profile'));
const ClusterOverview = lazy(() => import('./pages/platform/ClusterOverview'));
const Nodes = lazy(() => import('./pages/platform/Nodes'));
const NodeDetail = lazy(() => import('./pages/platform/NodeDetail'));
const Workspaces = lazy(() => import('./pages/platform/Workspaces'));
const Users = lazy(() => import('./pages/platform/Users'));
const WorkspaceOverview = lazy(() => import('./pages/workspace/WorkspaceOverview'));
const Projects = lazy(() => import('./pages/workspace/Projects'));
const Members = lazy(() => import('./pages/Members'));
const Roles = lazy(() => import('./pages/Roles'));
const ProjectOverview = lazy(() => import('./pages/project/ProjectOverview'));
const ResourceList = lazy(() => import('./pages/project/ResourceList'));
const ResourceDetail = lazy(() => import('./pages/project/ResourceDetail'));
const CreateDeployment = lazy(() => import('./pages/project/CreateDeployment'));

export function Loading() {
  return (
    <Bullseye>
      <Spinner aria-label="Loading" />
    </Bullseye>
  );
}

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

/** RequireSession sends visitors without a session to the login page, and users who must change their password to that form. */
function RequireSession() {
  const session = useSession();
  const loc = useLocation();
  if (session.isLoading) return <Loading />;
  if (session.error || !session.data) return <Navigate to="/login" replace state={{ from: loc.pathname }} />;
  if (session.data.passwordChangeRequired) return <Navigate to="/password" replace />;
  return (
    <AppLayout session={session.data}>
      <Lazy>
        <Outlet />
      </Lazy>
    </AppLayout>
  );
}

const router = createBrowserRouter(
  [
    { path: '/login', element: <Lazy><Login /></Lazy> },
    { path: '/password', element: <Lazy><ChangePassword /></Lazy> },
    {
      element: <RequireSession />,
      children: [
        { index: true, element: <Home /> },
        { path: 'profile', element: <Profile /> },
        { path: 'platform/overview', element: <ClusterOverview /> },
        { path: 'platform/nodes', element: <Nodes /> },
        { path: 'platform/nodes/:name', element: <NodeDetail /> },
        { path: 'platform/workspaces', element: <Workspaces /> },
        { path: 'platform/users', element: <Users /> },
        { path: 'platform/roles', element: <Roles level="global" /> },
        { path: 'workspaces/:workspace', element: <Navigate to="overview" replace /> },
        { path: 'workspaces/:workspace/overview', element: <WorkspaceOverview /> },
        { path: 'workspaces/:workspace/projects', element: <Projects /> },
        { path: 'workspaces/:workspace/members', element: <Members level="workspace" /> },
        { path: 'workspaces/:workspace/roles', element: <Roles level="workspace" /> },
        { path: 'projects/:namespace', element: <Navigate to="overview" replace /> },
        { path: 'projects/:namespace/overview', element: <ProjectOverview /> },
        { path: 'projects/:namespace/members', element: <Members level="namespace" /> },
        { path: 'projects/:namespace/roles', element: <Roles level="namespace" /> },
        { path: 'projects/:namespace/deployments/~new', element: <CreateDeployment /> },
        { path: 'projects/:namespace/:resource', element: <ResourceList /> },
        { path: 'projects/:namespace/:resource/:name', element: <ResourceDetail /> },
        { path: '*', element: <Navigate to="/" replace /> },
      ],
    },
  ],
  { basename: config.basePath.replace(/\/$/, '') || '/' },
);

export function App() {
  return <RouterProvider router={router} />;
}
