import { Navigate } from 'react-router';
import { useAccess } from '../api/access';
import { Loading } from '../components/Loading';

/** Home sends platform operators to the cluster overview and everyone else to their workspaces. */
export default function Home() {
  const access = useAccess([{ verb: 'list', resource: 'nodes' }]);
  if (!access.loaded) return <Loading />;
  return <Navigate to={access.allowed[0] ? '/platform/overview' : '/platform/workspaces'} replace />;
}
