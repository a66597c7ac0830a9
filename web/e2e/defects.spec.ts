import { expect, test, type Browser, type Page } from '@playwright/test';
import { call, contrast, ensure, login, loginAdmin, shot, shotAt } from './pages';
import { stack } from './stack';

// The defects of issue 13, each as the user met it. Every test here failed
// before its fix.
test.describe.configure({ mode: 'serial' });

const ws = 'defects-ws';
const project = 'defects-proj';
const dep = 'api';
const viewer = 'defects-viewer';
const viewerPassword = 'V1ewer-defects-Passw0rd';

let admin: Page;

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ locale: 'en-US' });
  return ctx.newPage();
}

function deployment(replicas: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: dep, namespace: project },
    spec: {
      replicas,
      selector: { matchLabels: { app: dep } },
      template: { metadata: { labels: { app: dep } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } },
    },
  };
}

test.beforeAll(async ({ browser }) => {
  const s = stack();
  admin = await newPage(browser);
  await loginAdmin(admin, s.consoleURL, s.adminPassword);
  await ensure(admin, s.consoleURL, '/kapis/tenant.superkube.io/v1beta1/workspaces', { metadata: { name: ws }, spec: {} });
  await ensure(admin, s.consoleURL, `/kapis/tenant.superkube.io/v1beta1/workspaces/${ws}/namespaces`, { metadata: { name: project } });
  await ensure(admin, s.consoleURL, `/apis/apps/v1/namespaces/${project}/deployments`, deployment(2));
  await ensure(admin, s.consoleURL, `/api/v1/namespaces/${project}/configmaps`, { metadata: { name: 'settings' }, data: { a: 'b' } });
  await ensure(admin, s.consoleURL, '/kapis/iam.superkube.io/v1beta1/users', { metadata: { name: viewer }, spec: { email: 'defects-viewer@example.com', password: viewerPassword } });
  await ensure(admin, s.consoleURL, `/kapis/iam.superkube.io/v1beta1/namespaces/${project}/members`, { username: viewer, role: 'viewer' });
});

test("a pod opened from a Deployment's Pods tab shows its details", async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/deployments/${dep}`);
  await expect(admin.getByTestId('ready')).toHaveText(/^([1-9]\d*)\/\1$/, { timeout: 60_000 });
  await admin.getByRole('tab', { name: 'Pods' }).click();
  await shotAt(admin, 'pods-tab-1024', 1024);
  await shotAt(admin, 'pods-tab-768', 768);
  const podLink = admin.getByTestId('list-pods').getByRole('link').first();
  const podName = (await podLink.textContent()) ?? '';
  await podLink.click();
  await expect(admin.getByTestId('page-title')).toContainText(podName);
  // The pod's page opens on its Details tab, not on the Deployment's
  // "Pods" tab that a pod does not have (which left the page blank).
  await expect(admin.getByRole('tab', { name: 'Details' })).toHaveAttribute('aria-selected', 'true');
  await expect(admin.getByTestId('details')).toBeVisible();
  await expect(admin.getByTestId('details')).toContainText(podName);
});

test('after a YAML edit is applied, the editor shows the new version', async () => {
  const s = stack();
  const path = `/apis/apps/v1/namespaces/${project}/deployments/${dep}`;
  const before = ((await call(admin, s.consoleURL, 'GET', path)) as { spec: { replicas: number } }).spec.replicas;
  await admin.goto(`${s.consoleURL}/projects/${project}/deployments/${dep}`);
  await admin.getByRole('tab', { name: 'YAML' }).click();
  const editor = admin.getByTestId('yaml-editor');
  await expect(editor).toContainText(`replicas: ${before}`);
  // Find "replicas: N" (spec.replicas: status is not edited) and type over it.
  await editor.click();
  await admin.keyboard.press('Control+f');
  await admin.keyboard.type(`replicas: ${before}`);
  await admin.keyboard.press('Enter');
  await admin.keyboard.press('Escape');
  await admin.keyboard.type(`replicas: ${before + 1}`);
  await admin.getByTestId('yaml-review').click();
  await expect(admin.getByTestId('diff')).toContainText(`+ replicas: ${before + 1}`);
  await admin.getByTestId('yaml-apply').click();
  await expect(admin.getByTestId('yaml-apply')).toHaveCount(0);
  const server = (await call(admin, s.consoleURL, 'GET', path)) as { metadata: { generation: number } };
  // The editor holds what the server now has: the edit, and the new
  // generation (it kept showing the version before the edit).
  await expect(editor).toContainText(`replicas: ${before + 1}`);
  await expect(editor).toContainText(`generation: ${server.metadata.generation}`);
  await expect(admin.getByTestId('yaml-review')).toBeDisabled();
  await expect(admin.getByTestId('toast').filter({ hasText: 'Saved.' })).toBeVisible();
});

test('with the network cut, a list shows the error and a retry, never an empty list', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/deployments`);
  await expect(admin.getByTestId(`row-${dep}`)).toBeVisible();
  await admin.context().setOffline(true);
  await admin.getByTestId('nav-configmaps').click();
  const error = admin.getByTestId('error');
  await expect(error).toBeVisible();
  await expect(error).toHaveAttribute('data-kind', 'network');
  await expect(error).toContainText('The console cannot reach the server');
  await expect(admin.getByTestId('empty')).toHaveCount(0);
  await expect(admin.getByTestId('pagination')).toHaveCount(0);
  await expect(admin.getByText('Nothing found')).toHaveCount(0);
  await shot(admin, 'network-error');
  await admin.context().setOffline(false);
  await admin.getByTestId('retry').click();
  await expect(admin.getByTestId('row-settings')).toBeVisible();
  await expect(admin.getByTestId('error')).toHaveCount(0);
});

test('in the dark theme, YAML keys are readable', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/deployments/${dep}`);
  await admin.getByTestId('user-menu').click();
  await admin.getByTestId('menu-theme').click();
  await expect(admin.locator('html')).toHaveClass(/pf-v6-theme-dark/);
  await admin.getByRole('tab', { name: 'YAML' }).click();
  const key = admin.getByTestId('yaml-editor').locator('span', { hasText: /^apiVersion$/ }).first();
  await expect(key).toBeVisible();
  const colours = await key.evaluate((el) => {
    let bg = 'rgba(0, 0, 0, 0)';
    for (let e: Element | null = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (!/rgba\(.*, 0\)$/.test(c) && c !== 'transparent') {
        bg = c;
        break;
      }
    }
    return { fg: getComputedStyle(el).color, bg };
  });
  // WCAG AA for text: 4.5:1 (the keys were dark blue on dark grey, about 2:1).
  expect(contrast(colours.fg, colours.bg), `${colours.fg} on ${colours.bg}`).toBeGreaterThanOrEqual(4.5);
  await shot(admin, 'yaml-dark');
  await admin.getByTestId('user-menu').click();
  await admin.getByTestId('menu-theme').click();
  await expect(admin.locator('html')).not.toHaveClass(/pf-v6-theme-dark/);
});

test('the login page sends a logged-in user on, and asks nothing that fails of a visitor', async ({ browser }) => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/login`);
  await expect(admin.getByTestId('page-title')).toBeVisible();
  await expect(admin.getByTestId('login-form')).toHaveCount(0);
  expect(new URL(admin.url()).pathname).not.toBe('/login');

  const visitor = await newPage(browser);
  const failed: string[] = [];
  visitor.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  visitor.on('console', (m) => {
    if (m.type() === 'error') failed.push(m.text());
  });
  await visitor.goto(`${s.consoleURL}/login`);
  await expect(visitor.getByTestId('login-form')).toBeVisible();
  await visitor.goto(`${s.consoleURL}/projects/${project}/overview`);
  await expect(visitor.getByTestId('login-form')).toBeVisible();
  await visitor.waitForLoadState('networkidle');
  expect(failed).toEqual([]);
  await visitor.context().close();
});

test("a project viewer's pages ask nothing that is refused", async ({ browser }) => {
  const s = stack();
  const page = await newPage(browser);
  const refused: string[] = [];
  page.on('response', (r) => {
    if (r.status() === 403) refused.push(`${r.request().method()} ${new URL(r.url()).pathname}${new URL(r.url()).search}`);
  });
  await login(page, s.consoleURL, viewer, viewerPassword);
  await expect(page.getByTestId('page-title')).toBeVisible();
  await page.goto(`${s.consoleURL}/projects/${project}/overview`);
  await expect(page.getByTestId('count-deployments')).toContainText('1');
  for (const section of ['deployments', 'pods', 'configmaps', 'members', 'roles', 'overview']) {
    await page.getByTestId(`nav-${section}`).click();
    await expect(page.getByTestId('page-title')).toBeVisible();
    await page.waitForTimeout(1000); // what the page asks, asked
  }
  await page.getByTestId('nav-deployments').click();
  await page.getByTestId(`row-${dep}`).getByRole('link').click();
  await expect(page.getByTestId('ready')).toBeVisible();
  for (const tab of ['Pods', 'Events', 'YAML', 'Details']) {
    await page.getByRole('tab', { name: tab }).click();
    await page.waitForTimeout(1000);
  }
  expect(refused).toEqual([]);
  // What a viewer may not open is not offered (secrets), so not asked for.
  await expect(page.getByTestId('nav-secrets')).toHaveCount(0);
  await page.context().close();
});
