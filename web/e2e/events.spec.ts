import { expect, test, type Browser, type Locator, type Page, type Request } from '@playwright/test';
import { accessible, call, ensure, login, loginAdmin, shot, shotDark, viewerPassword } from './pages';
import { stack } from './stack';

// The event search and the resource timeline against the real stack:
// kube-controller-manager scales a new Deployment's ReplicaSet
// (ScalingReplicaSet on the Deployment), kube-scheduler places its pods
// (Scheduled on each pod), and ke-controller-manager writes the events to
// the log store within seconds, where the project's event search finds
// them after kube-apiserver forgets them. A reason narrows the search; the
// Deployment's Timeline tab merges its events, its pods' events and its
// pods' starts. A Warning about the Deployment, posted as any component
// posts one, stands out in both.
test.describe.configure({ mode: 'serial' });

const ws = 'event-ws';
const project = 'event-proj';
const dep = 'eventful';
const warning = 'E2ECheckFailed';
const viewer = 'event-viewer';
const wsAdmin = 'event-ws-admin';
const eventsAPI = '/kapis/logging.superkube.io/v1alpha2/';

let admin: Page;

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ locale: 'en-US' });
  return ctx.newPage();
}

/** isEventQuery tells a request for a page of events. */
function isEventQuery(r: Request): boolean {
  const u = new URL(r.url());
  return u.pathname.includes(eventsAPI) && u.pathname.endsWith('/events') && !u.pathname.includes('/auditing/') && u.searchParams.get('operation') === 'query';
}

/**
 * eventsAppear searches again (moving the range on to now) until the
 * search shows an event of each reason: they reach the store a few
 * seconds after they happen.
 */
async function eventsAppear(within: Locator, reasons: string[], timeout = 90_000) {
  await expect(async () => {
    await within.getByTestId('event-search-run').click();
    await expect(within.getByTestId('event-results')).toHaveAttribute('data-state', 'ready', { timeout: 5_000 });
    const shown = new Set(await within.getByTestId('event-reason').allTextContents());
    for (const r of reasons) expect(shown).toContain(r);
  }).toPass({ timeout });
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
      replicas: 2,
      selector: { matchLabels: { app: dep } },
      template: { metadata: { labels: { app: dep } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
    },
  });
  const d = (await call(admin, s.consoleURL, 'GET', `/apis/apps/v1/namespaces/${project}/deployments/${dep}`)) as { metadata: { uid: string } };
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await ensure(admin, s.consoleURL, `/api/v1/namespaces/${project}/events`, {
    metadata: { name: `${dep}.e2e-warning` },
    involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: project, name: dep, uid: d.metadata.uid },
    reason: warning,
    message: 'The end-to-end test warns about this Deployment',
    type: 'Warning',
    source: { component: 'e2e' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  });
  await ensure(admin, s.consoleURL, '/kapis/iam.superkube.io/v1beta1/users', { metadata: { name: viewer }, spec: { email: 'event-viewer@example.com', password: viewerPassword } });
  await ensure(admin, s.consoleURL, `/kapis/iam.superkube.io/v1beta1/namespaces/${project}/members`, { username: viewer, role: 'viewer' });
  await ensure(admin, s.consoleURL, '/kapis/iam.superkube.io/v1beta1/users', { metadata: { name: wsAdmin }, spec: { email: 'event-ws-admin@example.com', password: viewerPassword } });
  await ensure(admin, s.consoleURL, `/kapis/iam.superkube.io/v1beta1/workspaces/${ws}/members`, { username: wsAdmin, role: `${ws}-admin` });
});

test("a project's event search shows the Deployment's and its pods' events within seconds, a Warning standing out", async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/overview`);
  await admin.getByTestId('nav-events').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Event search');
  const search = admin.getByTestId('event-search');
  await eventsAppear(search, ['ScalingReplicaSet', 'Scheduled', warning]);

  // ScalingReplicaSet is the Deployment's (from kube-controller-manager), Scheduled a pod's (from the scheduler).
  const scaling = search.getByTestId('event-row').filter({ has: admin.getByTestId('event-reason').getByText('ScalingReplicaSet', { exact: true }) }).first();
  await expect(scaling.getByTestId('event-object')).toHaveText(`Deployment/${dep}`);
  await expect(scaling.getByTestId('event-type')).toHaveAttribute('data-type', 'Normal');
  const scheduled = search.getByTestId('event-row').filter({ has: admin.getByTestId('event-reason').getByText('Scheduled', { exact: true }) }).first();
  await expect(scheduled.getByTestId('event-object')).toHaveText(new RegExp(`^Pod/${dep}-`));
  await expect(scheduled.getByTestId('event-message')).toContainText(project);
  // The Warning stands out: its label and a coloured edge on its row.
  const warned = search.getByTestId('event-row').filter({ has: admin.getByTestId('event-reason').getByText(warning, { exact: true }) }).first();
  await expect(warned.getByTestId('event-type')).toHaveAttribute('data-type', 'Warning');
  await expect(warned).toHaveClass(/ke-event-warning/);
  await expect(warned.getByTestId('event-source')).toHaveText('e2e');
  await expect(search.getByTestId('event-histogram')).toHaveAttribute('data-state', 'ready');
  await expect(search.getByTestId('log-histogram-chart').locator('canvas').first()).toBeVisible();
  await accessible(admin, 'event search');
  await shot(admin, 'events-project');
  await shotDark(admin, 'events-project-dark');
});

test('a reason narrows the events, and the request carries it', async () => {
  const search = admin.getByTestId('event-search');
  const searched = admin.waitForRequest((r) => isEventQuery(r) && new URL(r.url()).searchParams.get('reason') === 'Scheduled');
  await search.getByTestId('event-filter-reason').fill('Scheduled');
  await search.getByTestId('event-filter-reason').press('Enter');
  await searched;
  await expect(search.getByTestId('event-results')).toHaveAttribute('data-state', 'ready');
  const reasons = await search.getByTestId('event-reason').allTextContents();
  expect(reasons.length).toBeGreaterThanOrEqual(2);
  for (const r of reasons) expect(r).toBe('Scheduled');
  for (const o of await search.getByTestId('event-object').allTextContents()) expect(o).toMatch(new RegExp(`^Pod/${dep}-`));
  await shot(admin, 'events-project-reason');
});

test("the Deployment's Timeline tab merges its events, its ReplicaSet's and pods' events and its pods' starts, newest first", async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/deployments/${dep}`);
  await admin.getByRole('tab', { name: 'Timeline' }).click();
  const timeline = admin.getByTestId('timeline');
  await expect(async () => {
    await timeline.getByTestId('timeline-refresh').click();
    await expect(timeline).toHaveAttribute('data-state', 'ready', { timeout: 5_000 });
    const reasons = new Set(await timeline.getByTestId('timeline-reason').allTextContents());
    expect(reasons).toContain('ScalingReplicaSet');
    expect(reasons).toContain('Scheduled');
    expect(reasons).toContain(warning);
    // Its ReplicaSet's: SuccessfulCreate, from the replicaset controller.
    expect(reasons).toContain('SuccessfulCreate');
  }).toPass({ timeout: 60_000 });
  await expect(timeline.locator('[data-test="timeline-entry"][data-kind="warning"]').getByTestId('timeline-reason')).toHaveText(warning);
  // The pods' starts, from their status.
  await expect(timeline.locator('[data-test="timeline-entry"][data-source="pod"][data-kind="start"]').first()).toBeVisible();
  // Newest first.
  const times = await timeline.getByTestId('timeline-entry').locator('time').evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute('datetime') ?? '')));
  expect(times.length).toBeGreaterThan(2);
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1]);

  // An entry opens to its details.
  const entry = timeline.getByTestId('timeline-entry').filter({ has: admin.getByTestId('timeline-reason').getByText('ScalingReplicaSet', { exact: true }) }).first();
  await entry.getByTestId('timeline-toggle').click();
  await expect(entry.getByTestId('timeline-details')).toContainText(`Deployment/${dep}`);
  await expect(entry.getByTestId('timeline-toggle')).toHaveAttribute('aria-expanded', 'true');
  await accessible(admin, 'timeline tab');
  await shot(admin, 'events-timeline');
});

test('at platform level the event search covers every project, and each event names its project', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/workspaces`);
  await admin.getByTestId('nav-events').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Event search');
  const search = admin.getByTestId('event-search');
  await search.getByTestId('event-filter-namespace').fill(project);
  await eventsAppear(search, ['ScalingReplicaSet']);
  for (const o of await search.getByTestId('event-object').allTextContents()) expect(o.startsWith(`${project} / `)).toBe(true);
  await shot(admin, 'events-platform');
});

/**
 * auditServed tells whether ke-apiserver serves the audit search: a
 * platform built before it answers 404, and the console says that the
 * search is not available.
 */
async function auditServed(page: Page, consoleURL: string): Promise<boolean> {
  const r = await page.request.get(`${consoleURL}${eventsAPI}auditing/events?size=1`);
  return r.status() !== 404;
}

test('the platform administrator finds the audit search in the navigation, and the page answers', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/workspaces`);
  await admin.getByTestId('nav-auditing').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Audit search');
  const search = admin.getByTestId('audit-search');
  if (!(await auditServed(admin, s.consoleURL))) {
    // A platform that does not serve the audit search (404): the page says it is not available instead of an error.
    await expect(search.getByTestId('audit-not-served')).toBeVisible();
    await accessible(admin, 'audit search');
    await shot(admin, 'auditing-platform');
    return;
  }
  // The Deployment's creation, found by its resource, name and verb.
  await search.getByTestId('audit-filter-resource').fill('deployments');
  await search.getByTestId('audit-filter-name').fill(dep);
  await search.getByTestId('audit-filter-verb').fill('create');
  await expect(async () => {
    await search.getByTestId('audit-search-run').click();
    await expect(search.getByTestId('audit-results')).toHaveAttribute('data-state', 'ready', { timeout: 5_000 });
  }).toPass({ timeout: 90_000 });
  for (const v of await search.getByTestId('audit-verb').allTextContents()) expect(v).toBe('create');
  for (const t of await search.getByTestId('audit-target').allTextContents()) expect(t).toBe(`deployments ${dep}`);
  expect(await search.getByTestId('audit-user').allTextContents()).toContain('admin');
  await expect(search.getByTestId('audit-code').first()).toHaveAttribute('data-failed', 'false');
  await accessible(admin, 'audit search');
  await shot(admin, 'auditing-platform');

  // The Deployment's Timeline has its creation as a change.
  await admin.goto(`${s.consoleURL}/projects/${project}/deployments/${dep}`);
  await admin.getByRole('tab', { name: 'Timeline' }).click();
  const timeline = admin.getByTestId('timeline');
  await expect(timeline).toHaveAttribute('data-state', 'ready');
  const changes = timeline.locator('[data-test="timeline-entry"][data-source="audit"]');
  await expect(changes.filter({ hasText: 'create by admin' }).first()).toBeVisible();
  // Not the controllers' writes of its status.
  await expect(changes.filter({ hasText: 'deployments/status' })).toHaveCount(0);
  await shot(admin, 'events-timeline-changes');
});

test("a project viewer searches the project's events and reads the Timeline, asked nothing refused, and is not offered the audit search", async ({ browser }) => {
  const s = stack();
  const page = await newPage(browser);
  const refused: string[] = [];
  page.on('response', (r) => {
    if (r.status() === 403) refused.push(`${r.request().method()} ${new URL(r.url()).pathname}${new URL(r.url()).search}`);
  });
  await login(page, s.consoleURL, viewer, viewerPassword);
  await expect(page.getByTestId('page-title')).toBeVisible();
  await expect(page.getByTestId('nav-events')).toBeVisible();
  await expect(page.getByTestId('nav-auditing')).toHaveCount(0);
  await page.goto(`${s.consoleURL}/projects/${project}/overview`);
  await page.getByTestId('nav-events').click();
  await eventsAppear(page.getByTestId('event-search'), ['ScalingReplicaSet', warning]);
  await page.goto(`${s.consoleURL}/projects/${project}/deployments/${dep}`);
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const timeline = page.getByTestId('timeline');
  await expect(timeline).toHaveAttribute('data-state', 'ready');
  await expect(timeline.getByTestId('timeline-reason').getByText('ScalingReplicaSet', { exact: true }).first()).toBeVisible();
  // The audited changes are not a viewer's to read: the timeline shows none, and no error.
  await expect(timeline.locator('[data-test="timeline-entry"][data-source="audit"]')).toHaveCount(0);
  await page.waitForLoadState('networkidle');
  expect(refused).toEqual([]);
  await page.context().close();
});

test("a workspace administrator is offered the workspace's audit search, not the platform's", async ({ browser }) => {
  const s = stack();
  // Whoever may list auditing in the workspace (its administrators' role has that template where the audit search is served).
  test.skip(!(await auditServed(admin, s.consoleURL)), 'ke-apiserver of this build does not serve the audit search');
  const page = await newPage(browser);
  await login(page, s.consoleURL, wsAdmin, viewerPassword);
  await expect(page.getByTestId('page-title')).toBeVisible();
  await page.goto(`${s.consoleURL}/platform/workspaces`);
  await expect(page.getByTestId('nav-events')).toBeVisible();
  await expect(page.getByTestId('nav-auditing')).toHaveCount(0);
  await page.goto(`${s.consoleURL}/workspaces/${ws}/overview`);
  await page.getByTestId('nav-auditing').click();
  await expect(page.getByTestId('page-title')).toHaveText('Audit search');
  const search = page.getByTestId('audit-search');
  await expect(search.getByTestId('audit-results')).toBeVisible();
  await shot(page, 'auditing-workspace');
  await page.context().close();
});

test("a change of the Deployment's image is its Revision 2 on the Timeline, with the changed line in the diff", async () => {
  const s = stack();
  const path = `/apis/apps/v1/namespaces/${project}/deployments/${dep}`;
  const d = (await call(admin, s.consoleURL, 'GET', path)) as { spec: { template: { spec: { containers: { image: string }[] } } } };
  d.spec.template.spec.containers[0].image = 'busybox:1.37';
  await call(admin, s.consoleURL, 'PUT', path, d);

  await admin.goto(`${s.consoleURL}/projects/${project}/deployments/${dep}`);
  await admin.getByRole('tab', { name: 'Timeline' }).click();
  const timeline = admin.getByTestId('timeline');
  const second = timeline.locator('[data-test="timeline-entry"][data-source="revision"][data-revision="2"]');
  await expect(async () => {
    await timeline.getByTestId('timeline-refresh').click();
    await expect(second).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
  await expect(second.getByTestId('timeline-revision')).toHaveText('Revision 2');
  await expect(second).toContainText('pod template changed from revision 1');
  const first = timeline.locator('[data-test="timeline-entry"][data-source="revision"][data-revision="1"]');
  await expect(first).toContainText('first revision');

  await second.getByTestId('timeline-toggle').click();
  const diff = second.getByTestId('timeline-diff');
  await expect(diff).toBeVisible();
  await expect(diff.locator('[data-op="added"]')).toHaveCount(1);
  await expect(diff.locator('[data-op="added"]')).toContainText('image: busybox:1.37');
  await expect(diff.locator('[data-op="removed"]')).toHaveCount(1);
  await expect(diff.locator('[data-op="removed"]')).toContainText(/image: busybox$/);
  // The label the controller adds to tell ReplicaSets apart is not part of the change.
  await expect(diff).not.toContainText('pod-template-hash');
  await accessible(admin, 'timeline revision diff');
  await shot(admin, 'events-timeline-revision');
});
