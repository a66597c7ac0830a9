import '@patternfly/react-core/dist/styles/base.css';
import './styles.css';
import './i18n';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ApiError, setUnauthorizedHandler } from './api/client';
import { url } from './config';
import { applyTheme, initialTheme } from './theme';

applyTheme(initialTheme());

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: false,
      retry: (count, err) => !(err instanceof ApiError && err.code < 500) && count < 2,
    },
  },
});

setUnauthorizedHandler(() => {
  if (!window.location.pathname.endsWith('/login')) {
    window.location.assign(url('/login'));
  }
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
