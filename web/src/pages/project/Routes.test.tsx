import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor } from '@testing-library/react';
import { MemoryRouter, Route as RouterRoute, Routes } from 'react-router';
import { ClusterProvider } from '../../api/cluster';
import type { Action } from '../../api/access';
import type { EffectivePolicy, IngressClassInfo, Route } from '../../api/gateway';
import '../../i18n';
import { ToastProvider } from '../../components/Toast';
import RoutesPage from './Routes';

vi.setConfig({ testTimeout: 30_000 });

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));
const prefix = '/kapis/gateway.superkube.io/v1alpha1/namespaces/dev';

const shop: Route = {
  apiVersion: 'gateway.superkube.io/v1alpha1',
  kind: 'Route',
  metadata: { name: 'shop', namespace: 'dev' },
  type: 'Ingress',
  ingressClassName: 'internal',
  hosts: ['shop.example.com'],
  paths: [{ host: 'shop.example.com', path: '/', pathType: 'Prefix', backends: [{ kind: 'Service', service: 'web', port: '80' }] }],
  tls: [],
  backends: [
    { kind: 'Service', service: 'web', port: '80', ready: 2, total: 3, state: 'Degraded', message: '2 of 3 endpoints are ready' },
    { kind: 'Service', service: 'gone', port: '80', ready: 0, total: 0, state: 'ServiceMissing' },
  ],
};

const classes: IngressClassInfo[] = [
  { metadata: { name: 'internal' }, controller: 'x', default: false, allowed: true },
  { metadata: { name: 'public' }, controller: 'x', default: true, allowed: false },
];
const policy: EffectivePolicy = { workspace: 'ws', namespace: 'dev', workspacePolicy: { ingressClassNames: ['internal'] }, effective: { ingressClassNames: ['internal'] } };

interface Call {
  url: string;
  method: string;
  body?: unknown;
}

function backend(opts: { allow?: (a: Action) => boolean; write?: (c: Call) => Promise<Response>; httpRoutes?: boolean; routes?: Route[] }) {
  const calls: Call[] = [];
  const allow = opts.allow ?? (() => true);
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string, init?: RequestInit) => {
      const body = init?.body ? (JSON.parse(init.body as string) as unknown) : undefined;
      const call = { url, method: init?.method ?? 'GET', body };
      calls.push(call);
      if (url.includes('subjectaccessreviews')) {
        const list = (body as { spec: { resourceAttributesList: Action[] } }).spec.resourceAttributesList;
        return json({ status: { allowed: true, results: list.map((a) => ({ allowed: allow(a) })) } }, 201);
      }
      if (call.method !== 'GET') return opts.write ? opts.write(call) : json(shop, 201);
      if (url.includes(`${prefix}/routes`)) return json({ items: opts.routes ?? [shop], totalItems: (opts.routes ?? [shop]).length });
      if (url.includes(`${prefix}/ingressclasses`)) return json({ items: classes, totalItems: classes.length });
      if (url.includes(`${prefix}/gatewaypolicy`)) return json({ ...policy, effective: { ...policy.effective, gateways: ['infra/shared'] }, httpRoutes: opts.httpRoutes });
      if (url.endsWith('/apis/gateway.networking.k8s.io/v1/namespaces/dev/gateways')) return json({ items: [{ metadata: { name: 'gw' } }] });
      if (url.endsWith('/api/v1/namespaces/dev/services'))
        return json({
          items: [
            { metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 80 }] } },
            { metadata: { name: 'canary' }, spec: { ports: [{ port: 8080 }] } },
          ],
        });
      return json({ kind: 'Status', code: 404 }, 404);
    }),
  );
  return calls;
}

function page() {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <ClusterProvider cluster="host">
        <MemoryRouter initialEntries={['/projects/dev/routes']}>
          <ToastProvider>
            <Routes>
              <RouterRoute path="/projects/:namespace/routes" element={<RoutesPage />} />
            </Routes>
          </ToastProvider>
        </MemoryRouter>
      </ClusterProvider>
    </QueryClientProvider>,
  );
}

function el<T extends Element = HTMLElement>(test: string): T {
  const e = document.querySelector<T>(`[data-test="${test}"]`);
  if (!e) throw new Error(`no ${test}`);
  return e;
}
const find = <T extends Element = HTMLElement>(test: string) => waitFor(() => el<T>(test));
const type = (test: string, value: string) => fireEvent.change(el<HTMLInputElement>(test), { target: { value } });

describe('the project’s routes page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lists the routes with each backend’s readiness and the classes the project may use', async () => {
    backend({});
    page();
    const web = await find('backend-web-80');
    expect(web.textContent).toContain('web:80 2/3 ready');
    expect(web.getAttribute('data-state')).toBe('Degraded');
    expect(el('backend-gone-80').textContent).toContain('service missing');
    expect((await find('class-internal')).textContent).toBe('internal');
    expect(document.querySelector('[data-test="class-public"]')).toBeNull();
    expect(el('route-create')).toBeTruthy();
  });

  it('offers viewers no changes', async () => {
    backend({ allow: (a) => a.verb === 'list' });
    page();
    await find('backend-web-80');
    expect(document.querySelector('[data-test="route-create"]')).toBeNull();
    expect(document.querySelector('[data-test="route-edit-shop"]')).toBeNull();
    expect(el('route-yaml-shop').textContent).toBe('View YAML');
    expect(document.querySelector('[data-test="classes-narrow"]')).toBeNull();
  });

  it('creates an Ingress from the form through the gateway API, with the project’s services and allowed classes', async () => {
    const calls = backend({});
    page();
    fireEvent.click(await find('route-create'));
    await find('route-form');
    await waitFor(() => expect(el<HTMLSelectElement>('rule-0-path-0-service').options.length).toBe(3));
    // Only the allowed class is offered, besides the default.
    expect([...el<HTMLSelectElement>('route-class').options].map((o) => o.value)).toEqual(['', 'internal']);
    type('route-name', 'Bad_Name');
    expect(el('route-name-error').textContent).toContain('Lowercase letters, digits, - and . only.');
    expect(el<HTMLButtonElement>('route-form-submit').disabled).toBe(true);
    type('route-name', 'new');
    fireEvent.change(el('route-class'), { target: { value: 'internal' } });
    type('rule-0-host', 'new.example.com');
    fireEvent.change(el('rule-0-path-0-service'), { target: { value: 'web' } });
    fireEvent.change(el('rule-0-path-0-port'), { target: { value: '80' } });
    fireEvent.click(el('route-add-tls'));
    type('tls-0-secret', 'new-tls');
    type('tls-0-hosts', 'new.example.com');
    fireEvent.click(el('route-form-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.endsWith(`${prefix}/ingresses`))).toBe(true));
    const post = calls.find((c) => c.method === 'POST' && c.url.endsWith(`${prefix}/ingresses`));
    expect(post?.body).toEqual({
      name: 'new',
      ingressClassName: 'internal',
      rules: [{ host: 'new.example.com', paths: [{ path: '/', pathType: 'Prefix', service: 'web', port: '80' }] }],
      tls: [{ secretName: 'new-tls', hosts: ['new.example.com'] }],
    });
  });

  it('shows the server’s objection on the field it names', async () => {
    backend({
      write: () =>
        json(
          {
            kind: 'Status',
            status: 'Failure',
            code: 422,
            reason: 'Invalid',
            message: 'Ingress "new" is invalid: spec.tls[0].secretName: Not found: "missing"',
            details: { name: 'new', kind: 'Ingress', causes: [{ field: 'spec.tls[0].secretName', reason: 'FieldValueNotFound', message: 'Not found: "missing"' }] },
          },
          422,
        ),
    });
    page();
    fireEvent.click(await find('route-create'));
    await find('route-form');
    await waitFor(() => expect(el<HTMLSelectElement>('rule-0-path-0-service').options.length).toBe(3));
    type('route-name', 'new');
    fireEvent.change(el('rule-0-path-0-service'), { target: { value: 'web' } });
    fireEvent.change(el('rule-0-path-0-port'), { target: { value: '80' } });
    fireEvent.click(el('route-add-tls'));
    type('tls-0-secret', 'missing');
    fireEvent.click(el('route-form-submit'));
    const err = await find('tls-0-secret-error');
    expect(err.textContent).toContain('Nothing of this name exists.');
  });
  it('offers only the Ingress form where the cluster does not serve HTTPRoutes', async () => {
    backend({ httpRoutes: false });
    page();
    fireEvent.click(await find('route-create'));
    await find('route-form');
    expect(document.querySelector('[data-test="route-type-httproute"]')).toBeNull();
  });

  it('shows kube-apiserver’s refusal of a class at the class field', async () => {
    backend({
      write: () =>
        json(
          {
            kind: 'Status',
            status: 'Failure',
            code: 403,
            reason: 'Forbidden',
            message:
              'ingresses.networking.k8s.io "new" is forbidden: ValidatingAdmissionPolicy \'superkube-gateway-workspace\' with binding \'superkube-gateway-ws-ws\' denied request: spec.ingressClassName: IngressClass "public" is not allowed in workspace ws; allowed: internal',
            details: { causes: [{ message: 'x' }, { field: 'spec.ingressClassName', reason: 'FieldValueForbidden', message: 'IngressClass "public" is not allowed in workspace ws; allowed: internal' }] },
          },
          403,
        ),
    });
    page();
    fireEvent.click(await find('route-create'));
    await find('route-form');
    await waitFor(() => expect(el<HTMLSelectElement>('rule-0-path-0-service').options.length).toBe(3));
    type('route-name', 'new');
    fireEvent.change(el('rule-0-path-0-service'), { target: { value: 'web' } });
    fireEvent.change(el('rule-0-path-0-port'), { target: { value: '80' } });
    fireEvent.click(el('route-form-submit'));
    const err = await find('route-class-error');
    expect(err.textContent).toContain('IngressClass "public" is not allowed in this project; allowed: internal.');
    expect(document.body.textContent).toContain('A policy of the cluster refused the marked fields.');
  });

  it('creates an HTTPRoute from its form, with the Gateways the project may use and weighted backends', async () => {
    const calls = backend({ httpRoutes: true });
    page();
    fireEvent.click(await find('route-create'));
    fireEvent.click(await find('route-type-httproute'));
    await find('httproute-form');
    expect(el('httproute-tls-note').textContent).toContain('TLS is set on the Gateway’s listener');
    await waitFor(() => expect([...el<HTMLSelectElement>('httproute-gateway-0').options].map((o) => o.value)).toEqual(['', 'gw', 'infra/shared']));
    await waitFor(() => expect(el<HTMLSelectElement>('hr-0-backend-0-service').options.length).toBe(3));
    type('httproute-name', 'api');
    fireEvent.change(el('httproute-gateway-0'), { target: { value: 'gw' } });
    type('httproute-hostnames', 'api.example.com, 10.0.0.1');
    expect(el('httproute-hostnames-error').textContent).toContain('A DNS name');
    type('httproute-hostnames', 'api.example.com');
    type('hr-0-path', '/v1');
    fireEvent.change(el('hr-0-type'), { target: { value: 'Exact' } });
    fireEvent.change(el('hr-0-backend-0-service'), { target: { value: 'web' } });
    fireEvent.change(el('hr-0-backend-0-port'), { target: { value: '80' } });
    type('hr-0-backend-0-weight', '90');
    fireEvent.click(el('hr-0-add-backend'));
    fireEvent.change(el('hr-0-backend-1-service'), { target: { value: 'canary' } });
    fireEvent.change(el('hr-0-backend-1-port'), { target: { value: '8080' } });
    type('hr-0-backend-1-weight', 'ten');
    expect(el('hr-0-backend-1-weight-error').textContent).toContain('A whole number');
    expect(el<HTMLButtonElement>('httproute-form-submit').disabled).toBe(true);
    type('hr-0-backend-1-weight', '10');
    fireEvent.click(el('httproute-form-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.endsWith(`${prefix}/httproutes`))).toBe(true));
    expect(calls.find((c) => c.method === 'POST' && c.url.endsWith(`${prefix}/httproutes`))?.body).toEqual({
      name: 'api',
      parentRefs: ['gw'],
      hostnames: ['api.example.com'],
      rules: [
        {
          path: '/v1',
          pathType: 'Exact',
          backends: [
            { service: 'web', port: '80', weight: 90 },
            { service: 'canary', port: '8080', weight: 10 },
          ],
        },
      ],
    });
  });

  it('shows a Gateway the workspace does not allow at the Gateway field, and edits an HTTPRoute with its form', async () => {
    const hr: Route = {
      metadata: { name: 'api', namespace: 'dev' },
      type: 'HTTPRoute',
      parentRefs: ['dev/gw'],
      hosts: [],
      paths: [{ path: '/', pathType: 'PathPrefix', backends: [{ kind: 'Service', service: 'web', port: '80' }] }],
      tls: [],
      backends: [{ kind: 'Service', service: 'web', port: '80', ready: 1, total: 1, state: 'Ready' }],
    };
    const calls = backend({
      httpRoutes: true,
      routes: [hr],
      write: () =>
        json(
          {
            kind: 'Status',
            status: 'Failure',
            code: 403,
            reason: 'Forbidden',
            message: 'httproutes.gateway.networking.k8s.io "api" is forbidden: ValidatingAdmissionPolicy ... denied request: spec.parentRefs: ...',
            details: {
              causes: [
                {
                  field: 'spec.parentRefs',
                  reason: 'FieldValueForbidden',
                  message: 'HTTPRoute may attach only to Gateways of its own namespace and to infra/shared in workspace ws; it names Gateway infra/other',
                },
              ],
            },
          },
          403,
        ),
    });
    page();
    expect((await find('backend-web-80')).textContent).toContain('1/1 ready');
    fireEvent.click(el('route-edit-api'));
    await find('httproute-form');
    expect(document.querySelector('[data-test="route-type-ingress"]')).toBeNull();
    expect(el<HTMLInputElement>('httproute-name').disabled).toBe(true);
    await waitFor(() => expect(el<HTMLSelectElement>('hr-0-backend-0-service').value).toBe('web'));
    expect(el<HTMLSelectElement>('httproute-gateway-0').value).toBe('gw');
    fireEvent.click(el('httproute-form-submit'));
    const err = await find('httproute-gateway-0-error');
    expect(err.textContent).toContain('A route may attach only to this project’s own Gateways and to infra/shared; this one names Gateway infra/other.');
    expect(calls.find((c) => c.method === 'PUT')?.url).toContain(`${prefix}/httproutes/api`);
  });
});
