import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import '../../i18n';
import type { Metrics } from '../../api/monitoring';
import Nodes from '../platform/Nodes';
import { TimeRangePicker, useTimeRange, type TimeRangeState } from '../../components/monitoring/TimeRangePicker';

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

function node(name: string) {
  return { metadata: { name, uid: name, creationTimestamp: '2026-12-01T00:00:00Z' }, spec: {}, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } };
}

/** usage answers an instant query of the node level as the contract says: one result per metric, a series per node labelled node. */
function usage(): Metrics {
  const v = (cpu: string, mem: string) => ({ node_cpu_usage: cpu, node_cpu_total: '4', node_memory_usage_wo_cache: mem, node_memory_total: String(8 * 1024 ** 3) });
  const nodes: Record<string, Record<string, string>> = { 'kwok-1': v('0.5', String(2 * 1024 ** 3)), 'kwok-2': v('3', 'NaN') };
  const units: Record<string, string> = { node_cpu_usage: 'cores', node_cpu_total: 'cores', node_memory_usage_wo_cache: 'bytes', node_memory_total: 'bytes' };
  return {
    results: Object.keys(units).map((m) => ({
      metricName: m,
      unit: units[m],
      resultType: 'vector',
      series: Object.entries(nodes).map(([n, vals]) => ({ labels: { node: n }, value: [1733250000, vals[m]] })),
    })),
  };
}

function wrap(children: React.ReactNode) {
  return (
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>
  );
}

describe('the nodes list', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows each node's CPU and memory use from one request for the page's nodes", async () => {
    const monitoring: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        if (u.includes('/kapis/monitoring.superkube.io/')) {
          monitoring.push(u);
          return json(usage());
        }
        return json({ items: [node('kwok-1'), node('kwok-2')], totalItems: 2 });
      }),
    );
    const { container } = render(wrap(<Nodes />));
    const cell = (id: string) => container.querySelector(`[data-test="${id}"]`)?.textContent;
    await waitFor(() => expect(cell('usage-cpu-kwok-1')).toBe('500 millicores (13%)'));
    expect(cell('usage-cpu-kwok-2')).toBe('3 cores (75%)');
    expect(cell('usage-memory-kwok-1')).toBe('2 GiB (25%)');
    expect(cell('usage-memory-kwok-2')).toBe('–');
    expect(monitoring).toHaveLength(1);
    const p = new URL(monitoring[0], 'https://c').searchParams;
    expect(new URL(monitoring[0], 'https://c').pathname).toBe('/kapis/monitoring.superkube.io/v1alpha3/nodes');
    expect(p.get('resources_filter')).toBe('kwok-1|kwok-2');
    expect(p.get('metrics_filter')).toBe('node_cpu_usage|node_cpu_total|node_memory_usage_wo_cache|node_memory_total');
  });

  it('says once that monitoring is unavailable, and leaves the use columns empty, on a 503', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => (u.includes('/kapis/monitoring.superkube.io/') ? json({ kind: 'Status', code: 503, message: 'prometheus is down' }, 503) : json({ items: [node('kwok-1')], totalItems: 1 }))),
    );
    const { container } = render(wrap(<Nodes />));
    await waitFor(() => expect(container.querySelectorAll('[data-test="monitoring-unavailable"]')).toHaveLength(1));
    expect(container.querySelector('[data-test="usage-cpu-kwok-1"]')?.textContent).toBe('–');
  });
});

describe('TimeRangePicker', () => {
  it('chooses a custom range only once it ends after it starts', () => {
    let state: TimeRangeState | undefined;
    function Harness() {
      state = useTimeRange();
      return <TimeRangePicker state={state} />;
    }
    const { container } = render(wrap(<Harness />));
    fireEvent.click(container.querySelector('[data-test="range-custom"] button')!);
    const from = container.querySelector<HTMLInputElement>('[data-test="range-from"]')!;
    const to = container.querySelector<HTMLInputElement>('[data-test="range-to"]')!;
    const apply = container.querySelector<HTMLButtonElement>('[data-test="range-apply"]')!;
    fireEvent.change(from, { target: { value: '2026-12-03T10:00' } });
    fireEvent.change(to, { target: { value: '2026-12-03T09:00' } });
    expect(apply.disabled).toBe(true);
    fireEvent.change(to, { target: { value: '2026-12-03T12:00' } });
    expect(apply.disabled).toBe(false);
    fireEvent.click(apply);
    expect(state!.range.key).toBe('custom');
    expect(state!.range.end! - state!.range.start!).toBe(2 * 3600);
  });
});
