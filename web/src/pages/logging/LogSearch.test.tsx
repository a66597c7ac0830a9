import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { configure, fireEvent, render, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import '../../i18n';
import { sse } from '../../test/sse';
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

describe('the live tail of the log search', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** stubTail answers searches with nothing, and each tail with a stream the test writes to. */
  function stubTail(answer?: () => Promise<Response>) {
    const tails: { url: URL; signal: AbortSignal; stream: ReturnType<typeof sse> }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string, init: RequestInit) => {
        const url = new URL(u, 'https://x');
        const op = url.searchParams.get('operation');
        if (op === 'histogram') return json({ histogram: { total: 0, interval: '1m0s', buckets: [] } });
        if (op !== 'tail') return json({ query: { total: 0, records: [] } });
        if (answer) return answer();
        const stream = sse();
        tails.push({ url, signal: init.signal!, stream });
        return Promise.resolve(new Response(stream.body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }));
      }),
    );
    return tails;
  }
  const line = (n: number, pod = 'web-a') => `data: ${JSON.stringify({ time: `2026-12-04T12:00:${String(n).padStart(2, '0')}.000Z`, log: `live line ${n}`, namespace: 'shop', pod, container: 'app' })}\n\n`;

  it('shows new lines at the top as they come, with their pods, holds them while paused, and closes the stream when turned off', async () => {
    const tails = stubTail();
    const r = render(wrap(<LogSearch namespace="shop" workload="web" />));
    await waitFor(() => expect(r.getByTestId('log-empty')).toBeInTheDocument());
    fireEvent.click(r.getByTestId('log-live'));
    expect(r.getByTestId('log-live')).toHaveAttribute('aria-pressed', 'true');
    await waitFor(() => expect(tails).toHaveLength(1));
    expect(tails[0].url.searchParams.get('workloads')).toBe('web');
    expect(tails[0].url.searchParams.get('start_time')).toBeNull();
    await waitFor(() => expect(r.getByTestId('log-live-status')).toHaveAttribute('data-state', 'live'));
    expect(r.getByTestId('log-live-empty')).toBeInTheDocument();
    // The histogram and the page of lines give way to the live lines.
    expect(r.queryByTestId('log-results')).toBeNull();

    tails[0].stream.send(': following\n\n' + line(1, 'web-a') + line(2, 'web-b'));
    await waitFor(() => expect(r.getAllByTestId('log-live-line')).toHaveLength(2));
    // Newest first: the new line is at the top, with its pod and container.
    const rows = r.getAllByTestId('log-live-line');
    expect(within(rows[0]).getByTestId('log-text')).toHaveTextContent('live line 2');
    expect(within(rows[0]).getByTestId('log-pod')).toHaveTextContent('web-b');
    expect(within(rows[0]).getByTestId('log-container')).toHaveTextContent('app');
    expect(r.getByTestId('log-live-count')).toHaveTextContent('2 new lines');

    // Paused: lines are held back, and shown on resume.
    fireEvent.click(r.getByTestId('log-live-pause'));
    expect(r.getByTestId('log-live-status')).toHaveAttribute('data-state', 'paused');
    tails[0].stream.send(line(3));
    await waitFor(() => expect(r.getByTestId('log-live-held')).toHaveTextContent('1 more held while paused'));
    expect(r.getAllByTestId('log-live-line')).toHaveLength(2);
    fireEvent.click(r.getByTestId('log-live-pause'));
    await waitFor(() => expect(r.getAllByTestId('log-live-line')).toHaveLength(3));
    expect(within(r.getAllByTestId('log-live-line')[0]).getByTestId('log-text')).toHaveTextContent('live line 3');

    // Oldest first: new lines at the bottom.
    fireEvent.change(r.getByTestId('log-sort'), { target: { value: 'asc' } });
    expect(within(r.getAllByTestId('log-live-line')[2]).getByTestId('log-text')).toHaveTextContent('live line 3');

    fireEvent.click(r.getByTestId('log-live'));
    expect(tails[0].signal.aborted).toBe(true);
    expect(r.queryByTestId('log-live-view')).toBeNull();
    await waitFor(() => expect(r.getByTestId('log-results')).toBeInTheDocument());
  });

  it('starts again with the new filters when searched, keeps at most 1,000 lines, and closes the stream when the page goes', async () => {
    const tails = stubTail();
    const r = render(wrap(<LogSearch namespace="shop" />));
    fireEvent.click(r.getByTestId('log-live'));
    await waitFor(() => expect(tails).toHaveLength(1));
    tails[0].stream.send(Array.from({ length: 1005 }, (_, i) => `data: ${JSON.stringify({ time: new Date(Date.UTC(2026, 11, 4, 12, 0, 0, i)).toISOString(), log: `n${i}`, namespace: 'shop', pod: 'p', container: 'c' })}\n\n`).join(''));
    await waitFor(() => expect(r.getAllByTestId('log-live-line')).toHaveLength(1000));
    expect(r.getByTestId('log-live-dropped')).toHaveTextContent('5 older lines dropped');
    expect(within(r.getAllByTestId('log-live-line')[999]).getByTestId('log-text')).toHaveTextContent('n5');

    fireEvent.change(r.getByTestId('log-query'), { target: { value: 'error' } });
    fireEvent.click(r.getByTestId('log-search-run'));
    await waitFor(() => expect(tails).toHaveLength(2));
    expect(tails[0].signal.aborted).toBe(true);
    expect(tails[1].url.searchParams.get('log_query')).toBe('error');
    await waitFor(() => expect(r.getByTestId('log-live-empty')).toBeInTheDocument());
    // Lines of several pods come interleaved as they reach the store: they are shown in time order.
    tails[1].stream.send(line(9, 'web-b') + line(7, 'web-a') + line(8, 'web-a'));
    await waitFor(() => expect(r.getAllByTestId('log-live-line')).toHaveLength(3));
    expect(r.getAllByTestId('log-live-line').map((row) => within(row).getByTestId('log-text').textContent)).toEqual(['live line 9', 'live line 8', 'live line 7']);

    r.unmount();
    expect(tails[1].signal.aborted).toBe(true);
  });

  it('shows why the tail could not start with the console\'s error, and stops trying on a refusal', async () => {
    const answer = vi.fn(() => json({ kind: 'Status', status: 'Failure', code: 403, reason: 'Forbidden', message: 'user x may not get pods/log in namespace shop' }, 403));
    stubTail(answer);
    const r = render(wrap(<LogSearch namespace="shop" />));
    fireEvent.click(r.getByTestId('log-live'));
    await waitFor(() => expect(r.getByTestId('log-live-status')).toHaveAttribute('data-state', 'failed'));
    expect(within(r.getByTestId('log-live-error')).getByTestId('error')).toHaveAttribute('data-kind', 'forbidden');
    expect(r.getByTestId('log-live-error')).toHaveTextContent('The live stream could not start');
    expect(answer).toHaveBeenCalledTimes(1);
  });

  it('says the log store is unavailable on a 503, and tries again', async () => {
    const answer = vi.fn(() => json({ kind: 'Status', status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: 'the log store is unavailable; try again later' }, 503));
    stubTail(answer);
    const r = render(wrap(<LogSearch namespace="shop" />));
    fireEvent.click(r.getByTestId('log-live'));
    await waitFor(() => expect(r.getByTestId('log-live-status')).toHaveAttribute('data-state', 'reconnecting'));
    expect(within(r.getByTestId('log-live-error')).getByTestId('error')).toHaveAttribute('data-kind', 'unavailable');
    await waitFor(() => expect(answer).toHaveBeenCalledTimes(2), { timeout: 2500 });
    fireEvent.click(r.getByTestId('log-live'));
  });
});
