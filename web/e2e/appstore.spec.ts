import { expect, test, type Browser, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { accessible, call, csrf, ensure, loginAdmin, shot } from './pages';
import { stack } from './stack';

// The app store story of issue 17, against the real stack: a developer
// uploads a chart into a workspace and submits it; the administrator (a
// platform administrator may review) rejects it with a reason, which the
// developer reads, then approves the version sent again; it is released to
// the store, installed into a project from the store's deploy wizard (YAML
// values, the rendered manifests' diff), upgraded to the next version with
// a change of values, rolled back to the first revision, and uninstalled,
// leaving nothing behind. The administrator plays the developer too: a
// platform administrator may do everything a workspace's developer does.
//
// The charts are the repository's demo charts (testdata/charts, made by
// helper SYNC), packaged here at test time with tar, which is all `helm
// package` does for a chart without dependencies: a gzipped tar of the
// chart's folder. Each is renamed e2e-web (its Chart.yaml name and its
// folder), so that the uploaded app is not the demo repository's demo-web.
test.describe.configure({ mode: 'serial' });

const ws = 'appstore-ws';
const project = 'appstore-proj';
const chart = 'e2e-web';
/** The app and version names of an upload (internal/application/names): <workspace>-<chart>, <app>-<version>. */
const app = `${ws}-${chart}`;
const v1 = `${app}-1.0.0`;
const v2 = `${app}-1.1.0`;
const release = 'e2e-web';
/** The Deployment of testdata/charts/demo-web: <release>-web. */
const deployment = `${release}-web`;
const P = '/kapis/application.superkube.io/v2';
const root = resolve(import.meta.dirname, '..', '..');

let admin: Page;
let work: string;

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ locale: 'en-US' });
  return ctx.newPage();
}

/** pack makes a chart archive of testdata/charts/<dir>, renamed e2e-web, and returns its path. */
function pack(dir: string, version: string): string {
  const src = join(root, 'testdata', 'charts', dir);
  if (!existsSync(join(src, 'Chart.yaml'))) throw new Error(`${src}/Chart.yaml is missing: the story needs the demo charts of testdata/charts`);
  const folder = join(work, version, chart);
  cpSync(src, folder, { recursive: true });
  const meta = join(folder, 'Chart.yaml');
  writeFileSync(meta, readFileSync(meta, 'utf8').replace(/^name:\s*demo-web\s*$/m, `name: ${chart}`));
  const out = join(work, `${chart}-${version}.tgz`);
  execFileSync('tar', ['-czf', out, '-C', join(work, version), chart]);
  return out;
}

/** status is an API answer's HTTP status, for what a test only checks the existence of. */
async function status(page: Page, method: 'GET' | 'DELETE', path: string): Promise<number> {
  const r = await page.request.fetch(stack().consoleURL + path, { method, headers: { 'X-CSRF-Token': await csrf(page) } });
  return r.status();
}

/** gone waits until a GET of the path answers 404. */
async function gone(page: Page, path: string, timeout = 180_000) {
  await expect.poll(() => status(page, 'GET', path), { timeout, message: `${path} is still there` }).toBe(404);
}

test.beforeAll(async ({ browser }) => {
  const s = stack();
  work = mkdtempSync(join(tmpdir(), 'ke-e2e-charts-'));
  admin = await newPage(browser);
  await loginAdmin(admin, s.consoleURL, s.adminPassword);
  await ensure(admin, s.consoleURL, '/kapis/tenant.superkube.io/v1beta1/workspaces', { metadata: { name: ws }, spec: {} });
  await ensure(admin, s.consoleURL, `/kapis/tenant.superkube.io/v1beta1/workspaces/${ws}/namespaces`, { metadata: { name: project } });
  // What an earlier run of this stack left starts the story again: its release (uninstalled first), then its app.
  if ((await status(admin, 'DELETE', `${P}/namespaces/${project}/releases/${release}`)) < 300) await gone(admin, `${P}/namespaces/${project}/releases/${release}`);
  if ((await status(admin, 'DELETE', `${P}/apps/${app}`)) < 300) await gone(admin, `${P}/apps/${app}`, 60_000);
});

test.afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the demo chart repository that ke-dev serves is synced, and its apps are in the store', async () => {
  test.setTimeout(120_000);
  const s = stack();
  // ke-dev packages testdata/charts, serves them, and registers the trusted platform Repository "demo".
  await expect
    .poll(async () => {
      const repo = (await call(admin, s.consoleURL, 'GET', `${P}/repos/demo`)) as { status?: { conditions?: { type: string; status: string }[] } };
      return repo.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    }, { timeout: 90_000, message: 'the demo repository is not Ready' })
    .toBe('True');
  await admin.goto(`${s.consoleURL}/apps`);
  await expect(admin.getByTestId('page-title')).toHaveText('App store');
  await admin.getByTestId('store-search').locator('input').fill('demo-web');
  await expect(admin.getByTestId('app-demo-demo-web')).toBeVisible({ timeout: 60_000 });
});

test('a developer uploads a chart and submits it; a rejection’s reason shows; the approved version goes to the store', async () => {
  test.setTimeout(240_000);
  const s = stack();
  const archive = pack('demo-web-1.0.0', '1.0.0');

  // The workspace's app templates: upload the archive.
  await admin.goto(`${s.consoleURL}/workspaces/${ws}/overview`);
  await admin.getByTestId('nav-app-templates').click();
  await expect(admin.getByTestId('page-title')).toHaveText('App templates');
  await admin.getByTestId('upload-chart').first().click();
  await admin.getByTestId('chart-file').setInputFiles(archive);
  await admin.getByTestId('upload-submit').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `${app} 1.0.0 is uploaded as a draft.` })).toBeVisible();
  // The app's page, on the new version: a draft, with the chart's README and icon.
  await expect(admin).toHaveURL(new RegExp(`/workspaces/${ws}/apps/${app}\\?version=${v1.replace(/\./g, '\\.')}`));
  await expect(admin.getByTestId('version-state')).toHaveAttribute('data-state', 'draft');
  await expect(admin.getByTestId('readme')).toBeVisible();
  await expect(admin.getByTestId('app-icon')).toBeVisible();
  await accessible(admin, 'app template');
  await shot(admin, 'appstore-template-draft');

  // Submit it for review.
  await admin.getByRole('tab', { name: 'Versions' }).click();
  const row = admin.getByTestId('version-1.0.0');
  await row.getByTestId('action-submit').click();
  await admin.getByTestId('version-action-confirm').click();
  await expect(row.getByTestId('review-state')).toHaveAttribute('data-state', 'submitted');

  // The reviewers' queue: reject it, with a reason.
  await admin.getByTestId('brand').click();
  await admin.getByTestId('nav-app-reviews').click();
  await expect(admin.getByTestId('page-title')).toHaveText('App reviews');
  const queued = admin.getByTestId(`row-${v1}`);
  await expect(queued).toContainText('admin');
  await accessible(admin, 'app reviews');
  await shot(admin, 'appstore-reviews');
  await queued.getByRole('button', { name: /kebab|actions/i }).click();
  await admin.getByRole('menuitem', { name: 'Reject' }).click();
  await expect(admin.getByTestId('version-action-confirm')).toBeDisabled();
  await admin.getByTestId('review-message').fill('Say which port the Service listens on.');
  await admin.getByTestId('version-action-confirm').click();
  await expect(queued).toHaveCount(0);

  // The developer reads the reason, takes the version back to draft and submits it again.
  await admin.goto(`${s.consoleURL}/workspaces/${ws}/apps/${app}`);
  await admin.getByRole('tab', { name: 'Versions' }).click();
  await expect(row.getByTestId('review-state')).toHaveAttribute('data-state', 'rejected');
  await expect(row.getByTestId('last-comment')).toHaveText('admin: Say which port the Service listens on.');
  await admin.getByRole('tab', { name: 'Review history' }).click();
  await expect(admin.getByTestId('review-event-message')).toHaveText('Say which port the Service listens on.');
  await shot(admin, 'appstore-rejected');
  await admin.getByRole('tab', { name: 'Versions' }).click();
  await row.getByTestId('action-draft').click();
  await admin.getByTestId('version-action-confirm').click();
  await expect(row.getByTestId('review-state')).toHaveAttribute('data-state', 'draft');
  await row.getByTestId('action-submit').click();
  await admin.getByTestId('review-message').fill('The README names the port now.');
  await admin.getByTestId('version-action-confirm').click();
  await expect(row.getByTestId('review-state')).toHaveAttribute('data-state', 'submitted');

  // The reviewer approves it.
  await admin.goto(`${s.consoleURL}/platform/app-reviews`);
  await queued.getByRole('button', { name: /kebab|actions/i }).click();
  await admin.getByRole('menuitem', { name: 'Approve' }).click();
  await admin.getByTestId('version-action-confirm').click();
  await expect(queued).toHaveCount(0);

  // The developer releases it to the store.
  await admin.goto(`${s.consoleURL}/workspaces/${ws}/apps/${app}`);
  await admin.getByRole('tab', { name: 'Versions' }).click();
  await expect(row.getByTestId('review-state')).toHaveAttribute('data-state', 'passed');
  await row.getByTestId('action-release').click();
  await admin.getByTestId('version-action-confirm').click();
  await expect(row.getByTestId('review-state')).toHaveAttribute('data-state', 'active');
  // Each step is recorded with who made it.
  await admin.getByRole('tab', { name: 'Review history' }).click();
  const steps = ['submitted', 'rejected', 'draft', 'submitted', 'passed', 'active'];
  await expect(admin.getByTestId('review-event').last()).toHaveAttribute('data-to', 'active');
  const recorded = await admin.getByTestId('review-event').evaluateAll((els) => els.map((e) => e.getAttribute('data-to')));
  // (An upload may or may not record its draft state first.)
  expect(recorded.slice(-steps.length)).toEqual(steps);
  await expect(admin.getByTestId('review-history')).toContainText('admin');

  // The store shows it to everyone, found by its name.
  await admin.getByTestId('brand').click();
  await admin.getByTestId('nav-app-store').click();
  await expect(admin.getByTestId('page-title')).toHaveText('App store');
  await admin.getByTestId('store-search').locator('input').fill(chart);
  await expect(admin.getByTestId(`app-${app}`)).toBeVisible({ timeout: 60_000 });
  await accessible(admin, 'app store');
  await shot(admin, 'appstore-store');
});

test('the app is installed into a project from the store, with the manifests’ diff first', async () => {
  test.setTimeout(300_000);
  const s = stack();
  await admin.getByTestId(`app-${app}`).getByTestId('app-link').click();
  await expect(admin.getByTestId('version-state')).toHaveAttribute('data-state', 'active');
  await admin.getByTestId('deploy').click();
  await expect(admin.getByTestId('page-title')).toContainText('Deploy');
  await admin.getByTestId('deploy-project').selectOption(project);
  await admin.getByTestId('deploy-name').fill(release);
  // demo-web has no values schema: its default values as YAML.
  await expect(admin.getByTestId('yaml-editor')).toContainText('replicaCount: 1');
  await admin.getByTestId('review-changes').click();
  const diff = admin.getByTestId('manifest-diff');
  await expect(diff).toContainText('kind: Deployment');
  await expect(diff).toContainText(`name: ${deployment}`);
  await accessible(admin, 'deploy wizard');
  await shot(admin, 'appstore-deploy-diff');
  await admin.getByTestId('deploy-submit').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `Release ${release} is installing.` })).toBeVisible();

  // The release's page: deployed as revision 1, its Deployment ready on the KWOK nodes.
  await expect(admin).toHaveURL(new RegExp(`/projects/${project}/releases/${release}$`));
  await expect(admin.getByTestId('release-phase')).toHaveAttribute('data-phase', 'Deployed', { timeout: 180_000 });
  await expect(admin.getByTestId('release-revision')).toHaveText('1');
  await expect(admin.getByTestId('release-version')).toHaveText('1.0.0');
  await expect(admin.getByTestId('release-ready')).toHaveAttribute('data-status', 'True', { timeout: 180_000 });
  await admin.getByRole('tab', { name: 'Resources' }).click();
  await expect(admin.getByTestId(`resource-Deployment-${deployment}`).getByTestId('resource-ready')).toHaveAttribute('data-ready', 'true');
  await expect(admin.getByTestId(`resource-Service-${deployment}`)).toBeVisible();
  await accessible(admin, 'release');
  await shot(admin, 'appstore-release-deployed');
  // Installed as the administrator, not as a service account of the platform.
  const r = (await call(admin, s.consoleURL, 'GET', `${P}/namespaces/${project}/releases/${release}`)) as { metadata: { annotations?: Record<string, string> } };
  expect(r.metadata.annotations?.['application.superkube.io/operator']).toBe('admin');

  // The project's apps list it.
  await admin.getByTestId('nav-releases').click();
  await expect(admin.getByTestId(`row-${release}`).getByTestId('release-phase')).toHaveAttribute('data-phase', 'Deployed');
  await shot(admin, 'appstore-releases');
});

test('the release is upgraded to the next version with new values, then rolled back to its first revision', async () => {
  test.setTimeout(360_000);
  const s = stack();
  // Version 1.1.0 goes through the same workflow, by the API this time.
  const up = await admin.request.fetch(`${s.consoleURL}${P}/workspaces/${ws}/apps`, {
    method: 'POST',
    headers: { 'X-CSRF-Token': await csrf(admin), 'Content-Type': 'application/gzip' },
    data: readFileSync(pack('demo-web-1.1.0', '1.1.0')),
  });
  expect(up.status(), await up.text()).toBe(201);
  for (const action of ['submit', 'pass', 'release']) await call(admin, s.consoleURL, 'POST', `${P}/apps/${app}/versions/${v2}/action`, { action });

  await admin.goto(`${s.consoleURL}/projects/${project}/releases/${release}`);
  await admin.getByTestId('upgrade').click();
  await expect(admin.getByTestId('page-title')).toHaveText(`Upgrade ${release}`);
  await admin.getByTestId('deploy-version').selectOption(v2);
  // The new version's defaults (nginx 1.28), then two replicas instead of one.
  const editor = admin.getByTestId('yaml-editor');
  await expect(editor).toContainText('image: nginx:1.28');
  await editor.click();
  await admin.keyboard.press('Control+f');
  await admin.keyboard.type('replicaCount: 1');
  await admin.keyboard.press('Enter');
  await admin.keyboard.press('Escape');
  await admin.keyboard.type('replicaCount: 2');
  await expect(editor).toContainText('replicaCount: 2');
  await admin.getByTestId('review-changes').click();
  const diff = admin.getByTestId('manifest-diff');
  await expect(diff).toContainText('-   replicas: 1');
  await expect(diff).toContainText('+   replicas: 2');
  await expect(diff).toContainText('nginx:1.28');
  await shot(admin, 'appstore-upgrade-diff');
  await admin.getByTestId('deploy-submit').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `Release ${release} is upgrading.` })).toBeVisible();
  await expect(admin).toHaveURL(new RegExp(`/projects/${project}/releases/${release}$`));
  await expect(admin.getByTestId('release-revision')).toHaveText('2', { timeout: 180_000 });
  await expect(admin.getByTestId('release-phase')).toHaveAttribute('data-phase', 'Deployed', { timeout: 180_000 });
  await expect(admin.getByTestId('release-version')).toHaveText('1.1.0');
  await expect
    .poll(async () => ((await call(admin, s.consoleURL, 'GET', `/apis/apps/v1/namespaces/${project}/deployments/${deployment}`)) as { spec: { replicas: number } }).spec.replicas, { timeout: 60_000 })
    .toBe(2);

  // Roll back to revision 1: Helm deploys it again as revision 3.
  await admin.getByRole('tab', { name: 'Revision history' }).click();
  await expect(admin.getByTestId('revision-2').getByTestId('revision-status')).toHaveText('deployed');
  await expect(admin.getByTestId('revision-2').getByTestId('rollback')).toHaveCount(0);
  await admin.getByTestId('revision-1').getByTestId('rollback').click();
  await admin.getByTestId('rollback-confirm').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `Release ${release} is rolling back to revision 1.` })).toBeVisible();
  await expect(admin.getByTestId('revision-3').getByTestId('revision-status')).toHaveText('deployed', { timeout: 180_000 });
  await expect(admin.getByTestId('release-phase')).toHaveAttribute('data-phase', 'Deployed', { timeout: 180_000 });
  await expect(admin.getByTestId('revision-3')).toContainText('1.0.0');
  await shot(admin, 'appstore-rolled-back');
  await expect
    .poll(async () => ((await call(admin, s.consoleURL, 'GET', `/apis/apps/v1/namespaces/${project}/deployments/${deployment}`)) as { spec: { replicas: number } }).spec.replicas, { timeout: 60_000 })
    .toBe(1);
});

test('uninstalling the release leaves nothing behind', async () => {
  test.setTimeout(240_000);
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/releases/${release}`);
  await admin.getByTestId('uninstall').click();
  await admin.getByTestId('confirm-name').fill(release);
  await admin.getByTestId('confirm').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `Release ${release} is uninstalling.` })).toBeVisible();
  await expect(admin).toHaveURL(new RegExp(`/projects/${project}/releases$`));
  // The release goes once Helm has uninstalled it; with it its objects and Helm's own records.
  await expect(admin.getByTestId(`row-${release}`)).toHaveCount(0, { timeout: 180_000 });
  await gone(admin, `/apis/apps/v1/namespaces/${project}/deployments/${deployment}`, 60_000);
  await gone(admin, `/api/v1/namespaces/${project}/services/${deployment}`, 60_000);
  const secrets = (await call(admin, s.consoleURL, 'GET', `/api/v1/namespaces/${project}/secrets?labelSelector=${encodeURIComponent(`owner=helm,name=${release}`)}`)) as { items: unknown[] };
  expect(secrets.items).toEqual([]);
  await shot(admin, 'appstore-uninstalled');
});
