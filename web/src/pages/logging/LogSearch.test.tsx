import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { configure, fireEvent, render, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import '../../i18n';
import { LogSearch, shortDuration } from './LogSearch';

// The console's tests select by data-test, as the end-to-end tests do.
configure({ testIdAttribute: 'data-test' });

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

function wrap(children: ReactNode) {
  return (
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>
  );
}

const record = (n: number, pod: string) => ({ time: '2026-12-04T11:59:00.123456789Z', log: `INFO app line ${n}: cache refreshed`, namespace: 'shop', pod, container: 'app', node: 'n1' });

describe('the log search', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows the lines of a workload with their pods, searches the words typed, and loads more', async () => {
    const asked: URLSearchParams[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        const p = new URL(u, 'https://x').searchParams;
        asked.push(p);
        if (p.get('operation') === 'histogram') return json({ histogram: { total: 150, interval: '1m0s', buckets: [] } });
        const from = Number(p.get('from') ?? 0);
        const n = Math.min(100, 150 - from);
        return json({ query: { total: 150, records: Array.from({ length: n }, (_, i) => record(from + i, i % 2 ? 'web-a' : 'web-b')) } });
      }),
    );
    const r = render(wrap(<LogSearch namespace="shop" workload="web" />));
    await waitFor(() => expect(r.getAllByTestId('log-line')).toHaveLength(100));
    expect(r.getByTestId('log-total')).toHaveTextContent('150 lines match');
    expect(r.getAllByTestId('log-pod').map((e) => e.textContent)).toContain('web-a');
    expect(r.getAllByTestId('log-pod').map((e) => e.textContent)).toContain('web-b');
    // In a project, the namespace is not repeated beside each line; the workload is fixed, not a filter.
    expect(r.queryByTestId('log-namespace')).toBeNull();
    expect(r.queryByTestId('log-filter-workload')).toBeNull();
    expect(r.queryByTestId('log-filter-namespace')).toBeNull();
    const first = asked.find((p) => p.get('operation') === 'query')!;
    expect(first.get('workloads')).toBe('web');
    expect(Number(first.get('end_time')) - Number(first.get('start_time'))).toBe(3600);

    fireEvent.click(r.getByTestId('log-more'));
    await waitFor(() => expect(r.getAllByTestId('log-line')).toHaveLength(150));
    expect(r.queryByTestId('log-more')).toBeNull();
    expect(r.getByTestId('log-shown')).toHaveTextContent('Showing 150 of 150');

    fireEvent.change(r.getByTestId('log-query'), { target: { value: 'refused "connection reset"' } });
    fireEvent.click(r.getByTestId('log-search-run'));
    await waitFor(() => expect(asked.some((p) => p.get('log_query') === 'refused,connection reset')).toBe(true));
  });

  it('says when nothing matches, and offers the namespace filter at platform level', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => (u.includes('operation=histogram') ? json({ histogram: { total: 0, interval: '1m0s', buckets: [] } }) : json({ query: { total: 0, records: null } }))),
    );
    const r = render(wrap(<LogSearch />));
    await waitFor(() => expect(r.getByTestId('log-empty')).toBeInTheDocument());
    expect(r.getByTestId('log-histogram-empty')).toBeInTheDocument();
    expect(r.getByTestId('log-filter-namespace')).toBeInTheDocument();
    expect(r.getByTestId('log-export')).toBeDisabled();
  });

  it('says the log store is unavailable on a 503, once, and does not show empty results', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => json({ kind: 'Status', status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: 'the log store is unavailable; try again later' }, 503)),
    );
    const r = render(wrap(<LogSearch namespace="shop" />));
    await waitFor(() => expect(r.getByTestId('logs-unavailable')).toBeInTheDocument());
    expect(r.getAllByTestId('logs-unavailable')).toHaveLength(1);
    expect(r.queryByTestId('log-empty')).toBeNull();
    expect(r.queryByTestId('log-results')).toBeNull();
  });

  it('writes intervals without their zero parts', () => {
    expect(shortDuration('1m0s')).toBe('1m');
    expect(shortDuration('1h0m0s')).toBe('1h');
    expect(shortDuration('30s')).toBe('30s');
    expect(shortDuration('1m30s')).toBe('1m30s');
  });
});
