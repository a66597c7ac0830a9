import { NotFound } from '../components/PageState';

/** NotFoundPage is the route of addresses the console does not know. */
export default function NotFoundPage() {
  return <NotFound />;
}
