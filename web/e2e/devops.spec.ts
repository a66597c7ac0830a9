import { expect, test, type Browser, type Page } from '@playwright/test';
import { accessible, call, csrf, ensure, loginAdmin, rowOf, shot } from './pages';
import { stack } from './stack';

// The DevOps story, against the real stack (docs/devops.md): the
// administrator makes a DevOps project in a workspace, a credential whose
// value is never shown again, and a pipeline of two stages in the
// graphical editor, whose YAML view shows them; runs it and watches both
// stages turn Succeeded and a step's log show its output; then a pipeline
// whose input step waits is approved from the run page and succeeds.
test.describe.configure({ mode: 'serial' });

const ws = 'devops-ws';
const dp = 'devops-e2e';
const secretValue = 'e2e-S3cret-never-shown';
const P = '/kapis/devops.superkube.io/v1alpha3';

let admin: Page;

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ locale: 'en-US' });
  return ctx.newPage();
}

/** status is an API answer's HTTP status. */
async function status(page: Page, method: 'GET' | 'DELETE', path: string): Promise<number> {
  const r = await page.request.fetch(stack().consoleURL + path, { method, headers: { 'X-CSRF-Token': await csrf(page) } });
  return r.status();
}

test.beforeAll(async ({ browser }) => {
  const s = stack();
  admin = await newPage(browser);
  await loginAdmin(admin, s.consoleURL, s.adminPassword);
  await ensure(admin, s.consoleURL, '/kapis/tenant.superkube.io/v1beta1/workspaces', { metadata: { name: ws }, spec: {} });
  // What an earlier run of this stack left starts the story again.
  if ((await status(admin, 'DELETE', `${P}/devopsprojects/${dp}`)) < 300) {
    await expect.poll(() => status(admin, 'GET', `${P}/devopsprojects/${dp}`), { timeout: 180_000 }).toBe(404);
    await expect.poll(() => status(admin, 'GET', `/api/v1/namespaces/${dp}`), { timeout: 180_000 }).toBe(404);
  }
});

test('the administrator creates a DevOps project from the workspace navigation', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/workspaces/${ws}/overview`);
  await admin.getByTestId('nav-devops').click();
  await expect(admin.getByTestId('page-title')).toHaveText('DevOps projects');
  await admin.getByTestId('create-devops-project').click();
  await admin.getByTestId('devops-project-name').fill(dp);
  await admin.getByTestId('devops-project-description').fill('The e2e story of the DevOps console');
  await admin.getByTestId('devops-project-create-submit').click();
  await expect(admin.getByTestId('toast').first()).toContainText(dp);
  await expect(rowOf(admin, dp)).toContainText('The e2e story of the DevOps console');
  await accessible(admin, 'devops projects');
  await shot(admin, 'devops-projects');
  await rowOf(admin, dp).getByRole('link', { name: dp }).click();
  await expect(admin).toHaveURL(new RegExp(`/devops/${dp}/pipelines$`));
  // Its own navigation, once ke-controller-manager has made its namespace and roles.
  await expect(admin.getByTestId('nav-pipelines')).toBeVisible({ timeout: 60_000 });
  await expect(admin.getByTestId('nav-credentials')).toBeVisible();
  await expect(admin.getByTestId('nav-members')).toBeVisible();
});

test('a credential shows its type and keys, never its value', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/devops/${dp}/credentials`);
  await admin.getByTestId('create-credential').click();
  await admin.getByTestId('credential-name').fill('webhook-token');
  await admin.getByTestId('credential-type-select').selectOption('devops.superkube.io/secret-text');
  await admin.getByTestId('credential-secret').fill(secretValue);
  await expect(admin.getByTestId('credential-secret')).toHaveAttribute('type', 'password');
  await admin.getByTestId('credential-create-submit').click();
  const row = rowOf(admin, 'webhook-token');
  await expect(row.getByTestId('credential-type')).toHaveText('Secret text');
  await expect(row.getByTestId('credential-keys')).toContainText('secret');
  await expect(admin.locator('body')).not.toContainText(secretValue);
  // Nor does the API give it back, in the list or alone, as text or base64.
  for (const path of [`${P}/namespaces/${dp}/credentials`, `${P}/namespaces/${dp}/credentials/webhook-token`]) {
    const body = JSON.stringify(await call(admin, s.consoleURL, 'GET', path));
    expect(body).not.toContain(secretValue);
    expect(body).not.toContain(Buffer.from(secretValue).toString('base64'));
  }
  await admin.reload();
  await expect(rowOf(admin, 'webhook-token')).toBeVisible();
  await expect(admin.locator('body')).not.toContainText(secretValue);
  await accessible(admin, 'devops credentials');
});

test('a pipeline of two stages made in the graphical editor shows them in its YAML, runs, and a step log shows its output', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/devops/${dp}/pipelines`);
  await admin.getByTestId('create-pipeline').click();
  await admin.getByTestId('pipeline-name').fill('two-stages');
  await admin.getByTestId('pipeline-description').fill('Two stages from the graphical editor');
  // The first stage comes with a shell step: give it a script.
  const first = admin.getByTestId('stage-0');
  await first.getByTestId('stage-0-step-0').getByTestId('step-edit').click();
  await admin.getByTestId('step-script').fill('echo hello-from-build');
  await admin.getByTestId('step-form-close').click();
  // A second stage with a shell step of its own.
  await admin.getByTestId('add-stage').click();
  const second = admin.getByTestId('stage-1');
  await expect(second.getByTestId('stage-name')).toHaveText('stage-2');
  await second.getByTestId('stage-1-add-step').click();
  await second.getByTestId('stage-1-step-0').getByTestId('step-edit').click();
  await admin.getByTestId('step-name-input').fill('greet');
  await admin.getByTestId('step-script').fill('echo hello-from-stage-2');
  await admin.getByTestId('step-form-close').click();
  await accessible(admin, 'devops pipeline form');
  await shot(admin, 'devops-pipeline-graph');

  // The YAML view has both stages and both scripts.
  await admin.getByTestId('definition-view-yaml').click();
  const yaml = admin.getByTestId('yaml-editor');
  await expect(yaml).toContainText('name: Build');
  await expect(yaml).toContainText('echo hello-from-build');
  await expect(yaml).toContainText('name: stage-2');
  await expect(yaml).toContainText('name: greet');
  await expect(yaml).toContainText('echo hello-from-stage-2');
  await shot(admin, 'devops-pipeline-yaml');
  await admin.getByTestId('definition-view-graph').click();
  await expect(admin.getByTestId('stage-1').getByTestId('step-name')).toHaveText('greet');

  await admin.getByTestId('pipeline-save').click();
  await expect(admin).toHaveURL(new RegExp(`/devops/${dp}/pipelines/two-stages$`));
  const saved = (await call(admin, s.consoleURL, 'GET', `${P}/namespaces/${dp}/pipelines/two-stages`)) as { spec: { definition: { stages: { name: string }[] } } };
  expect(saved.spec.definition.stages.map((x) => x.name)).toEqual(['Build', 'stage-2']);

  // Run it: the run page shows both stages turn Succeeded.
  await admin.getByTestId('run-pipeline-open').click();
  await admin.getByTestId('run-pipeline-submit').click();
  await expect(admin).toHaveURL(new RegExp(`/devops/${dp}/runs/`));
  await expect(admin.getByTestId('run-stage-Build')).toHaveAttribute('data-phase', 'Succeeded', { timeout: 120_000 });
  await expect(admin.getByTestId('run-stage-stage-2')).toHaveAttribute('data-phase', 'Succeeded', { timeout: 120_000 });
  await expect(admin.getByTestId('run-phase')).toHaveAttribute('data-phase', 'Succeeded', { timeout: 60_000 });
  // A step's log: its output.
  await admin.getByTestId('run-step-stage-2/greet').click();
  await expect(admin.getByTestId('step-log-panel')).toHaveAttribute('data-step', 'stage-2/greet');
  await expect(admin.getByTestId('step-log')).toContainText('hello-from-stage-2');
  await admin.getByTestId('run-step-Build/build').click();
  await expect(admin.getByTestId('step-log')).toContainText('hello-from-build');
  await accessible(admin, 'devops run');
  await shot(admin, 'devops-run');

  // The pipeline's list shows its last run.
  await admin.getByTestId('nav-pipelines').click();
  await expect(rowOf(admin, 'two-stages').getByTestId('last-run-phase')).toHaveAttribute('data-phase', 'Succeeded');
});

test('a run waits at its input step until it is approved, then succeeds', async () => {
  const s = stack();
  await call(admin, s.consoleURL, 'POST', `${P}/namespaces/${dp}/pipelines`, {
    metadata: { name: 'with-approval' },
    spec: {
      parameters: [{ name: 'TARGET', choices: ['staging', 'production'] }],
      definition: {
        stages: [
          { name: 'build', steps: [{ name: 'build', environment: [{ name: 'TARGET', value: '${params.TARGET}' }], shell: { script: 'echo "built for $TARGET"' } }] },
          { name: 'approve', steps: [{ name: 'ok', input: { message: 'Ship it?' } }] },
          { name: 'ship', steps: [{ name: 'ship', shell: { script: 'echo shipped' } }] },
        ],
      },
    },
  });
  await admin.goto(`${s.consoleURL}/devops/${dp}/pipelines/with-approval`);
  await admin.getByTestId('run-pipeline-open').click();
  // A parameter with choices is a select.
  await admin.getByTestId('param-TARGET').selectOption('production');
  await admin.getByTestId('run-pipeline-submit').click();
  await expect(admin).toHaveURL(new RegExp(`/devops/${dp}/runs/`));
  const input = admin.getByTestId('input-approve/ok');
  await expect(input).toBeVisible({ timeout: 120_000 });
  await expect(input.getByTestId('input-question')).toHaveText('Ship it?');
  // The input step waits (the run itself stays Running meanwhile).
  await expect(admin.getByTestId('run-step-approve/ok')).toHaveAttribute('data-phase', 'Waiting');
  await expect(admin.getByTestId('run-stage-ship')).toHaveAttribute('data-phase', 'Pending');
  await accessible(admin, 'devops run waiting');
  await shot(admin, 'devops-run-waiting');
  await input.getByTestId('input-message').fill('Looks good');
  await input.getByTestId('input-approve').click();
  await expect(admin.getByTestId('run-phase')).toHaveAttribute('data-phase', 'Succeeded', { timeout: 120_000 });
  await expect(admin.getByTestId('run-stage-ship')).toHaveAttribute('data-phase', 'Succeeded');
  await admin.getByTestId('run-step-build/build').click();
  await expect(admin.getByTestId('step-log')).toContainText('built for production');
  await admin.getByTestId('tab-parameters').click();
  await expect(admin.getByTestId('approval')).toContainText('Approved by admin');
});
