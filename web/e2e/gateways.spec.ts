import { expect, test, type Page } from '@playwright/test';
import { accessible, csrf, ensure, loginAdmin, shot } from './pages';
import { stack } from './stack';

// The console part of issue 19, gateways and routes: the platform
// administrator allows a workspace only one IngressClass on its Gateways
// page; in a project of it, an Ingress created from the route form with the
// cluster's default class is refused by kube-apiserver's admission policy,
// whose message shows at the class field; with the allowed class it is
// created and its backend, a Service of a Deployment whose (simulated) pods
// are ready, shows ready in the list; an HTTPRoute created from its form
// attaches to the project's Gateway and shows the same backend ready.
test.describe.configure({ mode: 'serial' });

const ws = 'gw-ws';
const project = 'gw-proj';
const allowedClass = 'gw-internal';
const defaultClass = 'sample-nginx';
const gateway = 'gw-gateway';
const app = 'gw-web';

let admin: Page;

test.beforeAll(async ({ browser }) => {
  const s = stack();
  admin = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await loginAdmin(admin, s.consoleURL, s.adminPassword);
  await ensure(admin, s.consoleURL, '/kapis/tenant.superkube.io/v1beta1/workspaces', { metadata: { name: ws }, spec: {} });
  await ensure(admin, s.consoleURL, `/kapis/tenant.superkube.io/v1beta1/workspaces/${ws}/namespaces`, { metadata: { name: project } });
  // A second IngressClass besides ke-dev's default sample-nginx.
  await ensure(admin, s.consoleURL, '/apis/networking.k8s.io/v1/ingressclasses', { metadata: { name: allowedClass }, spec: { controller: 'example.com/internal' } });
  // Two replicas behind a Service (KWOK makes the pods ready; kube-controller-manager writes the EndpointSlices).
  await ensure(admin, s.consoleURL, `/apis/apps/v1/namespaces/${project}/deployments`, {
    metadata: { name: app },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] } },
    },
  });
  await ensure(admin, s.consoleURL, `/api/v1/namespaces/${project}/services`, {
    metadata: { name: app },
    spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  // The project's own Gateway (no Gateway API implementation runs here: it is stored and checked, not served).
  await ensure(admin, s.consoleURL, `/apis/gateway.networking.k8s.io/v1/namespaces/${project}/gateways`, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: gateway },
    spec: { gatewayClassName: 'gw-class', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  });
});

test('the platform administrator allows the workspace only one IngressClass on its Gateways page', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/workspaces/${ws}/gateways`);
  await expect(admin.getByTestId('ws-classes-scope')).toHaveText('The projects of this workspace may use every IngressClass of the cluster.');
  await expect(admin.getByTestId(`ws-class-${defaultClass}`)).toBeVisible();
  await admin.getByTestId('ws-classes-edit').click();
  await admin.getByTestId('ws-restricted').check();
  const boxes = admin.locator('[data-test^="ws-class-box-"]');
  await expect(boxes.first()).toBeVisible();
  for (const box of await boxes.all()) {
    const name = (await box.getAttribute('data-test'))!.replace('ws-class-box-', '');
    if (name === allowedClass) await box.check();
    else await box.uncheck();
  }
  await admin.getByTestId('ws-classes-form-submit').click();
  await expect(admin.getByTestId('ws-classes-form')).toBeHidden();
  await expect(admin.getByTestId(`ws-class-${allowedClass}`)).toBeVisible();
  await expect(admin.getByTestId(`ws-class-${defaultClass}`)).toBeHidden();
  await expect(admin.getByTestId('ws-classes-scope')).toContainText('may use only these classes');
  await shot(admin, 'gateways-workspace-classes');
  await accessible(admin, 'the workspace’s Gateways page');
  // kube-apiserver loads the new policy binding within a second or so: wait until it refuses a classless Ingress.
  await expect
    .poll(
      async () => {
        const r = await admin.request.fetch(`${s.consoleURL}/apis/networking.k8s.io/v1/namespaces/${project}/ingresses?dryRun=All`, {
          method: 'POST',
          headers: { 'X-CSRF-Token': await csrf(admin), 'Content-Type': 'application/json' },
          data: JSON.stringify({ metadata: { name: 'probe' }, spec: { defaultBackend: { service: { name: app, port: { number: 80 } } } } }),
        });
        return r.status();
      },
      { timeout: 60_000 },
    )
    .toBe(403);
});

test('an Ingress from the form: the default class refused at the field, the allowed class accepted, its backend ready', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/routes`);
  await expect(admin.getByTestId(`class-${allowedClass}`)).toBeVisible();
  await expect(admin.getByTestId(`class-${defaultClass}`)).toBeHidden();
  await admin.getByTestId('route-create').click();
  await expect(admin.getByTestId('route-form')).toBeVisible();
  await expect(admin.getByTestId('route-type-ingress')).toBeChecked();
  await admin.getByTestId('route-name').fill('shop');
  await admin.getByTestId('rule-0-host').fill('shop.example.com');
  await admin.getByTestId('rule-0-path-0-path').fill('/');
  await admin.getByTestId('rule-0-path-0-service').selectOption(app);
  await admin.getByTestId('rule-0-path-0-port').selectOption('80');
  // The class left to the cluster's default, which the workspace does not allow.
  await expect(admin.getByTestId('route-class')).toHaveValue('');
  await admin.getByTestId('route-form-submit').click();
  await expect(admin.getByTestId('route-class-error')).toContainText(`IngressClass "${defaultClass}" is not allowed in this project; allowed: ${allowedClass}.`);
  await expect(admin.getByTestId('route-form')).toContainText('A policy of the cluster refused the marked fields.');
  await shot(admin, 'gateways-class-refused');
  await admin.getByTestId('route-class').selectOption(allowedClass);
  await admin.getByTestId('route-form-submit').click();
  await expect(admin.getByTestId('route-form')).toBeHidden();
  const row = admin.getByTestId('route-shop');
  await expect(row).toContainText('Ingress');
  await expect(row).toContainText(allowedClass);
  await expect(row).toContainText('shop.example.com');
  // The list is read again every 15 seconds: the pods become ready and their endpoints are counted.
  const backend = row.getByTestId(`backend-${app}-80`);
  await expect(backend).toHaveAttribute('data-state', 'Ready', { timeout: 90_000 });
  await expect(backend).toHaveText(`${app}:80 2/2 ready`);
});

test('an HTTPRoute from its form attaches to the project’s Gateway and shows its backend ready', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/routes`);
  await admin.getByTestId('route-create').click();
  await admin.getByTestId('route-type-httproute').check();
  const form = admin.getByTestId('httproute-form');
  await expect(form).toBeVisible();
  await expect(admin.getByTestId('httproute-tls-note')).toContainText('TLS is set on the Gateway’s listener');
  await admin.getByTestId('httproute-name').fill('api');
  await admin.getByTestId('httproute-gateway-0').selectOption(gateway);
  await admin.getByTestId('httproute-hostnames').fill('api.example.com');
  await admin.getByTestId('hr-0-path').fill('/api');
  await admin.getByTestId('hr-0-type').selectOption('PathPrefix');
  await admin.getByTestId('hr-0-backend-0-service').selectOption(app);
  await admin.getByTestId('hr-0-backend-0-port').selectOption('80');
  await admin.getByTestId('hr-0-backend-0-weight').fill('abc');
  await expect(admin.getByTestId('hr-0-backend-0-weight-error')).toContainText('A whole number from 0 to 1000000.');
  await expect(admin.getByTestId('httproute-form-submit')).toBeDisabled();
  await admin.getByTestId('hr-0-backend-0-weight').fill('100');
  await shot(admin, 'gateways-httproute-form');
  await accessible(admin, 'the HTTPRoute form');
  await admin.getByTestId('httproute-form-submit').click();
  await expect(form).toBeHidden();
  const row = admin.getByTestId('route-api');
  await expect(row).toContainText('HTTPRoute');
  await expect(row).toContainText(`${project}/${gateway}`);
  await expect(row).toContainText('api.example.com');
  const backend = row.getByTestId(`backend-${app}-80`);
  await expect(backend).toHaveAttribute('data-state', 'Ready', { timeout: 90_000 });
  await expect(backend).toHaveText(`${app}:80 2/2 ready`);
  await accessible(admin, 'the routes with their backends’ readiness');
  // Edited from the same form: the path changes, the route stays attached.
  await row.getByTestId('route-edit-api').click();
  await expect(form).toBeVisible();
  await expect(admin.getByTestId('httproute-name')).toBeDisabled();
  await expect(admin.getByTestId('hr-0-backend-0-weight')).toHaveValue('100');
  await admin.getByTestId('hr-0-path').fill('/v2');
  await admin.getByTestId('httproute-form-submit').click();
  await expect(form).toBeHidden();
  const hr = (await (await admin.request.get(`${s.consoleURL}/apis/gateway.networking.k8s.io/v1/namespaces/${project}/httproutes/api`)).json()) as {
    spec: { rules: { matches: { path: { value: string } }[] }[] };
  };
  expect(hr.spec.rules[0].matches[0].path.value).toBe('/v2');
  await shot(admin, 'gateways-routes');
});
