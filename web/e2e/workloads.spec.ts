import { expect, test, type Browser, type Page } from '@playwright/test';
import { accessible, call, ensure, loginAdmin, rowOf, shot, shotAt, shotDark } from './pages';
import { stack } from './stack';

// The workload pages of issue 13: a Deployment with env, resources, probes,
// a volume and a Service made by the form; its detail page; a rollback; the
// project's workloads by state; a node cordoned, drained and tainted.
test.describe.configure({ mode: 'serial' });

const ws = 'wl-ws';
const project = 'wl-proj';
const dep = 'shop';
const secretValue = 's3cret-never-shown';

let admin: Page;

/** clearToasts closes the messages in the corner, so that screenshots show the page. */
async function clearToasts(page: Page) {
  // Closing one moves the others: close what is there until none is left.
  await expect(async () => {
    for (const close of await page.getByTestId('toast').getByRole('button').all()) await close.click({ timeout: 1_000 }).catch(() => undefined);
    await expect(page.getByTestId('toast')).toHaveCount(0, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
}

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ locale: 'en-US' });
  return ctx.newPage();
}

interface PodList {
  items: { metadata: { name: string; namespace: string }; spec: { nodeName?: string } }[];
}

test.beforeAll(async ({ browser }) => {
  const s = stack();
  admin = await newPage(browser);
  await loginAdmin(admin, s.consoleURL, s.adminPassword);
  await ensure(admin, s.consoleURL, '/kapis/tenant.superkube.io/v1beta1/workspaces', { metadata: { name: ws }, spec: {} });
  await ensure(admin, s.consoleURL, `/kapis/tenant.superkube.io/v1beta1/workspaces/${ws}/namespaces`, { metadata: { name: project } });
  await ensure(admin, s.consoleURL, `/api/v1/namespaces/${project}/configmaps`, { metadata: { name: 'settings' }, data: { colour: 'blue' } });
  await ensure(admin, s.consoleURL, `/api/v1/namespaces/${project}/secrets`, { metadata: { name: 'db' }, stringData: { password: secretValue } });
  // A DaemonSet, whose pods a drain leaves where they are.
  await ensure(admin, s.consoleURL, `/apis/apps/v1/namespaces/${project}/daemonsets`, {
    metadata: { name: 'agent' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'busybox' }] } } },
  });
});

test('a Deployment with env from a Secret, resources, probes, a volume, labels and a Service is made with the form', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/deployments/~new`);
  await admin.getByTestId('dep-name').fill(dep);
  await admin.getByTestId('dep-image').fill('nginx:1.26');
  await admin.getByTestId('dep-port').fill('8080');

  await admin.getByTestId('env-add').click();
  await admin.getByTestId('env-name-0').fill('MODE');
  await admin.getByTestId('env-value-0').fill('prod');
  await admin.getByTestId('env-add').click();
  await admin.getByTestId('env-name-1').fill('PASSWORD');
  await admin.getByTestId('env-source-1').selectOption('secret');
  await admin.getByTestId('env-ref-1').fill('db');
  await admin.getByTestId('env-key-1').fill('password');

  await admin.getByTestId('dep-requestCPU').fill('100m');
  await admin.getByTestId('dep-limitMemory').fill('128Mi');
  await admin.getByTestId('dep-readiness-type').selectOption('http');
  await admin.getByTestId('dep-readiness-path').fill('/healthz');
  await admin.getByTestId('dep-readiness-port').fill('8080');

  await admin.getByTestId('volume-add').click();
  await admin.getByTestId('volume-ref-0').fill('settings');
  await admin.getByTestId('volume-path-0').fill('/etc/shop');

  await admin.getByTestId('label-add').click();
  await admin.getByTestId('label-key-0').fill('tier');
  await admin.getByTestId('label-value-0').fill('front');

  await admin.getByTestId('dep-service').check();
  await admin.getByTestId('dep-service-type').selectOption('NodePort');
  await admin.getByTestId('dep-service-port').fill('80');

  // Every field shows in the YAML.
  const yaml = admin.getByTestId('yaml-editor');
  for (const text of ['name: PASSWORD', 'secretKeyRef:', 'cpu: 100m', 'memory: 128Mi', 'path: /healthz', 'mountPath: /etc/shop', 'tier: front']) {
    await expect(yaml).toContainText(text);
  }
  await accessible(admin, 'deployment form');
  await shot(admin, 'deployment-form-full');
  await shotDark(admin, 'deployment-form-full-dark');
  await shotAt(admin, 'deployment-form-full-768', 768);

  await admin.getByTestId('dep-create').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `Deployment ${dep} and its Service are created.` })).toBeVisible();
  await expect(admin.getByTestId('page-title')).toContainText(dep);
  await expect(admin.getByTestId('ready')).toHaveText('1/1', { timeout: 60_000 });

  // The containers: the Secret is named, its value never shown.
  await admin.getByRole('tab', { name: 'Containers' }).click();
  const env = admin.getByTestId('env-PASSWORD');
  await expect(env).toContainText('key password of Secret');
  await expect(env.getByTestId('link-secrets-db')).toHaveAttribute('href', /\/projects\/wl-proj\/secrets\/db$/);
  await expect(admin.getByTestId('container-main')).toContainText('cpu 100m');
  await expect(admin.getByTestId('container-main')).toContainText('GET /healthz on 8080');
  await expect(admin.getByTestId('link-configmaps-settings')).toBeVisible();
  await expect(admin.locator('body')).not.toContainText(secretValue);
  await accessible(admin, 'deployment containers');
  await clearToasts(admin);
  await shot(admin, 'deployment-containers');
  await shotDark(admin, 'deployment-containers-dark');
  await shotAt(admin, 'deployment-containers-768', 768);

  // The Service the form made selects the pods.
  await admin.getByRole('tab', { name: 'Services' }).click();
  await expect(rowOf(admin, dep)).toBeVisible();
  await expect(rowOf(admin, dep)).toContainText('80/TCP');

  // A pod's page links its owner and its node.
  await admin.getByRole('tab', { name: 'Pods' }).click();
  await admin.getByTestId('list-pods').getByRole('link').first().click();
  await expect(admin.getByTestId('owner-ReplicaSet')).toBeVisible();
  await expect(admin.getByTestId('node-link')).toHaveAttribute('href', /\/platform\/nodes\//);
  await admin.getByTestId('owner-ReplicaSet').click();
  await expect(admin.getByTestId('owner-Deployment')).toHaveText(dep);
});

test('a Deployment is rolled back to an earlier revision', async () => {
  const s = stack();
  await admin.request.fetch(`${s.consoleURL}/apis/apps/v1/namespaces/${project}/deployments/${dep}`, {
    method: 'PATCH',
    headers: { 'X-CSRF-Token': (await admin.context().cookies()).find((c) => c.name === 'ke-csrf')?.value ?? '', 'Content-Type': 'application/strategic-merge-patch+json' },
    data: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } } } }),
  });
  await admin.goto(`${s.consoleURL}/projects/${project}/deployments/${dep}`);
  await admin.getByRole('tab', { name: 'Revisions' }).click();
  const revisions = admin.getByTestId('table-revisions');
  const row = (n: number) => revisions.locator('tr').filter({ has: admin.getByTestId(`revision-${n}`) });
  await expect(row(2).getByTestId('current-revision')).toBeVisible({ timeout: 30_000 });
  await expect(row(1)).toContainText('nginx:1.26');
  await clearToasts(admin);
  await shot(admin, 'deployment-revisions');
  await shotDark(admin, 'deployment-revisions-dark');
  await shotAt(admin, 'deployment-revisions-768', 768);

  await row(1).getByRole('button', { name: /kebab|actions/i }).click();
  await admin.getByRole('menuitem', { name: 'Roll back to this revision' }).click();
  await expect(admin.getByTestId('rollback')).toContainText('revision 1');
  await admin.getByTestId('rollback-confirm').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `${dep} is rolling back to revision 1.` })).toBeVisible();
  // The deployment controller makes the old ReplicaSet the newest revision.
  await expect(row(3).getByTestId('current-revision')).toBeVisible({ timeout: 30_000 });
  await expect(row(3)).toContainText('nginx:1.26');
  const d = (await call(admin, s.consoleURL, 'GET', `/apis/apps/v1/namespaces/${project}/deployments/${dep}`)) as { spec: { template: { spec: { containers: { image: string }[] }; metadata: { labels: Record<string, string> } } } };
  expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.26');
  expect(d.spec.template.metadata.labels['pod-template-hash']).toBeUndefined();
});

test('a StatefulSet is rolled back to an earlier ControllerRevision', async () => {
  const s = stack();
  const path = `/apis/apps/v1/namespaces/${project}/statefulsets`;
  const sts = (image: string) => ({
    metadata: { name: 'db' },
    spec: { replicas: 1, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image }] } } },
  });
  await ensure(admin, s.consoleURL, path, sts('postgres:16'));
  await admin.goto(`${s.consoleURL}/projects/${project}/statefulsets/db`);
  await admin.getByRole('tab', { name: 'Revisions' }).click();
  const revisions = admin.getByTestId('table-revisions');
  const row = (n: number) => revisions.locator('tr').filter({ has: admin.getByTestId(`revision-${n}`) });
  await expect(row(1).getByTestId('current-revision')).toBeVisible({ timeout: 30_000 });
  await admin.request.fetch(`${s.consoleURL}${path}/db`, {
    method: 'PATCH',
    headers: { 'X-CSRF-Token': (await admin.context().cookies()).find((c) => c.name === 'ke-csrf')?.value ?? '', 'Content-Type': 'application/strategic-merge-patch+json' },
    data: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'db', image: 'postgres:17' }] } } } }),
  });
  await expect(row(2).getByTestId('current-revision')).toBeVisible({ timeout: 30_000 });
  await row(1).getByRole('button', { name: /kebab|actions/i }).click();
  await admin.getByRole('menuitem', { name: 'Roll back to this revision' }).click();
  await admin.getByTestId('rollback-confirm').click();
  await expect(admin.getByTestId('toast').filter({ hasText: 'db is rolling back to revision 1.' })).toBeVisible();
  // The controller takes the equal revision again, numbered 3.
  await expect(row(3).getByTestId('current-revision')).toBeVisible({ timeout: 30_000 });
  await expect(row(3)).toContainText('postgres:16');
  const got = (await call(admin, s.consoleURL, 'GET', `${path}/db`)) as { spec: { template: { spec: { containers: { image: string }[] } } } };
  expect(got.spec.template.spec.containers[0].image).toBe('postgres:16');
});

test('the project overview counts workloads by state and links each count to the filtered list', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/overview`);
  const running = admin.getByTestId('summary-deployments-running');
  await expect(running).toContainText('1', { timeout: 60_000 });
  await expect(admin.getByTestId('summary-daemonsets')).toBeVisible();
  await expect(admin.getByTestId('event-object').first()).toBeVisible();
  await accessible(admin, 'project overview');
  await clearToasts(admin);
  await shot(admin, 'project-overview-summary');
  await shotDark(admin, 'project-overview-summary-dark');
  await shotAt(admin, 'project-overview-summary-768', 768);
  await running.click();
  await expect(admin).toHaveURL(/\/deployments\?status=running$/);
  await expect(rowOf(admin, dep)).toBeVisible();
});

test('a node is cordoned, uncordoned, tainted and drained: its pods move, DaemonSet pods stay', async () => {
  const s = stack();
  const podsOf = async (selector: string) => ((await call(admin, s.consoleURL, 'GET', `/api/v1/namespaces/${project}/pods?labelSelector=${encodeURIComponent(selector)}`)) as PodList).items;
  let node = '';
  await expect(async () => {
    node = (await podsOf(`app=${dep}`)).find((p) => p.spec.nodeName)?.spec.nodeName ?? '';
    expect(node).not.toBe('');
  }).toPass({ timeout: 30_000 });
  await admin.goto(`${s.consoleURL}/platform/nodes/${node}`);
  await expect(admin.getByTestId('node-kubelet')).not.toHaveText('-');

  await admin.getByTestId('cordon').click();
  await admin.getByTestId('cordon-confirm').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `Node ${node} is cordoned.` })).toBeVisible();
  await expect(admin.getByTestId('cordoned')).toBeVisible();
  await admin.getByTestId('uncordon').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `Node ${node} takes pods again.` })).toBeVisible();
  await expect(admin.getByTestId('cordoned')).toBeHidden();
  // The node controller takes its node.kubernetes.io/unschedulable taint away.
  await expect(admin.getByTestId('node-taints')).toBeHidden({ timeout: 30_000 });

  await admin.getByTestId('edit-taints').click();
  await admin.getByTestId('taint-add').click();
  await admin.getByTestId('taint-key-0').fill('dedicated');
  await admin.getByTestId('taint-value-0').fill('e2e');
  await admin.getByTestId('taint-effect-0').selectOption('PreferNoSchedule');
  await admin.getByTestId('taints-submit').click();
  await expect(admin.getByTestId('node-taints')).toContainText('dedicated=e2e:PreferNoSchedule');
  await clearToasts(admin);
  await shot(admin, 'node-detail');
  await shotDark(admin, 'node-detail-dark');
  await shotAt(admin, 'node-detail-768', 768);

  await admin.getByTestId('drain-open').click();
  const dialog = admin.getByTestId('drain');
  const shopPod = (await podsOf(`app=${dep}`)).find((p) => p.spec.nodeName === node)!.metadata.name;
  const agentPod = (await podsOf('app=agent')).find((p) => p.spec.nodeName === node)!.metadata.name;
  await expect(dialog.getByTestId(`drain-pod-${shopPod}`)).toBeVisible();
  await expect(dialog.getByTestId(`drain-stays-${agentPod}`)).toContainText('DaemonSet pod');
  await shot(admin, 'node-drain');
  await dialog.getByTestId('drain-confirm').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `Node ${node} is drained.` })).toBeVisible();
  await expect(admin.getByTestId('cordoned')).toBeVisible();
  // The Deployment's pod starts again on the other node; the DaemonSet's stays.
  await expect(async () => {
    const shop = await podsOf(`app=${dep}`);
    expect(shop.map((p) => p.metadata.name)).not.toContain(shopPod);
    expect(shop.some((p) => p.spec.nodeName && p.spec.nodeName !== node)).toBe(true);
    expect((await podsOf('app=agent')).map((p) => p.metadata.name)).toContain(agentPod);
  }).toPass({ timeout: 60_000 });

  // Leave the node as it was for the other stories.
  await admin.getByTestId('uncordon').click();
  await expect(admin.getByTestId('cordoned')).toBeHidden();
  await expect(admin.getByTestId('node-taints')).not.toContainText('unschedulable', { timeout: 30_000 });
  await admin.getByTestId('edit-taints').click();
  await admin.getByTestId('taint-remove-0').click();
  await admin.getByTestId('taints-submit').click();
  await expect(admin.getByTestId('node-taints')).toBeHidden();
});
