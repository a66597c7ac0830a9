import { Navigate } from 'react-router';
import { platformActions, useAccess } from '../api/access';
import { Loading } from '../components/Loading';

/** Home sends platform operators to the cluster overview and everyone else to their workspaces and projects. */
export default function Home() {
  const access = useAccess(platformActions);
  if (!access.loaded) return <Loading />;
  return <Navigate to={access.allowed[0] ? '/platform/overview' : '/home'} replace />;
}
