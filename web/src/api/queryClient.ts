import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './client';

/** queryClient is the console's one query cache, shared by the router's loaders and the screens. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: false,
      retry: (count, err) => !(err instanceof ApiError && err.code < 500) && count < 2,
    },
  },
});
