import { expect, test, type Page } from '@playwright/test';
import { accessible, csrf, loginAdmin, rowAction, rowOf, shot } from './pages';
import { stack } from './stack';

// The clusters story (docs/multicluster.md, "Console"): the administrator
// opens Clusters and sees the host Ready; joins an Agent cluster through
// the wizard and is shown its join token once, with the agent's command;
// the new cluster waits for its agent (not Ready); a Direct join with a
// kubeconfig that is no kubeconfig is refused at that field; the Agent
// cluster is removed and leaves the list.
test.describe.configure({ mode: 'serial' });

const edge = 'e2e-edge';
const C = '/kapis/cluster.superkube.io/v1alpha1';

let admin: Page;

async function status(page: Page, method: 'GET' | 'DELETE', path: string): Promise<number> {
  const r = await page.request.fetch(stack().consoleURL + path, { method, headers: { 'X-CSRF-Token': await csrf(page) } });
  return r.status();
}

test.beforeAll(async ({ browser }) => {
  const s = stack();
  const ctx = await browser.newContext({ locale: 'en-US' });
  admin = await ctx.newPage();
  await loginAdmin(admin, s.consoleURL, s.adminPassword);
  // What an earlier run of this stack left starts the story again.
  if ((await status(admin, 'DELETE', `${C}/clusters/${edge}`)) < 300) {
    await expect
      .poll(async () => {
        const r = await admin.request.get(`${s.consoleURL}/kapis/tenant.superkube.io/v1beta1/clusters?names=${edge}`);
        return ((await r.json()) as { totalItems: number }).totalItems;
      }, { timeout: 60_000 })
      .toBe(0);
  }
});

test('the host cluster is listed Ready', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/overview`);
  await admin.getByTestId('nav-clusters').click();
  await expect(admin.getByTestId('page-title')).toHaveText('Clusters');
  const host = rowOf(admin, 'host');
  await expect(host.getByTestId('connection')).toHaveText('Host');
  await expect(host.getByTestId('ready').getByTestId('status')).toHaveText('Ready', { timeout: 60_000 });
  await accessible(admin, 'clusters');
});

test('an Agent cluster joins through the wizard; its token is shown once with the agent’s command', async () => {
  await admin.getByTestId('join-cluster').click();
  await admin.getByTestId('cluster-name').fill(edge);
  await admin.getByTestId('cluster-provider').fill('kind');
  await admin.getByTestId('connection-agent').check();
  await admin.getByTestId('cluster-ttl').fill('2h');
  await admin.getByTestId('cluster-join-submit').click();

  const dialog = admin.getByTestId('join-token');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('it will not be shown again');
  await expect(dialog.getByTestId('join-token-value').locator('input')).not.toHaveValue('');
  await expect(dialog.getByTestId('join-token-expiry')).toContainText('until');
  // The command's text is the value of a read-only input (PatternFly's ClipboardCopy).
  const command = dialog.getByTestId('install-command').locator('input');
  await expect(command).toHaveValue(`ke-agent --host-url ${stack().consoleURL} --cluster ${edge} --join-token-file token --credential-file /var/lib/ke-agent/credential --kubeconfig member.kubeconfig`);
  await dialog.getByTestId('host-url').fill('https://ke.example.com');
  await expect(command).toHaveValue(/--host-url https:\/\/ke\.example\.com --cluster /);
  await shot(admin, 'clusters-join-token');
  await dialog.getByTestId('join-token-done').click();
  await expect(dialog).toBeHidden();

  // The cluster waits for its agent: not Ready, its agent not connected.
  const row = rowOf(admin, edge);
  await expect(row.getByTestId('connection')).toHaveText('Agent');
  await expect(row.getByTestId('ready').getByTestId('status')).toHaveText('Notready');
  await expect(row.getByTestId('ready-reason')).toContainText(/waiting for its agent to join|AgentNotConnected/);
  await expect(row.getByTestId('agent')).toHaveText('Not connected');
  await shot(admin, 'clusters');

  // A new join token is shown once as well.
  await rowAction(admin, edge, 'New join token');
  await expect(admin.getByTestId('join-token').getByTestId('install-command').locator('input')).toHaveValue(new RegExp(`--cluster ${edge} `));
  await admin.getByTestId('join-token-done').click();
});

test('a Direct join with a kubeconfig that is none is refused at the kubeconfig field', async () => {
  await admin.getByTestId('join-cluster').click();
  await admin.getByTestId('cluster-name').fill('e2e-garbage');
  await admin.getByTestId('connection-direct').check();
  await admin.getByTestId('cluster-kubeconfig').fill('this: is: not a kubeconfig');
  await admin.getByTestId('cluster-join-submit').click();
  await expect(admin.getByTestId('cluster-kubeconfig-error')).toBeVisible();
  await expect(admin.getByTestId('cluster-join')).toBeVisible();
  await admin.getByTestId('cluster-join').getByRole('button', { name: 'Cancel' }).click();
  await expect(rowOf(admin, 'e2e-garbage')).toHaveCount(0);
});

test('the Agent cluster is removed and leaves the list', async () => {
  test.setTimeout(120_000);
  await rowAction(admin, edge, 'Remove');
  await admin.getByTestId('confirm-name').fill(edge);
  await admin.getByTestId('confirm').click();
  await expect(rowOf(admin, edge)).toHaveCount(0, { timeout: 90_000 });
});
