import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import '../../i18n';
import { WorkloadSummary } from './ProjectOverview';

describe('WorkloadSummary', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('asks the list engine for counts by state and links each count to the list filtered by it', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      urls.push(u);
      const counts = u.includes('/deployments') ? { running: 3, updating: 1 } : { failed: 2 };
      return Promise.resolve(new Response(JSON.stringify({ items: [], totalItems: u.includes('/deployments') ? 4 : 2, counts }), { status: 200 }));
    }));
    const { container } = render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter>
          <WorkloadSummary namespace="dev" kinds={['deployments', 'pods']} />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    const link = (test: string) => container.querySelector(`[data-test="${test}"]`);
    await waitFor(() => expect(link('summary-deployments-running')).not.toBeNull());
    expect(link('summary-deployments-running')?.getAttribute('href')).toBe('/projects/dev/deployments?status=running');
    expect(link('summary-deployments-running')?.textContent).toContain('3');
    expect(link('summary-deployments-updating')?.textContent).toContain('1');
    expect(link('summary-deployments-stopped')).toBeNull();
    expect(link('summary-pods-failed')?.getAttribute('href')).toBe('/projects/dev/pods?status=failed');
    expect(urls.some((u) => u.includes('/namespaces/dev/deployments?') && u.includes('countBy=status') && u.includes('limit=1'))).toBe(true);
  });
});
