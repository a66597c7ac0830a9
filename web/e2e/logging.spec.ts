import { expect, test, type Browser, type Locator, type Page, type Request } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { accessible, ensure, loginAdmin, shot, shotDark } from './pages';
import { stack } from './stack';

// The log search against the real stack: ke-dev's simulated pods write
// their lines, a vlagent per node ships them to VictoriaLogs, and
// ke-apiserver's logging API searches them. A Deployment's lines appear
// in its project's search within seconds; a word narrows them; dragging
// across the histogram zooms the time range in; the Deployment's Logs tab
// merges its pods' lines; Export downloads the search as text; Live
// follows the new lines as they come.
test.describe.configure({ mode: 'serial' });

const ws = 'log-ws';
const project = 'log-proj';
const dep = 'chatty';
const loggingAPI = '/kapis/logging.superkube.io/v1alpha2/';

let admin: Page;

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ locale: 'en-US' });
  return ctx.newPage();
}

/** isTail tells a request for the live tail of a search. */
function isTail(r: Request): boolean {
  const u = new URL(r.url());
  return u.pathname.includes(loggingAPI) && u.searchParams.get('operation') === 'tail';
}

/** newestLive is the time of the newest live line on screen, Unix ms (0: none). */
async function newestLive(within: Locator): Promise<number> {
  const times = await within.getByTestId('log-live-line').locator('time').evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute('datetime') ?? '')));
  return Math.max(0, ...times.filter((t) => !Number.isNaN(t)));
}

/** isQuery tells a request for a page of log records. */
function isQuery(r: Request): boolean {
  const u = new URL(r.url());
  return u.pathname.includes(loggingAPI) && u.searchParams.get('operation') === 'query';
}

/**
 * linesAppear searches again (moving the range on to now) until the
 * search shows lines: they are searchable a few seconds after a pod
 * prints them.
 */
async function linesAppear(within: Locator, timeout = 90_000) {
  await expect(async () => {
    await within.getByTestId('log-search-run').click();
    await expect(within.getByTestId('log-results')).toHaveAttribute('data-state', 'ready', { timeout: 5_000 });
  }).toPass({ timeout });
  await expect(within.getByTestId('log-line').first()).toBeVisible();
}

/** shownRange is the range the search shows, Unix seconds. */
async function shownRange(within: Locator): Promise<{ start: number; end: number }> {
  const r = within.getByTestId('log-range');
  return { start: Number(await r.getAttribute('data-start')), end: Number(await r.getAttribute('data-end')) };
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
      template: {
        // Each container of the simulated pods prints 5 lines a second.
        metadata: { labels: { app: dep }, annotations: { 'kwok.x-k8s.io/log-rate': '5' } },
        spec: { containers: [{ name: 'app', image: 'busybox' }] },
      },
    },
  });
});

test("a project's log search shows the Deployment's lines within seconds, and a word narrows them", async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/overview`);
  await admin.getByTestId('nav-logs').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Log search');
  const search = admin.getByTestId('log-search');
  await linesAppear(search);
  // Each line names its pod and container; the project's name is the page's.
  await expect(search.getByTestId('log-pod').first()).toHaveText(new RegExp(`^${dep}-`));
  await expect(search.getByTestId('log-container').first()).toHaveText('app');
  await expect(search.getByTestId('log-text').first()).toContainText('simulated by ke-dev');
  await expect(search.getByTestId('log-histogram')).toHaveAttribute('data-state', 'ready');
  await expect(search.getByTestId('log-histogram-chart').locator('canvas').first()).toBeVisible();
  await accessible(admin, 'log search');
  await shot(admin, 'logging-project');
  await shotDark(admin, 'logging-project-dark');

  // A word: every line shown holds it, and the request carried it.
  const searched = admin.waitForRequest((r) => isQuery(r) && new URL(r.url()).searchParams.get('log_query') === 'refused');
  await search.getByTestId('log-query').fill('refused');
  await search.getByTestId('log-query').press('Enter');
  await searched;
  await expect(search.getByTestId('log-results')).toHaveAttribute('data-state', 'ready');
  const texts = await search.getByTestId('log-text').allTextContents();
  expect(texts.length).toBeGreaterThan(0);
  for (const line of texts) expect(line.toLowerCase()).toContain('refused');
  await shot(admin, 'logging-project-word');
});

test('dragging across the histogram zooms the time range in, and Zoom out goes back', async () => {
  const search = admin.getByTestId('log-search');
  await search.getByTestId('range-15m').click();
  // Ready, not the previous range's bars kept while the new ones load ("updating").
  await expect(search.getByTestId('log-histogram')).toHaveAttribute('data-state', 'ready');
  const before = await shownRange(search);
  expect(before.end - before.start).toBe(900);

  // The plot area of uPlot: drag over its last third, where the new
  // Deployment's bars are, and past its right edge (the selection stops
  // there), so that the newest lines are in.
  const over = search.getByTestId('log-histogram-chart').locator('.u-over');
  await expect(over).toBeVisible();
  const box = (await over.boundingBox())!;
  const y = box.y + box.height / 2;
  const zoomed = admin.waitForRequest((r) => isQuery(r) && Number(new URL(r.url()).searchParams.get('start_time')) > before.start + 60);
  await admin.mouse.move(box.x + box.width * 0.66, y);
  await admin.mouse.down();
  await admin.mouse.move(box.x + box.width * 0.9, y, { steps: 5 });
  await admin.mouse.move(box.x + box.width + 30, y, { steps: 5 });
  await admin.mouse.up();
  await zoomed;

  const after = await shownRange(search);
  expect(after.start).toBeGreaterThan(before.start);
  expect(after.end - after.start).toBeLessThan(before.end - before.start);
  expect(after.end - after.start).toBeGreaterThan(200);
  // The picker shows the zoomed range as a custom one.
  await expect(search.getByTestId('range-from')).toBeVisible();
  await expect(search.getByTestId('log-histogram')).toHaveAttribute('data-state', 'ready');
  await expect(search.getByTestId('log-results')).toHaveAttribute('data-state', 'ready');
  await shot(admin, 'logging-zoomed');

  await search.getByTestId('log-zoom-out').click();
  await expect(search.getByTestId('range-from')).toBeHidden();
  await expect.poll(async () => {
    const r = await shownRange(search);
    return r.end - r.start;
  }).toBe(900);
});

test('Export downloads the lines of the search as text', async () => {
  const search = admin.getByTestId('log-search');
  await expect(search.getByTestId('log-export')).toBeEnabled();
  const download = admin.waitForEvent('download');
  await search.getByTestId('log-export').click();
  const d = await download;
  expect(d.suggestedFilename()).toMatch(new RegExp(`^logs-${project}-.*\\.txt$`));
  const text = readFileSync(await d.path(), 'utf8');
  const lines = text.split('\n').filter(Boolean);
  expect(lines.length).toBeGreaterThan(0);
  // The search's word holds for every exported line.
  for (const line of lines) expect(line.toLowerCase()).toContain('refused');
});

test("Live follows the project's new lines as the pods print them, without a reload, restarts with a new word, and stops when turned off", async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/overview`);
  await admin.getByTestId('nav-logs').click();
  const search = admin.getByTestId('log-search');
  await expect(search.getByTestId('log-live')).toHaveAttribute('aria-pressed', 'false');
  const asked = admin.waitForRequest(isTail);
  const turnedOn = Date.now();
  await search.getByTestId('log-live').click();
  await asked;
  await expect(search.getByTestId('log-live')).toHaveAttribute('aria-pressed', 'true');
  await expect(search.getByTestId('log-live-status')).toHaveAttribute('data-state', 'live');
  // The Deployment's pods print five lines a second each (ke-dev writes
  // them to the pods' log files, vlagent ships them): lines printed after
  // Live was turned on appear within seconds, newest at the top.
  await expect.poll(() => newestLive(search), { timeout: 30_000 }).toBeGreaterThan(turnedOn);
  const first = search.getByTestId('log-live-line').first();
  await expect(first.getByTestId('log-pod')).toHaveText(new RegExp(`^${dep}-`));
  await expect(first.getByTestId('log-container')).toHaveText('app');
  const seen = await newestLive(search);
  await expect.poll(() => newestLive(search), { timeout: 15_000 }).toBeGreaterThan(seen);

  // Paused, the lines on screen stay (the checks of the page and its
  // picture read it still, not while hundreds of lines come in); resumed,
  // the held ones come.
  await search.getByTestId('log-live-pause').click();
  await expect(search.getByTestId('log-live-status')).toHaveAttribute('data-state', 'paused');
  const paused = await newestLive(search);
  await accessible(admin, 'live tail');
  await shot(admin, 'logging-live');
  await expect(search.getByTestId('log-live-held')).toBeVisible({ timeout: 15_000 });
  expect(await newestLive(search)).toBe(paused);
  await search.getByTestId('log-live-pause').click();
  await expect.poll(() => newestLive(search), { timeout: 15_000 }).toBeGreaterThan(paused);

  // A word: the stream starts again with it, and every new line holds it.
  const closed = admin.waitForEvent('requestfailed', isTail);
  const again = admin.waitForRequest((r) => isTail(r) && new URL(r.url()).searchParams.get('log_query') === 'refused');
  await search.getByTestId('log-query').fill('refused');
  await search.getByTestId('log-query').press('Enter');
  await closed;
  await again;
  await expect(search.getByTestId('log-live-line').first()).toBeVisible({ timeout: 30_000 });
  for (const line of await search.getByTestId('log-live-line').getByTestId('log-text').allTextContents()) expect(line.toLowerCase()).toContain('refused');

  // Off: the stream is closed, and the search is back.
  const stopped = admin.waitForEvent('requestfailed', isTail);
  await search.getByTestId('log-live').click();
  await stopped;
  await expect(search.getByTestId('log-live-view')).toHaveCount(0);
  await expect(search.getByTestId('log-results')).toHaveAttribute('data-state', 'ready');
});

test("a Deployment's Logs tab merges its pods' lines, each marked with its pod", async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/deployments/${dep}`);
  // Waited for from before the tab opens: a Search pressed within the same
  // second as the tab's first search asks nothing new (the same range).
  const asked = admin.waitForRequest((r) => isQuery(r) && new URL(r.url()).searchParams.get('workloads') === dep);
  await admin.getByRole('tab', { name: 'Logs' }).click();
  const search = admin.getByTestId('workload-logs');
  await expect(search).toBeVisible();
  // The workload is fixed: no workload filter.
  await expect(search.getByTestId('log-filter-workload')).toHaveCount(0);
  await linesAppear(search);
  await asked;
  // Both replicas' lines, newest first, merged (a page of 100 at 5 lines a second each holds both).
  await expect.poll(async () => new Set(await search.getByTestId('log-pod').allTextContents()).size).toBe(2);
  for (const pod of await search.getByTestId('log-pod').allTextContents()) expect(pod).toMatch(new RegExp(`^${dep}-`));
  await accessible(admin, 'workload logs tab');
  await shot(admin, 'logging-workload');
});

test('at platform level the search covers every project, and each line names its project', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/workspaces`);
  await admin.getByTestId('nav-logs').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Log search');
  const search = admin.getByTestId('log-search');
  await search.getByTestId('log-filter-namespace').fill(project);
  await linesAppear(search);
  const namespaces = new Set(await search.getByTestId('log-namespace').allTextContents());
  expect([...namespaces]).toEqual([project]);
  await shot(admin, 'logging-platform');
});
