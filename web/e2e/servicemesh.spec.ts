import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { accessible, call, csrf, ensure, loginAdmin, rowOf, shot } from './pages';
import { stack } from './stack';

// The service mesh stories of issue 22, against the real stack: a canary
// release of a Service made from the console (the new version's Deployment
// copied from the current one with a new image) becomes the VirtualService
// and DestinationRule ke-controller-manager writes (90/10, two subsets); a
// shift of the weight makes them 50/50; a promote sends everything to the
// new version and scales the old one to zero. Then spans sent over OTLP to
// the stack's Jaeger are found by the console's trace search, and the trace
// opens on its timeline with a span's tags.
test.describe.configure({ mode: 'serial' });

const ws = 'mesh-ws';
const project = 'mesh-proj';
const P = '/kapis/servicemesh.superkube.io/v1alpha2';
const istio = '/apis/networking.istio.io/v1';
const strategy = 'reviews-v2';

let admin: Page;

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ locale: 'en-US' });
  return ctx.newPage();
}

/** send makes a request with the admin's session and gives its status (no failure on an error answer). */
async function send(page: Page, method: 'GET' | 'DELETE' | 'PATCH', path: string, data?: unknown): Promise<number> {
  const s = stack();
  const r = await page.request.fetch(s.consoleURL + path, {
    method,
    headers: { 'X-CSRF-Token': await csrf(page), 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
    data: data === undefined ? undefined : JSON.stringify(data),
  });
  return r.status();
}

interface Destination {
  destination: { host: string; subset?: string };
  weight?: number;
}

interface VirtualService {
  spec: { hosts: string[]; http: { match?: unknown[]; route: Destination[] }[] };
}

/**
 * weights is how the VirtualService's route for the requests no match
 * takes (its last HTTP route) shares them among the subsets; a single
 * destination without a weight takes them all.
 */
async function weights(page: Page): Promise<Record<string, number> | string> {
  const s = stack();
  const r = await page.request.get(`${s.consoleURL}${istio}/namespaces/${project}/virtualservices/reviews`);
  if (!r.ok()) return `VirtualService: ${r.status()}`;
  const vs = (await r.json()) as VirtualService;
  const route = vs.spec.http.at(-1)?.route ?? [];
  return Object.fromEntries(route.map((d) => [d.destination.subset ?? '', d.weight ?? (route.length === 1 ? 100 : 0)]));
}

async function subsets(page: Page): Promise<string[]> {
  const s = stack();
  const r = await page.request.get(`${s.consoleURL}${istio}/namespaces/${project}/destinationrules/reviews`);
  if (!r.ok()) return [];
  const dr = (await r.json()) as { spec: { subsets?: { name: string; labels: Record<string, string> }[] } };
  return (dr.spec.subsets ?? []).map((x) => `${x.name}:${x.labels.version}`).sort();
}

async function replicas(page: Page, name: string): Promise<number> {
  const s = stack();
  const d = (await call(page, s.consoleURL, 'GET', `/apis/apps/v1/namespaces/${project}/deployments/${name}`)) as { spec: { replicas: number } };
  return d.spec.replicas;
}

test.beforeAll(async ({ browser }) => {
  const s = stack();
  admin = await newPage(browser);
  await loginAdmin(admin, s.consoleURL, s.adminPassword);
  await ensure(admin, s.consoleURL, '/kapis/tenant.superkube.io/v1beta1/workspaces', { metadata: { name: ws }, spec: {} });
  await ensure(admin, s.consoleURL, `/kapis/tenant.superkube.io/v1beta1/workspaces/${ws}/namespaces`, { metadata: { name: project } });
  // What an earlier run of this stack left starts the story again: the
  // release (its VirtualService and DestinationRule go with it), the new
  // version, and the old one scaled back.
  await send(admin, 'DELETE', `${P}/namespaces/${project}/strategies/${strategy}`);
  await expect.poll(() => send(admin, 'GET', `${istio}/namespaces/${project}/virtualservices/reviews`), { timeout: 60_000 }).toBe(404);
  await send(admin, 'DELETE', `/apis/apps/v1/namespaces/${project}/deployments/reviews-v2`);
  await expect.poll(() => send(admin, 'GET', `/apis/apps/v1/namespaces/${project}/deployments/reviews-v2`), { timeout: 60_000 }).toBe(404);
  await ensure(admin, s.consoleURL, `/api/v1/namespaces/${project}/services`, {
    metadata: { name: 'reviews', labels: { app: 'reviews' } },
    spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080, targetPort: 9080 }] },
  });
  const labels = { app: 'reviews', version: 'v1' };
  await ensure(admin, s.consoleURL, `/apis/apps/v1/namespaces/${project}/deployments`, {
    metadata: { name: 'reviews-v1', labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'reviews', image: 'example.com/bookinfo/reviews:v1', ports: [{ containerPort: 9080 }] }] } },
    },
  });
  expect(await send(admin, 'PATCH', `/apis/apps/v1/namespaces/${project}/deployments/reviews-v1`, { spec: { replicas: 1 } })).toBe(200);
  // The KWOK nodes run its pod: the services list shows version v1 with a pod.
  await expect
    .poll(
      async () => {
        const l = (await call(admin, s.consoleURL, 'GET', `${P}/namespaces/${project}/services?name=reviews`)) as { items: { metadata: { name: string }; versions?: { name: string; pods: number }[] }[] };
        return l.items.find((i) => i.metadata.name === 'reviews')?.versions?.find((v) => v.name === 'v1')?.pods ?? 0;
      },
      { timeout: 90_000 },
    )
    .toBeGreaterThan(0);
});

test('a canary at 10% created from the console: the new version copied with a new image, VirtualService 90/10, DestinationRule v1 and v2', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/overview`);
  await admin.getByTestId('nav-grayscale').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Grayscale release');
  await admin.getByTestId('create-strategy').click();
  await admin.getByTestId('strategy-service').selectOption('reviews');
  await expect(admin.getByTestId('version-v1')).toContainText('reviews-v1');
  await admin.getByTestId('type-Canary').click();
  await admin.getByTestId('weight').fill('10');
  await admin.getByTestId('source-new').check();
  await admin.getByTestId('canary-version').fill('v2');
  await admin.getByTestId('canary-image').fill('example.com/bookinfo/reviews:v2');
  await expect(admin.getByTestId('strategy-name')).toHaveValue(strategy);
  await expect(admin.getByTestId('weight-rule')).toContainText('v1 gets 90%, v2 10%');
  await accessible(admin, 'grayscale release wizard');
  await shot(admin, 'servicemesh-create-canary');
  await admin.getByTestId('create-strategy-submit').click();
  await expect(admin).toHaveURL(new RegExp(`/projects/${project}/grayscale/${strategy}$`));
  await expect(admin.getByTestId('toast').first()).toContainText(strategy);

  // The Strategy, and the new version's Deployment as the console copied it.
  const st = (await call(admin, s.consoleURL, 'GET', `${P}/namespaces/${project}/strategies/${strategy}`)) as { spec: Record<string, unknown> };
  expect(st.spec).toMatchObject({ type: 'Canary', service: 'reviews', principal: 'v1', canary: 'v2', weight: 10 });
  const v2 = (await call(admin, s.consoleURL, 'GET', `/apis/apps/v1/namespaces/${project}/deployments/reviews-v2`)) as {
    metadata: { labels: Record<string, string> };
    spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string }[] } } };
  };
  expect(v2.metadata.labels).toEqual({ app: 'reviews', version: 'v2' });
  expect(v2.spec.selector.matchLabels).toEqual({ app: 'reviews', version: 'v2' });
  expect(v2.spec.template.metadata.labels).toEqual({ app: 'reviews', version: 'v2' });
  expect(v2.spec.template.spec.containers[0].image).toBe('example.com/bookinfo/reviews:v2');

  // What ke-controller-manager generated.
  await expect.poll(() => weights(admin), { timeout: 90_000 }).toEqual({ v1: 90, v2: 10 });
  await expect.poll(() => subsets(admin), { timeout: 30_000 }).toEqual(['v1:v1', 'v2:v2']);
  // The page shows it: both versions with their pods, the generated objects' names, Ready.
  await expect(admin.getByTestId('phase')).toHaveAttribute('data-phase', 'Progressing', { timeout: 60_000 });
  await expect(admin.getByTestId('virtual-service')).toHaveText('reviews');
  await expect(admin.getByTestId('destination-rule')).toHaveText('reviews');
  await expect(admin.getByTestId('version-v1').getByTestId('version-weight')).toHaveText('90%');
  await expect(admin.getByTestId('version-v2').getByTestId('version-weight')).toHaveText('10%');
  await expect(admin.getByTestId('ready-condition')).toHaveCount(0);
  await expect(admin.getByTestId('comparison')).toBeVisible();
  await accessible(admin, 'grayscale release');
  await shot(admin, 'servicemesh-canary');

  // The list.
  await admin.getByTestId('nav-grayscale').click();
  const row = rowOf(admin, strategy);
  await expect(row.getByTestId('strategy-type')).toHaveText('Canary');
  await expect(row.getByTestId('strategy-service')).toHaveText('reviews');
  await expect(row.getByTestId('strategy-versions')).toHaveText('v1 → v2');
});

test('the weight shifted to 50 makes the VirtualService 50/50; promote sends everything to v2 and scales reviews-v1 to zero', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/grayscale/${strategy}`);
  await admin.getByTestId('new-weight').fill('50');
  await expect(admin.getByTestId('principal-share')).toHaveText('50%');
  await admin.getByTestId('shift-weight').click();
  await expect(admin.getByTestId('toast').first()).toContainText('v2 now gets 50% of the requests.');
  await expect.poll(() => weights(admin), { timeout: 60_000 }).toEqual({ v1: 50, v2: 50 });
  await expect(admin.getByTestId('version-v2').getByTestId('version-weight')).toHaveText('50%', { timeout: 30_000 });

  await admin.getByTestId('promote').click();
  await expect(admin.getByTestId('confirm-decision')).toContainText('scaled to zero');
  await admin.getByTestId('confirm-decision-confirm').click();
  await expect(admin.getByTestId('toast').first()).toContainText('v2 takes all the traffic.');
  await expect.poll(() => weights(admin), { timeout: 60_000 }).toEqual({ v2: 100 });
  await expect.poll(() => replicas(admin, 'reviews-v1'), { timeout: 60_000 }).toBe(0);
  expect(await replicas(admin, 'reviews-v2')).toBe(1);
  await expect(admin.getByTestId('phase')).toHaveAttribute('data-phase', 'Promoted', { timeout: 60_000 });
  await expect(admin.getByTestId('decision')).toContainText('Promoted');
  // Decided: no weight to shift, no second decision.
  await expect(admin.getByTestId('weight-control')).toHaveCount(0);
  await expect(admin.getByTestId('promote')).toHaveCount(0);
  await shot(admin, 'servicemesh-promoted');
});

/** hex is n random bytes in hexadecimal: OTLP/JSON's trace and span ids. */
const hex = (n: number) => randomBytes(n).toString('hex');

const attr = (key: string, value: string | number) => ({ key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } });

/**
 * sendTrace sends one request's spans over OTLP/HTTP (JSON) to the stack's
 * Jaeger, whose receiver ke-dev names in <data-dir>/jaeger/otlp-http:
 * productpage → reviews (with a log) → ratings, each service named as
 * Istio does (<app>.<project>) with the project as k8s.namespace.name.
 * The root span carries the run's tag, to find this trace alone.
 */
async function sendTrace(page: Page, run: string): Promise<string> {
  const s = stack();
  const endpoint = readFileSync(join(s.dataDir, 'jaeger', 'otlp-http'), 'utf8').trim();
  const traceId = hex(16);
  const [root, reviews, ratings] = [hex(8), hex(8), hex(8)];
  const t0 = BigInt(Date.now() - 5_000) * 1_000_000n;
  const ms = (n: number) => String(t0 + BigInt(n) * 1_000_000n);
  const resource = (app: string) => ({ attributes: [attr('service.name', `${app}.${project}`), attr('k8s.namespace.name', project)] });
  const span = (spanId: string, parentSpanId: string, name: string, start: number, end: number, attributes: ReturnType<typeof attr>[], events: unknown[] = []) => ({
    traceId,
    spanId,
    parentSpanId,
    name,
    kind: 2,
    startTimeUnixNano: ms(start),
    endTimeUnixNano: ms(end),
    attributes,
    events,
    status: {},
  });
  const body = {
    resourceSpans: [
      { resource: resource('productpage'), scopeSpans: [{ scope: { name: 'e2e' }, spans: [span(root, '', 'GET /productpage', 0, 120, [attr('http.request.method', 'GET'), attr('http.response.status_code', 200), attr('e2e.run', run)])] }] },
      {
        resource: resource('reviews'),
        scopeSpans: [
          {
            scope: { name: 'e2e' },
            spans: [span(reviews, root, 'GET /reviews/0', 10, 100, [attr('http.request.method', 'GET'), attr('http.response.status_code', 200), attr('reviews.cache', 'miss')], [{ timeUnixNano: ms(55), name: 'cache miss', attributes: [attr('key', 'reviews-0')] }])],
          },
        ],
      },
      { resource: resource('ratings'), scopeSpans: [{ scope: { name: 'e2e' }, spans: [span(ratings, reviews, 'GET /ratings/0', 20, 60, [attr('http.request.method', 'GET'), attr('http.response.status_code', 200)])] }] },
    ],
  };
  const r = await page.request.post(`http://${endpoint}/v1/traces`, { headers: { 'Content-Type': 'application/json' }, data: JSON.stringify(body) });
  expect(r.ok(), `OTLP/HTTP to ${endpoint}: ${r.status()} ${await r.text()}`).toBe(true);
  return traceId;
}

test('spans sent over OTLP are found by the trace search, and the trace opens on its timeline with a span’s tags and logs', async () => {
  const s = stack();
  const run = hex(6);
  const traceID = await sendTrace(admin, run);
  const tracing = `${P}/namespaces/${project}/tracing`;
  // Jaeger stores the spans a moment after it received them.
  await expect
    .poll(async () => ((await call(admin, s.consoleURL, 'GET', `${tracing}/traces/${traceID}`).catch(() => ({ spans: [] }))) as { spans: unknown[] }).spans.length, { timeout: 60_000 })
    .toBe(3);

  // From the workload's page: its Traces link prefills the service.
  await admin.goto(`${s.consoleURL}/projects/${project}/deployments/reviews-v1`);
  await admin.getByTestId('workload-traces').click();
  await expect(admin).toHaveURL(new RegExp(`/projects/${project}/tracing\\?service=reviews\\.${project}`));
  await expect(admin.getByTestId('trace-service')).toHaveValue(`reviews.${project}`);

  // The search: the root service, the run's tag.
  await admin.getByTestId('nav-tracing').click();
  await admin.getByTestId('trace-service').selectOption(`productpage.${project}`);
  await admin.getByTestId('trace-tags').fill(`e2e.run=${run}`);
  await admin.getByTestId('trace-search-submit').click();
  const row = admin.getByTestId('trace-row');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('trace-root')).toHaveText(`productpage.${project}: GET /productpage`);
  await expect(row.getByTestId('trace-spans')).toHaveText('3');
  await expect(row.getByTestId('trace-errors')).toHaveText('0');
  await accessible(admin, 'trace search');
  await shot(admin, 'servicemesh-traces');

  // The trace: three spans nested by parent, bars placed by start and duration.
  await row.getByTestId('trace-link').click();
  await expect(admin).toHaveURL(new RegExp(`/projects/${project}/tracing/${traceID}$`));
  const spans = admin.getByTestId('span-row');
  await expect(spans).toHaveCount(3);
  await expect(spans.nth(0)).toHaveAttribute('data-depth', '0');
  await expect(spans.nth(0).getByTestId('span-operation')).toHaveText('GET /productpage');
  await expect(spans.nth(1)).toHaveAttribute('data-depth', '1');
  await expect(spans.nth(1).getByTestId('span-operation')).toHaveText('GET /reviews/0');
  await expect(spans.nth(2)).toHaveAttribute('data-depth', '2');
  await expect(spans.nth(2).getByTestId('span-operation')).toHaveText('GET /ratings/0');
  // 10 ms into 120 ms, 90 ms long.
  const bar = await spans.nth(1).getByTestId('span-bar').getAttribute('style');
  expect(bar).toMatch(/left: 8\.33\d*%/);
  expect(bar).toMatch(/width: 75%/);
  await expect(admin.getByTestId('trace-duration')).toHaveText('120ms');
  await expect(admin.getByTestId('hidden-spans')).toHaveCount(0);

  // A span's tags and logs.
  await spans.nth(1).click();
  await expect(admin.getByTestId('span-title')).toHaveText(`reviews.${project}: GET /reviews/0`);
  await expect(admin.getByTestId('span-tags')).toContainText('reviews.cache');
  await expect(admin.getByTestId('span-tags')).toContainText('miss');
  await expect(admin.getByTestId('span-log')).toContainText('cache miss');
  await expect(admin.getByTestId('span-offset')).toHaveText('10ms');
  await accessible(admin, 'trace');
  await shot(admin, 'servicemesh-trace');
});
