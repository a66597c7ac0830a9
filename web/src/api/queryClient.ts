import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './client';

/**
 * shouldRetry retries a read that got no answer or a server fault, twice;
 * never one the server refused (4xx): asking again for what is forbidden
 * or missing gets the same answer.
 */
export function shouldRetry(count: number, err: unknown): boolean {
  return !(err instanceof ApiError && err.code < 500) && count < 2;
}

/** queryClient is the console's one query cache, shared by the router's loaders and the screens. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: false,
      retry: shouldRetry,
      // Ask even when the browser says it is offline: a request that cannot
      // be sent fails and shows why, rather than waiting unseen (which left
      // lists empty with "Nothing found" when the network was cut).
      networkMode: 'always',
    },
  },
});
