import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import '../i18n';
import Login from './Login';

// The page was served to a browser without a session (ke-console says so in index.html).
vi.mock('../config', async (orig) => {
  const real = await orig<typeof import('../config')>();
  return { ...real, config: { ...real.config, session: false } };
});

function renderAt(client: QueryClient) {
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={['/login']}>
        <Routes>
          <Route path="/login" element={<Login />} />
          <Route path="/" element={<p>start page</p>} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('the login page', () => {
  let urls: string[];
  beforeEach(() => {
    urls = [];
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      urls.push(u);
      return Promise.resolve(new Response(JSON.stringify({ items: [], totalItems: 0 }), { status: 200 }));
    }));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('shows the form to a visitor without asking who is logged in (no 401 to log)', async () => {
    renderAt(new QueryClient({ defaultOptions: { queries: { retry: false } } }));
    expect(await screen.findByRole('button', { name: 'Log in' })).toBeInTheDocument();
    expect(urls.some((u) => u.includes('auth/session'))).toBe(false);
  });

  it('sends someone already logged in on, rather than show the form', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    client.setQueryData(['session'], { username: 'ada' });
    renderAt(client);
    expect(await screen.findByText('start page')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Log in' })).not.toBeInTheDocument();
  });
});
