import '@patternfly/react-core/dist/styles/base.css';
import './styles.css';
import i18n, { loadLanguage, type Language } from './i18n';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { setUnauthorizedHandler } from './api/client';
import { queryClient } from './api/queryClient';
import { url } from './config';
import { applyTheme, initialTheme } from './theme';

applyTheme(initialTheme());

setUnauthorizedHandler(() => {
  if (!window.location.pathname.endsWith('/login')) {
    window.location.assign(url('/login'));
  }
});

// The page is drawn once the user's language is there (English at once).
await loadLanguage(i18n.language as Language).catch(() => undefined);
await i18n.changeLanguage(i18n.language);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
