import { expect, test, type Browser, type Page } from '@playwright/test';
import { accessible, call, ensure, login, loginAdmin, rowAction, rowOf, shot } from './pages';
import { stack } from './stack';

// The console part of issue 19, guard rails for tenants: a workspace quota
// that refuses a project member's Deployment with the webhook's message;
// a project's network isolation turned on, an allowed CIDR added (the
// browser's and the server's objections shown on the field), the generated
// policy seen, a YAML edit reviewed, isolation turned off; a claim's
// snapshot taken and restored to a new claim, a claim expanded; the default
// storage class switched by a platform administrator.
test.describe.configure({ mode: 'serial' });

const ws = 'gr-ws';
const project = 'gr-proj';
const wsAdmin = 'gr-ws-admin';
const projectAdmin = 'gr-proj-admin';
const member = 'gr-member';
const password = 'Guard-r4ils-Passw0rd';
const plainClass = 'gr-plain';

let admin: Page;

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ locale: 'en-US' });
  return ctx.newPage();
}

async function userPage(browser: Browser, user: string) {
  const s = stack();
  const page = await newPage(browser);
  await login(page, s.consoleURL, user, password);
  await page.getByTestId('page-title').waitFor();
  return page;
}

test.beforeAll(async ({ browser }) => {
  const s = stack();
  admin = await newPage(browser);
  await loginAdmin(admin, s.consoleURL, s.adminPassword);
  await ensure(admin, s.consoleURL, '/kapis/tenant.superkube.io/v1beta1/workspaces', { metadata: { name: ws }, spec: {} });
  await ensure(admin, s.consoleURL, `/kapis/tenant.superkube.io/v1beta1/workspaces/${ws}/namespaces`, { metadata: { name: project } });
  for (const [user, email] of [
    [wsAdmin, 'gr-ws-admin@example.com'],
    [projectAdmin, 'gr-proj-admin@example.com'],
    [member, 'gr-member@example.com'],
  ]) {
    await ensure(admin, s.consoleURL, '/kapis/iam.superkube.io/v1beta1/users', { metadata: { name: user }, spec: { email, password } });
  }
  await ensure(admin, s.consoleURL, `/kapis/iam.superkube.io/v1beta1/workspaces/${ws}/members`, { username: wsAdmin, role: `${ws}-admin` });
  await ensure(admin, s.consoleURL, `/kapis/iam.superkube.io/v1beta1/namespaces/${project}/members`, { username: projectAdmin, role: 'admin' });
  await ensure(admin, s.consoleURL, `/kapis/iam.superkube.io/v1beta1/namespaces/${project}/members`, { username: member, role: 'operator' });
  // A claim of the default class (the simulated CSI driver binds it), a pod that mounts it,
  // and a class whose provisioner has no snapshot class.
  await ensure(admin, s.consoleURL, `/api/v1/namespaces/${project}/persistentvolumeclaims`, {
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  await ensure(admin, s.consoleURL, `/api/v1/namespaces/${project}/pods`, {
    metadata: { name: 'gr-pod' },
    spec: { containers: [{ name: 'main', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] },
  });
  await ensure(admin, s.consoleURL, '/apis/storage.k8s.io/v1/storageclasses', { metadata: { name: plainClass }, provisioner: 'example.com/no-snapshots' });
  await ensure(admin, s.consoleURL, `/api/v1/namespaces/${project}/persistentvolumeclaims`, {
    metadata: { name: 'plain-data' },
    spec: { storageClassName: plainClass, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
});

test('a workspace quota refuses a project member’s Deployment beyond it with the webhook’s message', async ({ browser }) => {
  const s = stack();
  // Workspace quotas are platform objects (docs/quota.md): the platform administrator sets one.
  await admin.goto(`${s.consoleURL}/workspaces/${ws}/quotas`);
  const create = admin.getByTestId('ws-quota-create');
  const existing = admin.getByTestId('ws-quota-edit');
  await expect(create.or(existing)).toBeVisible();
  await ((await create.isVisible()) ? create : existing).click();
  await admin.getByTestId('quota-field-count/deployments.apps').fill('1');
  await admin.getByTestId('ws-quota-form-submit').click();
  await expect(admin.getByTestId('usage-ws-quota-count/deployments.apps')).toBeVisible();

  // The workspace administrator reads it, and is offered no change.
  const wsa = await userPage(browser, wsAdmin);
  await wsa.goto(`${s.consoleURL}/workspaces/${ws}/quotas`);
  await expect(wsa.getByTestId('usage-ws-quota-count/deployments.apps')).toBeVisible();
  await expect(wsa.getByTestId('ws-quota-edit')).toHaveCount(0);
  // The workspace's settings: its network isolation switch, for who may update the workspace.
  await wsa.goto(`${s.consoleURL}/workspaces/${ws}/overview`);
  await expect(wsa.getByTestId('workspace-isolation')).toBeVisible();
  await wsa.context().close();

  // A project member: the first Deployment fits, the second is refused by the webhook.
  const m = await userPage(browser, member);
  for (const [name, fits] of [
    ['shop-a', true],
    ['shop-b', false],
  ] as const) {
    await m.goto(`${s.consoleURL}/projects/${project}/deployments/~new`);
    await m.getByTestId('dep-name').fill(name);
    await m.getByTestId('dep-image').fill('nginx:1.27');
    await m.getByTestId('dep-create').click();
    if (fits) {
      await expect(m.getByTestId('page-title')).toContainText(name);
    } else {
      const error = m.getByTestId('error');
      await expect(error).toContainText('Workspace quota exceeded');
      await expect(error.getByTestId('error-detail')).toContainText(`exceeded workspace quota "${ws}"`);
      await expect(error.getByTestId('error-detail')).toContainText('count/deployments.apps');
      await shot(m, 'guardrails-quota-refusal');
    }
  }
  await m.context().close();
});

test('a project admin isolates the project, allows a CIDR, sees the generated policy, and turns isolation off', async ({ browser }) => {
  const s = stack();
  const pa = await userPage(browser, projectAdmin);
  await pa.goto(`${s.consoleURL}/projects/${project}/overview`);
  await pa.getByTestId('nav-network-isolation').click();
  await expect(pa.getByTestId('isolation-state')).toHaveAttribute('data-state', 'none');
  await expect(pa.getByTestId('policies-none')).toBeVisible();

  await pa.getByTestId('isolation-switch').check({ force: true });
  await expect(pa.getByTestId('toast').filter({ hasText: 'Network isolation is on.' })).toBeVisible();
  await expect(pa.getByTestId('isolation-state')).toHaveAttribute('data-state', 'project');
  const policy = pa.getByTestId('policy-superkube-project-isolation');
  await expect(policy).toBeVisible();

  // An allowed source: a CIDR with an except, on TCP 443.
  await pa.getByTestId('sources-edit').click();
  await pa.getByTestId('source-add').click();
  await pa.getByTestId('source-0-cidr-add').click();
  const cidr = pa.getByTestId('source-0-cidr-0');
  const except = pa.getByTestId('source-0-except-0');
  await cidr.fill('10.0.0.0/33');
  await expect(pa.getByTestId('source-0-cidr-0-error')).toContainText('Enter a CIDR such as 10.0.0.0/8 or fd00::/8.');
  await expect(pa.getByTestId('sources-save')).toBeDisabled();
  // The browser checks an IPv6 except's range no further: the server refuses it, named on the field.
  await cidr.fill('fd00::/8');
  await except.fill('fe00::/16');
  await pa.getByTestId('sources-save').click();
  await expect(pa.getByTestId('source-0-except-0-error')).toContainText('Every except entry must lie inside the CIDR.');
  await cidr.fill('203.0.113.0/24');
  await except.fill('203.0.113.128/25');
  await pa.getByTestId('source-0-port-add').click();
  await pa.getByTestId('source-0-port-0').fill('70000');
  await expect(pa.getByTestId('source-0-port-0-error')).toContainText('Enter a port number from 1 to 65535.');
  await pa.getByTestId('source-0-port-0').fill('443');
  await accessible(pa, 'network isolation editor');
  await pa.getByTestId('sources-save').click();
  await expect(pa.getByTestId('toast').filter({ hasText: 'Allowed sources saved.' })).toBeVisible();
  await expect(pa.getByTestId('source-0')).toContainText('203.0.113.0/24 except 203.0.113.128/25');
  await expect(pa.getByTestId('source-0')).toContainText('443/TCP');
  // The controller puts the CIDR into the generated policy.
  await expect(policy.getByTestId('policy-rules')).toContainText('203.0.113.0/24 except 203.0.113.128/25 to 443/TCP');
  await accessible(pa, 'network isolation');
  await shot(pa, 'guardrails-network-isolation');

  // A YAML edit of the NetworkIsolation, reviewed as a dry run before it is applied.
  await pa.getByTestId('isolation-yaml-toggle').click();
  const editor = pa.getByTestId('yaml-editor');
  await expect(editor).toContainText('port: 443');
  await editor.click();
  await pa.keyboard.press('Control+f');
  await pa.keyboard.type('port: 443');
  await pa.keyboard.press('Enter');
  await pa.keyboard.press('Escape');
  await pa.keyboard.type('port: 8443');
  await pa.getByTestId('yaml-review').click();
  await expect(pa.getByTestId('diff')).toContainText('+');
  await expect(pa.getByTestId('diff')).toContainText('port: 8443');
  await pa.getByTestId('yaml-apply').click();
  await expect(pa.getByTestId('yaml-apply')).toHaveCount(0);
  await expect(policy.getByTestId('policy-rules')).toContainText('8443/TCP');

  // Off: the generated policy goes.
  await pa.getByTestId('isolation-switch').uncheck({ force: true });
  await expect(pa.getByTestId('toast').filter({ hasText: 'Network isolation is off.' })).toBeVisible();
  await expect(pa.getByTestId('isolation-state')).toHaveAttribute('data-state', 'none');
  await expect(pa.getByTestId('policies-none')).toBeVisible();
  await pa.context().close();

  // A project member who may not edit it sees no switch.
  const m = await userPage(browser, member);
  await m.goto(`${s.consoleURL}/projects/${project}/network-isolation`);
  await expect(m.getByTestId('isolation-state')).toBeVisible();
  await expect(m.getByTestId('isolation-switch')).toHaveCount(0);
  await expect(m.getByTestId('sources-edit')).toHaveCount(0);
  await m.context().close();
});

test('a claim’s snapshot is taken and restored to a new claim, and a claim is expanded', async ({ browser }) => {
  const s = stack();
  const pa = await userPage(browser, projectAdmin);
  await pa.goto(`${s.consoleURL}/projects/${project}/overview`);
  await pa.getByTestId('nav-persistentvolumeclaims').click();
  const data = rowOf(pa, 'data');
  await expect(data.getByTestId('status')).toHaveText('Bound');
  await expect(data.getByTestId('mounted-pod-gr-pod')).toHaveAttribute('href', `/projects/${project}/pods/gr-pod`);
  await expect(data.getByTestId('caps-data-snapshot')).toBeVisible();
  await expect(rowOf(pa, 'plain-data').getByTestId('caps-plain-data-none')).toBeVisible();
  await accessible(pa, 'volumes');
  await shot(pa, 'guardrails-volumes');

  // A claim whose class cannot snapshot: the dialog says so and sends nothing.
  await rowAction(pa, 'plain-data', 'Take a snapshot');
  await expect(pa.getByTestId('snapshot-unsupported')).toContainText(`Its storage class ${plainClass} cannot snapshot`);
  await expect(pa.getByTestId('snapshot-submit')).toBeDisabled();
  await pa.getByTestId('snapshot').getByRole('button', { name: 'Cancel' }).click();

  // Expand: the same size is refused in the browser, a larger one is sent.
  await rowAction(pa, 'data', 'Expand');
  await pa.getByTestId('expand-size').fill('1Gi');
  await expect(pa.getByTestId('expand-size-error')).toContainText('Must be larger than the current size (1Gi)');
  await pa.getByTestId('expand-size').fill('2Gi');
  await pa.getByTestId('expand-submit').click();
  await expect(pa.getByTestId('toast').filter({ hasText: 'data is being expanded to 2Gi.' })).toBeVisible();
  await expect(pa.getByTestId('capacity-data')).toHaveText('2Gi');

  // Take a snapshot with the driver's snapshot class.
  await rowAction(pa, 'data', 'Take a snapshot');
  await expect(pa.getByTestId('snapshot-class')).toHaveValue('sim-csi-snapshots');
  await pa.getByTestId('snapshot-name').fill('data-snap');
  await pa.getByTestId('snapshot-submit').click();
  await expect(pa.getByTestId('page-title')).toHaveText('Volume snapshots');
  const snap = rowOf(pa, 'data-snap');
  await expect(snap.getByTestId('snapshot-ready')).toBeVisible();
  await expect(snap.getByTestId('source-data-snap')).toHaveText('data');
  await expect(snap.getByTestId('size-data-snap')).toHaveText('2Gi');
  await accessible(pa, 'volume snapshots');
  await shot(pa, 'guardrails-snapshots');

  // Restore it to a new claim: smaller than the snapshot is refused in the browser.
  await rowAction(pa, 'data-snap', 'Restore to a new claim');
  await pa.getByTestId('restore-name').fill('data-copy');
  await pa.getByTestId('restore-size').fill('1Gi');
  await expect(pa.getByTestId('restore-size-error')).toContainText('Must not be smaller than the snapshot (2Gi)');
  await pa.getByTestId('restore-size').fill('');
  await pa.getByTestId('restore-submit').click();
  await expect(pa.getByTestId('page-title')).toHaveText('Volumes');
  await expect(rowOf(pa, 'data-copy').getByTestId('status')).toHaveText('Bound');
  await expect(pa.getByTestId('capacity-data-copy')).toHaveText('2Gi');
  const restored = (await call(pa, s.consoleURL, 'GET', `/api/v1/namespaces/${project}/persistentvolumeclaims/data-copy`)) as { spec: { dataSource?: { kind: string; name: string } } };
  expect(restored.spec.dataSource).toMatchObject({ kind: 'VolumeSnapshot', name: 'data-snap' });

  // Delete the snapshot, its name typed to confirm.
  await pa.getByTestId('nav-volumesnapshots').click();
  await rowAction(pa, 'data-snap', 'Delete');
  await pa.getByTestId('confirm-name').fill('data-snap');
  await pa.getByTestId('confirm').click();
  await expect(rowOf(pa, 'data-snap')).toHaveCount(0);
  await pa.context().close();
});

test('a platform administrator switches the default storage class', async ({ browser }) => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/overview`);
  await admin.getByTestId('nav-storage-classes').click();
  await expect(admin.getByTestId('default-sim-csi')).toBeVisible();
  await expect(rowOf(admin, 'sim-csi')).toContainText('sim.csi.superkube.io');
  await expect(admin.getByTestId('caps-sim-csi-expand')).toBeVisible();
  await expect(admin.getByTestId('snapshot-class-sim-csi-snapshots')).toContainText('sim-csi');
  await accessible(admin, 'storage classes');

  await rowAction(admin, plainClass, 'Set as default');
  await admin.getByTestId('set-default-confirm').click();
  await expect(admin.getByTestId(`default-${plainClass}`)).toBeVisible();
  await expect(admin.getByTestId('default-sim-csi')).toHaveCount(0);
  await shot(admin, 'guardrails-storage-classes');
  // And back, so that claims of later stories get the simulated driver.
  await rowAction(admin, 'sim-csi', 'Set as default');
  await admin.getByTestId('set-default-confirm').click();
  await expect(admin.getByTestId('default-sim-csi')).toBeVisible();
  await expect(admin.getByTestId(`default-${plainClass}`)).toHaveCount(0);

  // A project administrator is offered no platform storage page.
  const pa = await userPage(browser, projectAdmin);
  await pa.goto(`${s.consoleURL}/home`);
  await expect(pa.getByTestId('nav-home')).toBeVisible();
  await expect(pa.getByTestId('nav-storage-classes')).toHaveCount(0);
  await pa.context().close();
});

test.afterAll(async () => {
  const s = stack();
  // Leave the workspace without its quota, so that reruns start the same way.
  await call(admin, s.consoleURL, 'DELETE', `/apis/quota.superkube.io/v1alpha2/resourcequotas/${ws}`).catch(() => undefined);
  for (const d of ['shop-a', 'shop-b']) await call(admin, s.consoleURL, 'DELETE', `/apis/apps/v1/namespaces/${project}/deployments/${d}`).catch(() => undefined);
  for (const c of ['data-copy']) await call(admin, s.consoleURL, 'DELETE', `/api/v1/namespaces/${project}/persistentvolumeclaims/${c}`).catch(() => undefined);
});
