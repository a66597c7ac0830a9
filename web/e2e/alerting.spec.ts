import { expect, test, type Browser, type Page } from '@playwright/test';
import { accessible, call, ensure, loginAdmin, shot } from './pages';
import { stack } from './stack';

// The alerting story of issue 16, against the real stack: Prometheus
// evaluating the rules ke-controller-manager compiles, Alertmanager fed by
// it, and ke-apiserver's alerting API in front of both. In a project, a
// rule made with the builder (a metric of the catalog compared with a
// threshold that the simulated pod is over) shows its value in the live
// preview, is loaded, fires, and is silenced from the alert's row.
test.describe.configure({ mode: 'serial' });

const ws = 'alert-ws';
const project = 'alert-proj';
const dep = 'busy';
// A Deployment whose simulated pod restarts in a loop (ke-dev's KWOK stage, docs/local-cluster.md).
const crashy = 'crashy';
const group = 'e2e-builder';
const alert = 'BusyPodUsesMemory';
const alertingAPI = '/kapis/alerting.superkube.io/v2beta1';

let admin: Page;

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ locale: 'en-US' });
  return ctx.newPage();
}

interface Catalog {
  items?: { kind: string; name?: string; metric?: string }[];
}

/**
 * podMetric is a metric of the builder's catalog for pods that a running
 * simulated pod has a value of above zero: its memory (KWOK's simulated
 * cAdvisor series), else its CPU.
 */
async function podMetric(page: Page, consoleURL: string): Promise<string> {
  const raw = (await call(page, consoleURL, 'GET', `${alertingAPI}/builder/metrics`)) as Catalog | Catalog['items'];
  const items = (Array.isArray(raw) ? raw : (raw?.items ?? [])).filter((m) => m.kind === 'Pod').map((m) => m.name ?? m.metric ?? '');
  const metric = ['pod_memory_usage', 'pod_memory_usage_wo_cache', 'pod_cpu_usage'].find((m) => items.includes(m));
  expect(metric, `the catalog's pod metrics: ${items.join(', ')}`).toBeDefined();
  return metric!;
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
  await ensure(admin, s.consoleURL, `/apis/apps/v1/namespaces/${project}/deployments`, {
    metadata: { name: crashy },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: crashy } },
      template: { metadata: { labels: { app: crashy, 'sim.superkube.io/crash-loop': 'true' }, annotations: { 'sim.superkube.io/crash-loop-interval': '10000' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
    },
  });
  // A group left by an earlier run of this stack starts the story again.
  await admin.request.fetch(`${s.consoleURL}${alertingAPI}/namespaces/${project}/rulegroups/${group}`, {
    method: 'DELETE',
    headers: { 'X-CSRF-Token': (await admin.context().cookies()).find((c) => c.name === 'ke-csrf')?.value ?? '' },
  });
});

test('a rule made with the builder previews its value, is loaded and fires', async () => {
  test.setTimeout(360_000);
  const s = stack();
  const metric = await podMetric(admin, s.consoleURL);

  await admin.goto(`${s.consoleURL}/projects/${project}/overview`);
  await admin.getByTestId('nav-alert-rules').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Alert rules');
  await admin.getByTestId('create-rule-group').first().click();
  await expect(admin.getByTestId('page-title')).toHaveText('Create rule group');

  await admin.getByTestId('group-name').fill(group);
  await admin.getByTestId('rule-alert').fill(alert);
  // The builder: a project's rule watches what is in the project only.
  await expect(admin.getByTestId('rule-kind').locator('option')).toHaveText(['Workload', 'Pod', 'Container', 'Persistent volume claim']);
  await admin.getByTestId('rule-kind').selectOption('Pod');
  await admin.getByTestId('rule-metric').selectOption(metric);
  await admin.getByTestId('rule-names').fill('');
  await admin.getByTestId('rule-comparison').selectOption('>');
  // Not a number first: the field says so, from the server's answer to the preview.
  await admin.getByTestId('rule-threshold').fill('lots');
  await expect(admin.getByTestId('rule-threshold-error')).toContainText('Enter a number', { timeout: 30_000 });
  await admin.getByTestId('rule-threshold').fill('0');
  await admin.getByTestId('rule-for').fill('');
  await admin.getByTestId('rule-severity').selectOption('warning');
  await admin.getByTestId('rule-summary').fill('{{ $labels.pod }} uses memory');

  // The live preview: the compiled expression, confined to the project, and the pod's value now.
  const preview = admin.getByTestId('preview');
  await expect(preview).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(admin.getByTestId('rule-threshold-error')).toHaveCount(0);
  await expect(preview.getByTestId('preview-expr').locator('input')).toHaveValue(new RegExp(`namespace="${project}"`));
  // A new pod has a value after Prometheus' next scrapes; the preview reads it again by itself.
  await expect(preview.getByTestId('preview-count')).toBeVisible({ timeout: 180_000 });
  await expect(preview.getByTestId('preview-series')).toContainText(`pod="${dep}-`);
  await expect(preview.getByTestId('preview-value').first()).not.toHaveText('–');
  await accessible(admin, 'rule group form with a preview');
  await preview.scrollIntoViewIfNeeded();
  await shot(admin, 'alerting-rule-builder');

  await admin.getByTestId('save-rule-group').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `Rule group ${group} is created.` })).toBeVisible();
  await expect(admin.getByTestId('page-title')).toHaveText('Alert rules');

  // Loaded by Prometheus, then firing (the list reads the rules' state every 15 s).
  const row = admin.getByTestId(`row-${group}`);
  await expect(row.getByTestId('ready')).toHaveText('Loaded', { timeout: 120_000 });
  await expect(row.getByTestId('group-state')).toHaveAttribute('data-state', 'firing', { timeout: 180_000 });
  await shot(admin, 'alerting-rule-groups');
});

test('the firing alert is listed with its value, and silenced from its row', async () => {
  test.setTimeout(240_000);
  const s = stack();
  await admin.getByTestId('nav-alerts').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Alerts');
  const row = admin.getByTestId(`row-${alert}`).filter({ hasText: `pod=${dep}-` }).first();
  await expect(row.getByTestId('alert-state')).toHaveAttribute('data-state', 'firing', { timeout: 120_000 });
  await expect(row.getByTestId('alert-labels')).toContainText(`pod=${dep}-`);
  await expect(row.getByTestId('alert-value')).not.toHaveText('-');
  await expect(row.getByTestId('silenced')).toHaveCount(0);
  await accessible(admin, 'alerts');
  await shot(admin, 'alerting-alerts-firing');

  // Silence it: the matchers are the alert's labels.
  await row.getByRole('button', { name: /kebab|actions/i }).click();
  await admin.getByRole('menuitem', { name: 'Silence' }).click();
  const matchers = admin.getByTestId('silence-matchers');
  await expect(matchers).toHaveValue(new RegExp(`alertname="${alert}"`));
  await expect(matchers).toHaveValue(new RegExp(`namespace="${project}"`));
  await admin.getByTestId('silence-comment').fill('e2e: a known cause');
  await admin.getByTestId('silence-create-submit').click();
  await expect(admin.getByTestId('toast').filter({ hasText: 'The alerts are silenced.' })).toBeVisible();
  // Alertmanager holds the alert silenced (the list reads it again every 15 s).
  await expect(row.getByTestId('silenced')).toBeVisible({ timeout: 120_000 });
  await shot(admin, 'alerting-alert-silenced');

  // The silence, with who made it; expiring it ends it.
  await admin.getByTestId('tab-silences').click();
  const silence = admin.getByTestId('list-silences').locator('tbody tr').filter({ hasText: alert }).first();
  await expect(silence.getByTestId('silence-state')).toHaveAttribute('data-state', 'active');
  await expect(silence).toContainText('admin');
  await expect(silence).toContainText(`namespace="${project}"`);
  await shot(admin, 'alerting-silences');
  await silence.getByRole('button', { name: /kebab|actions/i }).click();
  await admin.getByRole('menuitem', { name: 'Expire' }).click();
  await admin.getByTestId('expire-silence-confirm').click();
  await expect(admin.getByTestId('toast').filter({ hasText: 'The silence has ended.' })).toBeVisible();
  // Expired, or no longer listed where the API leaves expired silences out.
  await expect(async () => {
    if ((await silence.count()) > 0) expect(await silence.getByTestId('silence-state').getAttribute('data-state')).toBe('expired');
  }).toPass({ timeout: 30_000 });

  // The history shows the alert's interval.
  await admin.getByTestId('tab-history').click();
  await expect(admin.getByTestId('history-row').filter({ hasText: alert }).first().getByTestId('history-interval').first()).toBeVisible({ timeout: 60_000 });
  await shot(admin, 'alerting-history');

  await call(admin, s.consoleURL, 'DELETE', `${alertingAPI}/namespaces/${project}/rulegroups/${group}`);
});

test('the built-in groups carry a badge, offer no Delete, and take a new threshold', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/overview`);
  await admin.getByTestId('nav-alert-rules').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Alert rules');
  const nodes = admin.getByTestId('row-builtin-nodes');
  await expect(nodes.getByTestId('builtin')).toHaveText('Built-in', { timeout: 60_000 });
  await expect(nodes.getByTestId('ready')).toHaveText('Loaded', { timeout: 60_000 });
  await nodes.getByRole('button', { name: /kebab|actions/i }).click();
  await expect(admin.getByRole('menuitem')).toHaveText(['Edit', 'Disable']);
  await admin.keyboard.press('Escape');
  await accessible(admin, 'platform alert rules');
  await shot(admin, 'alerting-platform-rules');

  // The form keeps what a built-in rule watches, and takes a threshold.
  await admin.getByTestId('row-builtin-workloads').getByRole('link', { name: 'builtin-workloads' }).click();
  await expect(admin.getByTestId('builtin-help')).toBeVisible();
  const crash = admin.getByTestId('rule-0');
  await expect(crash.getByTestId('rule-alert')).toHaveValue('PodCrashLooping');
  await expect(crash.getByTestId('rule-alert')).toBeDisabled();
  await expect(crash.getByTestId('rule-metric')).toBeDisabled();
  await expect(admin.getByTestId('rule-remove')).toHaveCount(0);
  await expect(admin.getByTestId('add-rule')).toHaveCount(0);
  const before = await crash.getByTestId('rule-threshold').inputValue();
  await crash.getByTestId('rule-threshold').fill('5');
  await admin.getByTestId('save-rule-group').click();
  await expect(admin.getByTestId('toast').filter({ hasText: 'Rule group builtin-workloads is saved.' })).toBeVisible();
  const group = (await call(admin, s.consoleURL, 'GET', `${alertingAPI}/globalrulegroups/builtin-workloads`)) as { spec: { rules: { alert: string; builder?: { threshold: string } }[] } };
  expect(group.spec.rules.find((r) => r.alert === 'PodCrashLooping')?.builder?.threshold).toBe('5');

  // Back as it shipped.
  await admin.getByTestId('row-builtin-workloads').getByRole('link', { name: 'builtin-workloads' }).click();
  await admin.getByTestId('rule-0').getByTestId('rule-threshold').fill(before);
  await admin.getByTestId('save-rule-group').click();
  await expect(admin.getByTestId('toast').filter({ hasText: 'Rule group builtin-workloads is saved.' }).last()).toBeVisible();
});

// The built-in rules are the platform's: their alerts are on the platform's Alerts page (a
// project's page lists the project's own rules' alerts, as the API's project scope does).
test('a pod restarting in a loop fires the built-in crash-loop alert, which the platform’s Alerts page shows', async () => {
  test.setTimeout(300_000);
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/overview`);
  await admin.getByTestId('nav-alerts').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Alerts');
  const row = admin.getByTestId('row-PodCrashLooping').filter({ hasText: `pod=${crashy}-` }).first();
  await expect(row.getByTestId('alert-state')).toHaveAttribute('data-state', 'firing', { timeout: 240_000 });
  await expect(row.getByTestId('severity')).toHaveText('Warning');
  await expect(row).toContainText('builtin-workloads');
  await shot(admin, 'alerting-crash-loop-firing');
  await call(admin, s.consoleURL, 'DELETE', `/apis/apps/v1/namespaces/${project}/deployments/${crashy}`);
});

// The notification settings of the platform, against the notification API and the sender: ke-dev's
// Mailpit channel takes a test message, a channel's URL is written and never read back, a
// channel that cannot deliver says why, and the delivery log lists the tests.
test('notification channels: a test through Mailpit is sent, a refused webhook says why, and credentials are never shown', async () => {
  const s = stack();
  const hookURL = 'http://127.0.0.1:9/e2e-secret-token';
  await admin.goto(`${s.consoleURL}/platform/overview`);
  await admin.getByTestId('nav-notification').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Notification');
  const mailpit = admin.getByTestId('row-dev-mailpit');
  await expect(mailpit).toContainText('E-mail');
  await expect(admin.getByTestId('row-dev-webhook').getByTestId('credentials')).toHaveText('Set');

  // A test through ke-dev's Mailpit channel.
  await mailpit.getByRole('button', { name: /kebab|actions/i }).click();
  await admin.getByRole('menuitem', { name: 'Send a test' }).click();
  await admin.getByTestId('test-to').fill('ops@example.com');
  await admin.getByTestId('test-send').click();
  await expect(admin.getByTestId('test-result')).toHaveAttribute('data-status', 'sent', { timeout: 30_000 });
  await expect(admin.getByTestId('test-result')).toContainText('ops@example.com');
  await accessible(admin, 'send a test');
  await shot(admin, 'notification-test-sent');
  await admin.getByRole('button', { name: 'Close' }).last().click();

  // A webhook channel: its URL is a credential, written once and never answered.
  await admin.getByTestId('create-config').first().click();
  await admin.getByTestId('config-name').fill('e2e-hook');
  await admin.getByTestId('config-type').selectOption('webhook');
  await admin.getByTestId('config-url').fill(hookURL);
  await admin.getByTestId('config-form-submit').click();
  await expect(admin.getByTestId('toast').filter({ hasText: 'Channel e2e-hook is added.' })).toBeVisible();
  const hook = admin.getByTestId('row-e2e-hook');
  await expect(hook.getByTestId('credentials')).toHaveText('Set');
  const answer = JSON.stringify(await call(admin, s.consoleURL, 'GET', '/kapis/notification.superkube.io/v2beta2/configs/e2e-hook'));
  expect(answer).not.toContain('e2e-secret-token');
  await hook.getByRole('button', { name: /kebab|actions/i }).click();
  await admin.getByRole('menuitem', { name: 'Edit' }).click();
  await expect(admin.getByTestId('config-url')).toHaveValue('');
  await expect(admin.getByTestId('config-url-rule')).toContainText('Leave empty to keep it');
  await admin.getByRole('button', { name: 'Cancel' }).click();

  // Nothing listens there: the test says so, with the reason.
  await hook.getByRole('button', { name: /kebab|actions/i }).click();
  await admin.getByRole('menuitem', { name: 'Send a test' }).click();
  await admin.getByTestId('test-send').click();
  await expect(admin.getByTestId('test-result')).toHaveAttribute('data-status', 'failed', { timeout: 60_000 });
  await expect(admin.getByTestId('test-result')).not.toHaveText('');
  await expect(admin.getByTestId('test-result')).not.toContainText('e2e-secret-token');
  await shot(admin, 'notification-test-failed');
  await admin.getByRole('button', { name: 'Close' }).last().click();

  // The delivery log lists both tests: one sent, one failed with its reason.
  await admin.getByTestId('tab-deliveries').click();
  const log = admin.getByTestId('list-deliveries');
  await expect(log.locator('tbody tr').filter({ hasText: 'ops@example.com' }).first().getByTestId('delivery-status')).toHaveAttribute('data-status', 'sent', { timeout: 30_000 });
  await admin.getByTestId('filter-delivery-status').selectOption('failed');
  await expect(log.locator('tbody tr').filter({ hasText: 'e2e-hook' }).first().getByTestId('delivery-reason')).not.toHaveText('');
  await expect(log).not.toContainText('e2e-secret-token');
  await shot(admin, 'notification-delivery-log');

  await call(admin, s.consoleURL, 'DELETE', '/kapis/notification.superkube.io/v2beta2/configs/e2e-hook');

  // My notifications, from the user menu.
  await admin.getByTestId('user-menu').click();
  await admin.getByTestId('menu-notifications').click();
  await expect(admin.getByTestId('page-title')).toHaveText('My notifications');
  await expect(admin.getByTestId('table-configs')).toBeVisible();
  await accessible(admin, 'my notifications');
});
