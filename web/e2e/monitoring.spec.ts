import { expect, test, type Browser, type Page, type Request } from '@playwright/test';
import { accessible, call, ensure, loginAdmin, shot, shotDark } from './pages';
import { stack } from './stack';

// The monitoring pages of issue 14, against the real stack: Prometheus
// scraping the simulated kubelets, the object-state exporter and the
// control plane, and ke-apiserver's monitoring API in front of it. The
// cluster overview's charts render with data, in at most four requests,
// and follow a change of the time range; a pod's Monitoring tab charts it.
test.describe.configure({ mode: 'serial' });

const ws = 'mon-ws';
const project = 'mon-proj';
const dep = 'busy';
const monitoringAPI = '/kapis/monitoring.superkube.io/v1alpha3/';

let admin: Page;

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ locale: 'en-US' });
  return ctx.newPage();
}

interface PodList {
  items: { metadata: { name: string }; status?: { phase?: string } }[];
}

/** isMonitoring tells a request to the monitoring API. */
function isMonitoring(r: Request): boolean {
  return new URL(r.url()).pathname.includes(monitoringAPI);
}

/**
 * chartReady waits until a chart shows data: a canvas and a legend value
 * that is not a dash. While Prometheus has not scraped what the chart
 * shows (a new pod), auto-refresh reads it again every 15 seconds.
 */
async function chartReady(page: Page, test: string, timeout = 120_000) {
  const chart = page.getByTestId(`chart-${test}`);
  await expect(chart).not.toHaveAttribute('data-state', 'loading');
  if ((await chart.getAttribute('data-state')) !== 'ready') await page.getByTestId('refresh').first().selectOption('15s');
  await expect(chart).toHaveAttribute('data-state', 'ready', { timeout });
  await expect(chart.locator('canvas').first()).toBeVisible();
  const value = chart.getByTestId('legend-value').first();
  await expect(value).not.toHaveText('');
  await expect(value).not.toHaveText('–');
}

test.beforeAll(async ({ browser }) => {
  const s = stack();
  admin = await newPage(browser);
  await loginAdmin(admin, s.consoleURL, s.adminPassword);
  await ensure(admin, s.consoleURL, '/kapis/tenant.superkube.io/v1beta1/workspaces', { metadata: { name: ws }, spec: {} });
  await ensure(admin, s.consoleURL, `/kapis/tenant.superkube.io/v1beta1/workspaces/${ws}/namespaces`, { metadata: { name: project } });
  await ensure(admin, s.consoleURL, `/apis/apps/v1/namespaces/${project}/deployments`, {
    metadata: { name: dep },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: dep } },
      template: { metadata: { labels: { app: dep } }, spec: { containers: [{ name: 'app', image: 'busybox', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } },
    },
  });
});

test('the cluster overview charts usage against capacity, the API server and etcd with data, in at most four requests', async () => {
  const s = stack();
  const requests: string[] = [];
  admin.on('request', (r) => {
    if (isMonitoring(r)) requests.push(r.url());
  });
  await admin.goto(`${s.consoleURL}/platform/overview`);
  await expect(admin.getByTestId('page-title')).toHaveText('Cluster overview');
  await expect(admin.getByTestId('monitoring-cluster')).toBeVisible();
  // The first screenful's requests: every chart has its answer.
  for (const c of ['cluster-cpu', 'apiserver-requests', 'etcd-size']) await expect(admin.getByTestId(`chart-${c}`)).not.toHaveAttribute('data-state', 'loading');
  const first = [...requests];
  expect(first.length).toBeGreaterThan(0);
  expect(first.length).toBeLessThanOrEqual(4);
  // Every chart group asks for several metrics at once.
  for (const u of first) expect(new URL(u).searchParams.get('metrics_filter')).toContain('|');

  await chartReady(admin, 'cluster-cpu');
  await chartReady(admin, 'cluster-memory');
  await chartReady(admin, 'apiserver-requests');
  await chartReady(admin, 'etcd-size');
  await expect(admin.getByTestId('usage-cpu')).toContainText('of');
  await expect(admin.getByTestId('chart-cluster-cpu').getByTestId('legend-value').first()).toHaveText(/core/);
  await accessible(admin, 'cluster overview with charts');
  await shot(admin, 'monitoring-cluster-overview');
  await shotDark(admin, 'monitoring-cluster-overview-dark');
});

test('the charts follow a change of the time range: a new request with the new range, drawn again', async () => {
  const clusterRequest = (step: string) => (r: Request) => isMonitoring(r) && new URL(r.url()).pathname.endsWith('/cluster') && new URL(r.url()).searchParams.get('step') === step;
  const sixHours = admin.waitForRequest(clusterRequest('120s'));
  await admin.getByTestId('range-6h').click();
  const r = await sixHours;
  const p = new URL(r.url()).searchParams;
  expect(Number(p.get('end')) - Number(p.get('start'))).toBeGreaterThanOrEqual(6 * 3600);
  await chartReady(admin, 'cluster-cpu');

  const week = admin.waitForRequest(clusterRequest('3600s'));
  await admin.getByTestId('range-7d').click();
  await week;
  await chartReady(admin, 'cluster-cpu');

  // Auto-refresh reads the same range again by itself.
  await admin.getByTestId('range-1h').click();
  await chartReady(admin, 'cluster-cpu');
  await admin.getByTestId('refresh').selectOption('off');
  const again = admin.waitForRequest(clusterRequest('15s'), { timeout: 30_000 });
  await admin.getByTestId('refresh').selectOption('15s');
  await again;
  await admin.getByTestId('refresh').selectOption('off');
});

test('the nodes list shows each node’s CPU and memory use', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/nodes`);
  const firstRow = admin.getByTestId('list-nodes').locator('tbody tr').first();
  await expect(firstRow).toBeVisible();
  await expect(async () => {
    await admin.reload();
    await expect(firstRow.locator('[data-test^="usage-cpu-"]')).toHaveText(/core/, { timeout: 10_000 });
  }).toPass({ timeout: 90_000 });
  await expect(firstRow.locator('[data-test^="usage-memory-"]')).toHaveText(/iB|\d B/);
});

test("a pod's Monitoring tab charts its CPU, memory and containers", async () => {
  const s = stack();
  let pod = '';
  await expect(async () => {
    const pods = (await call(admin, s.consoleURL, 'GET', `/api/v1/namespaces/${project}/pods?labelSelector=app%3D${dep}`)) as PodList;
    const running = pods.items.find((p) => p.status?.phase === 'Running');
    expect(running).toBeDefined();
    pod = running!.metadata.name;
  }).toPass({ timeout: 60_000 });
  await admin.goto(`${s.consoleURL}/projects/${project}/pods/${pod}`);
  await admin.getByRole('tab', { name: 'Monitoring' }).click();
  await expect(admin.getByTestId('monitoring-pod')).toBeVisible();
  // A new pod has data after Prometheus' next scrapes.
  await chartReady(admin, 'pod-cpu', 180_000);
  await chartReady(admin, 'pod-memory');
  await chartReady(admin, 'container-cpu');
  await expect(admin.getByTestId('chart-container-cpu').getByTestId('legend-label').first()).toHaveText('app');
  await shot(admin, 'monitoring-pod');
});

test('the Components page shows the control plane healthy, and platform administrators have the PromQL page', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/overview`);
  await admin.getByTestId('nav-components').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Components');
  await expect(admin.getByTestId('health-apiserver')).toHaveAttribute('data-health', 'healthy', { timeout: 60_000 });
  await expect(admin.getByTestId('health-etcd')).toHaveAttribute('data-health', 'healthy');
  await shot(admin, 'monitoring-components');

  await admin.getByTestId('nav-query').click();
  await admin.getByTestId('promql').fill('sum by (job) (up)');
  await admin.getByTestId('promql-run').click();
  await chartReady(admin, 'query');
  await expect(admin.getByTestId('query-series')).toContainText('job="apiserver"');
});
