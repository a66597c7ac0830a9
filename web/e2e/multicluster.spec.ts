import { expect, test, type Page } from '@playwright/test';
import { accessible, call, csrf, ensure, loginAdmin, rowOf, shot } from './pages';
import { stack } from './stack';

// The multi-cluster story (docs/multicluster.md, "Console"): the e2e stack
// runs a member control plane, member-1, joined through ke-agent. The
// administrator sees it Ready among the clusters; chooses it in the
// switcher of the Nodes page and sees the member's KWOK nodes; places a
// workspace on it from the workspace's overview; creates a project there,
// choosing the cluster; the workspace's projects show their cluster, and
// the member's project opens on that cluster.
test.describe.configure({ mode: 'serial' });

const member = 'member-1';
const ws = 'e2e-spread';
const project = 'e2e-spread-edge';
const T = '/kapis/tenant.superkube.io/v1beta1';

let admin: Page;

test.beforeAll(async ({ browser }) => {
  const s = stack();
  const ctx = await browser.newContext({ locale: 'en-US' });
  admin = await ctx.newPage();
  await loginAdmin(admin, s.consoleURL, s.adminPassword);
  // A workspace on the host alone; an earlier run of this stack may have
  // placed it and made the project: start the story again.
  await ensure(admin, s.consoleURL, `${T}/workspaces`, { metadata: { name: ws } });
  await admin.request.fetch(`${s.consoleURL}/clusters/${member}${T}/workspaces/${ws}/namespaces/${project}`, {
    method: 'DELETE',
    headers: { 'X-CSRF-Token': await csrf(admin) },
  });
  const w = (await call(admin, s.consoleURL, 'GET', `${T}/workspaces/${ws}`)) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  await call(admin, s.consoleURL, 'PUT', `${T}/workspaces/${ws}`, { ...w, spec: { ...w.spec, clusters: [] } });
});

test('the member cluster is listed Ready beside the host', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/clusters`);
  const row = rowOf(admin, member);
  await expect(row.getByTestId('connection')).toHaveText('Agent');
  await expect(row.getByTestId('ready').getByTestId('status')).toHaveText('Ready', { timeout: 60_000 });
  await expect(row.getByTestId('agent')).toHaveText('Connected');
});

test('the Nodes page shows the member’s nodes once the member is chosen', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/nodes`);
  const select = admin.getByTestId('cluster-switcher-select');
  await expect(select).toBeVisible();
  const listed = admin.waitForResponse((r) => r.url().includes(`/clusters/${member}/kapis/resources.superkube.io/`) && r.ok());
  await select.selectOption(member);
  await listed;
  await expect(admin).toHaveURL(new RegExp(`[?&]cluster=${member}`));
  await expect(rowOf(admin, `${member}-node-0`)).toBeVisible();
  await expect(rowOf(admin, `${member}-node-1`)).toBeVisible();
  await accessible(admin, 'nodes-member');
  // A reload keeps the cluster.
  await admin.reload();
  await expect(rowOf(admin, `${member}-node-0`)).toBeVisible();
  await shot(admin, 'nodes-member');
});

test('the workspace is placed on the member from its overview', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/workspaces/${ws}/overview`);
  const card = admin.getByTestId('placement');
  await expect(card.getByTestId('placed-host')).toBeVisible();
  await expect(card.getByTestId(`placed-${member}`)).toHaveCount(0);
  await card.getByTestId('edit-placement').click();
  const modal = admin.getByTestId('placement-edit');
  await modal.getByTestId('placement-cluster-host').check();
  await modal.getByTestId(`placement-cluster-${member}`).check();
  await expect(modal.getByTestId('placement-covered')).toContainText(member);
  await accessible(admin, 'placement');
  await modal.getByTestId('placement-edit-submit').click();
  await expect(modal).toBeHidden();
  await expect(card.getByTestId(`placed-${member}`)).toBeVisible();
  await expect(card.getByTestId('placed-host')).toBeVisible();
});

test('a project is created on the member, listed with its cluster, and opens there', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/workspaces/${ws}/projects`);
  await admin.getByTestId('create-project').click();
  await admin.getByTestId('project-name').fill(project);
  await admin.getByTestId('project-cluster-select').selectOption(member);
  await admin.getByTestId('project-create-submit').click();
  const row = rowOf(admin, project);
  await expect(row.getByTestId('project-cluster')).toHaveText(member, { timeout: 30_000 });
  // The namespace is on the member, not on the host.
  const onMember = await admin.request.get(`${s.consoleURL}/clusters/${member}/api/v1/namespaces/${project}`);
  expect(onMember.status()).toBe(200);
  const onHost = await admin.request.get(`${s.consoleURL}/api/v1/namespaces/${project}`);
  expect(onHost.status()).toBe(404);
  await shot(admin, 'projects-clusters');
  await row.getByRole('link', { name: project }).click();
  await expect(admin).toHaveURL(new RegExp(`/projects/${project}.*[?&]cluster=${member}`));
  await expect(admin.getByTestId('project-cluster')).toHaveText(`On cluster ${member}`);
});
