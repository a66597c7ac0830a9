import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import '../../i18n';
import type { Metrics } from '../../api/monitoring';
import ClusterMonitoring from '../../pages/monitoring/ClusterMonitoring';
import { PodMonitoring } from '../../pages/monitoring/ObjectMonitoring';
import { TopTable } from './TopTable';

// uPlot draws on a canvas, which jsdom does not have: a context whose every
// method does nothing (and measures text as 10 px wide) lets it run.
function stubCanvas() {
  const target: Record<string | symbol, unknown> = {};
  const ctx = new Proxy(target, {
    get: (o, k) => (k in o ? o[k] : k === 'measureText' ? () => ({ width: 10 }) : () => undefined),
    set: (o, k, v) => {
      o[k] = v;
      return true;
    },
  });
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation((() => ctx) as unknown as HTMLCanvasElement['getContext']);
  // and a path that records nothing
  vi.stubGlobal(
    'Path2D',
    class {
      moveTo() {}
      lineTo() {}
      rect() {}
      arc() {}
      closePath() {}
      bezierCurveTo() {}
      quadraticCurveTo() {}
      addPath() {}
    },
  );
  vi.stubGlobal('matchMedia', () => ({ matches: false, addEventListener: () => undefined, removeEventListener: () => undefined, addListener: () => undefined, removeListener: () => undefined }));
}

function wrap(children: ReactNode) {
  return (
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>
  );
}

/** answer makes a range answer shaped as the contract says: one result per metric asked for. */
function answer(url: string, value = (m: string) => (m.includes('total') ? '4' : '1.5')): Metrics {
  const u = new URL(url, 'https://console');
  const metrics = (u.searchParams.get('metrics_filter') ?? '').split('|');
  const start = Number(u.searchParams.get('start'));
  return {
    apiVersion: 'monitoring.superkube.io/v1alpha3',
    kind: 'Metrics',
    results: metrics.map((m) => {
      const labels: Record<string, string> = m.startsWith('container_') ? { container: 'app' } : {};
      return {
      metricName: m,
      unit: m.includes('memory') || m.includes('size') ? 'bytes' : m.includes('latency') ? 'seconds' : m.includes('cpu') ? 'cores' : 'count',
      resultType: 'matrix',
      series: [
        {
          labels,
          values: [
            [start, value(m)],
            [start + 60, value(m)],
          ],
        },
      ],
      error: '',
      };
    }),
  };
}

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

describe('the cluster overview charts', () => {
  beforeEach(stubCanvas);
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('reads usage, the API server and etcd in three requests and draws them with legend values in their units', async () => {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        urls.push(u);
        return json(answer(u));
      }),
    );
    const { container } = render(wrap(<ClusterMonitoring />));
    const chart = (id: string) => container.querySelector(`[data-test="chart-${id}"]`);
    await waitFor(() => expect(chart('cluster-cpu')?.querySelector('[data-test="legend-value"]')).not.toBeNull());
    await waitFor(() => expect(chart('etcd-size')?.querySelector('canvas')).not.toBeNull());
    expect(urls).toHaveLength(3);
    expect(urls.map((u) => new URL(u, 'https://c').pathname).sort()).toEqual([
      '/kapis/monitoring.superkube.io/v1alpha3/cluster',
      '/kapis/monitoring.superkube.io/v1alpha3/components/apiserver',
      '/kapis/monitoring.superkube.io/v1alpha3/components/etcd',
    ]);
    expect(chart('cluster-cpu')?.getAttribute('data-state')).toBe('ready');
    expect([...chart('cluster-cpu')!.querySelectorAll('[data-test="legend-value"]')].map((e) => e.textContent)).toEqual(['1.5 cores', '4 cores']);
    expect(chart('cluster-cpu')?.querySelector('figure')?.getAttribute('aria-label')).toBe('CPU');
    expect(chart('etcd-size')?.querySelector('[data-test="legend-value"]')?.textContent).toBe('2 B');
    // Usage against capacity from the same answer: 1.5 of 4 cores.
    expect(container.querySelector('[data-test="usage-cpu"]')?.textContent).toContain('1.5 cores of 4 cores');
    expect(container.querySelector('[data-test="usage-cpu"]')?.textContent).toContain('38%');
  });

  it('reads again with the new range when another is chosen', async () => {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        urls.push(u);
        return json(answer(u));
      }),
    );
    const { container } = render(wrap(<ClusterMonitoring />));
    await waitFor(() => expect(urls).toHaveLength(3));
    const step = (u: string) => new URL(u, 'https://c').searchParams.get('step');
    expect(urls.every((u) => step(u) === '15s')).toBe(true);
    fireEvent.click(container.querySelector('[data-test="range-7d"] button, button[id="range-7d"]')!);
    await waitFor(() => expect(urls).toHaveLength(6));
    const later = urls.slice(3).map((u) => new URL(u, 'https://c').searchParams);
    expect(later.every((p) => p.get('step') === '3600s' && Number(p.get('end')) - Number(p.get('start')) >= 7 * 86400)).toBe(true);
  });

  it('says "Monitoring is unavailable" with the server message on a 503, at once, instead of a chart or a spinner', async () => {
    const fetch = vi.fn(() => json({ kind: 'Status', status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: 'prometheus at http://127.0.0.1:9090 did not answer within 5s' }, 503));
    vi.stubGlobal('fetch', fetch);
    const { container } = render(wrap(<ClusterMonitoring />));
    await waitFor(() => expect(container.querySelector('[data-test="chart-cluster-cpu"]')?.getAttribute('data-state')).toBe('unavailable'));
    const cpu = container.querySelector('[data-test="chart-cluster-cpu"]')!;
    expect(cpu.querySelector('[data-test="monitoring-unavailable"]')?.textContent).toContain('Monitoring is unavailable');
    expect(cpu.querySelector('[data-test="monitoring-unavailable-message"]')?.textContent).toBe('prometheus at http://127.0.0.1:9090 did not answer within 5s');
    expect(cpu.querySelector('canvas')).toBeNull();
    expect(cpu.querySelector('[data-test="chart-loading"]')).toBeNull();
    expect(container.querySelector('[data-test="capacity-cluster"] [data-test="monitoring-unavailable"]')).not.toBeNull();
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('shows an empty state when nothing was recorded, and the error of a metric that failed alone', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        const a = answer(u);
        for (const r of a.results) {
          r.series = [];
          if (r.metricName === 'etcd_db_size') r.error = 'execution: query timed out';
        }
        return json(a);
      }),
    );
    const { container } = render(wrap(<ClusterMonitoring />));
    await waitFor(() => expect(container.querySelector('[data-test="chart-cluster-cpu"]')?.getAttribute('data-state')).toBe('empty'));
    expect(container.querySelector('[data-test="chart-cluster-cpu"] [data-test="chart-empty"]')?.textContent).toContain('No data');
    expect(container.querySelector('[data-test="chart-etcd-size"] [data-test="metric-error"]')?.textContent).toContain('query timed out');
  });
});

describe("a pod's Monitoring tab", () => {
  beforeEach(stubCanvas);
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it("charts the pod and each of its containers in two requests", async () => {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        urls.push(u);
        return json(answer(u));
      }),
    );
    const { container } = render(wrap(<PodMonitoring namespace="dev" pod="web-1" />));
    await waitFor(() => expect(container.querySelector('[data-test="chart-container-cpu"] [data-test="legend-label"]')?.textContent).toBe('app'));
    expect(urls.map((u) => new URL(u, 'https://c').pathname).sort()).toEqual([
      '/kapis/monitoring.superkube.io/v1alpha3/namespaces/dev/pods/web-1',
      '/kapis/monitoring.superkube.io/v1alpha3/namespaces/dev/pods/web-1/containers',
    ]);
    expect(new URL(urls.find((u) => u.includes('/containers'))!, 'https://c').searchParams.get('metrics_filter')).toBe('container_cpu_usage|container_memory_usage_wo_cache');
  });
});

describe('TopTable', () => {
  it('lists a ranking in the order the API gave, with values in their units and links', () => {
    const m: Metrics = {
      results: [
        {
          metricName: 'pod_cpu_usage',
          unit: 'cores',
          resultType: 'vector',
          series: [
            { labels: { namespace: 'dev', pod: 'busy' }, value: [1, '2'] },
            { labels: { namespace: 'dev', pod: 'idle' }, value: [1, '0.01'] },
          ],
        },
        { metricName: 'pod_memory_usage_wo_cache', unit: 'bytes', resultType: 'vector', series: [{ labels: { namespace: 'dev', pod: 'idle' }, value: [1, '1048576'] }] },
      ],
      totalItems: 2,
      page: 1,
    };
    const { container } = render(
      wrap(
        <TopTable
          query={{ data: m, error: null, isLoading: false }}
          sortMetric="pod_cpu_usage"
          nameOf="pod"
          nameTitle="Pod"
          ariaLabel="Top pods"
          columns={[
            { metric: 'pod_cpu_usage', title: 'CPU' },
            { metric: 'pod_memory_usage_wo_cache', title: 'Memory' },
          ]}
          link={(name, l) => `/projects/${l.namespace}/pods/${name}`}
          test="pods"
        />,
      ),
    );
    const rows = [...container.querySelectorAll('tbody tr')].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
    expect(rows).toEqual([
      ['busy', '2 cores', '–'],
      ['idle', '10 millicores', '1 MiB'],
    ]);
    expect(container.querySelector('[data-test="top-row-busy"] a')?.getAttribute('href')).toBe('/projects/dev/pods/busy');
  });
});
