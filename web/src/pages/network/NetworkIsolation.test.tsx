import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import type { Action } from '../../api/access';
import type { NetworkIsolation, NetworkPolicy } from '../../api/network';
import type { Workspace } from '../../api/types';
import '../../i18n';
import { ToastProvider } from '../../components/Toast';
import { NetworkIsolationCard } from '../workspace/NetworkIsolationCard';
import NetworkIsolationPage from './NetworkIsolation';

vi.setConfig({ testTimeout: 30_000 });

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

const isoPath = '/apis/network.superkube.io/v1alpha1/namespaces/shop/networkisolations';
const policiesPath = '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies';
const wsPath = '/kapis/tenant.superkube.io/v1beta1/workspaces/ws-a';

const isolated: NetworkIsolation = {
  apiVersion: 'network.superkube.io/v1alpha1',
  kind: 'NetworkIsolation',
  metadata: { name: 'default', namespace: 'shop', resourceVersion: '7' },
  spec: { enabled: true, allowedSources: [{ namespaces: ['partner'], ports: [{ protocol: 'TCP', port: 8080 }] }] },
  status: { isolation: 'Project', policy: 'superkube-project-isolation', conditions: [{ type: 'Ready', status: 'True', reason: 'Enforced' }] },
};
const policy: NetworkPolicy = {
  metadata: { name: 'superkube-project-isolation', namespace: 'shop', labels: { 'network.superkube.io/isolation': 'Project' } },
  spec: {
    podSelector: {},
    ingress: [
      { from: [{ podSelector: {} }] },
      { from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['partner'] }] } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ],
  },
};

interface Call {
  url: string;
  method: string;
  body?: unknown;
}

function backend(opts: { iso?: NetworkIsolation | null; workspace?: Workspace; allow?: (a: Action) => boolean; write?: (c: Call) => Promise<Response> }) {
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
      if (call.method !== 'GET') return opts.write ? opts.write(call) : json(body ?? {}, call.method === 'POST' ? 201 : 200);
      if (url === `${isoPath}/default`) return opts.iso ? json(opts.iso) : json({ kind: 'Status', code: 404, reason: 'NotFound' }, 404);
      if (url.startsWith(policiesPath)) return json({ items: opts.iso?.spec.enabled ? [policy] : [] });
      if (url === wsPath && opts.workspace) return json(opts.workspace);
      return json({ kind: 'Status', code: 404 }, 404);
    }),
  );
  return calls;
}

function page() {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={['/projects/shop/network-isolation']}>
        <ToastProvider>
          <Routes>
            <Route path="/projects/:namespace/network-isolation" element={<NetworkIsolationPage />} />
          </Routes>
        </ToastProvider>
      </MemoryRouter>
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
const writes = (calls: Call[]) => calls.filter((c) => c.method !== 'GET' && !c.url.includes('subjectaccessreviews'));

describe('a project’s Network isolation page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows a project without a NetworkIsolation as not isolated, and creates one when the switch is turned on', async () => {
    const calls = backend({ iso: null });
    page();
    expect((await find('isolation-state')).getAttribute('data-state')).toBe('none');
    expect(el('sources-none')).toBeTruthy();
    expect(document.querySelector('[data-test="isolation-yaml"]')).toBeNull();
    fireEvent.click(el('isolation-switch'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect(writes(calls)[0]).toEqual({
      url: isoPath,
      method: 'POST',
      body: { apiVersion: 'network.superkube.io/v1alpha1', kind: 'NetworkIsolation', metadata: { name: 'default', namespace: 'shop' }, spec: { enabled: true } },
    });
    expect((await find('toast')).textContent).toContain('Network isolation is on.');
  });

  it('shows the allowed sources and the generated policy in words, and turns isolation off with a patch of spec.enabled alone', async () => {
    const calls = backend({ iso: isolated });
    page();
    expect((await find('isolation-state')).getAttribute('data-state')).toBe('project');
    expect(el('source-0').textContent).toContain('namespaces partner');
    expect(el('source-0').textContent).toContain('8080/TCP');
    const rules = (await find('policy-superkube-project-isolation')).textContent;
    expect(rules).toContain('From pods of this project to every port');
    expect(rules).toContain('From namespaces with kubernetes.io/metadata.name In (partner) to 8080/TCP');
    fireEvent.click(el('isolation-switch'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    // A status written by the controller since the read must not make the switch a conflict:
    // it writes spec.enabled only, without the resourceVersion.
    const patch = writes(calls)[0];
    expect(patch.method).toBe('PATCH');
    expect(patch.url).toBe(`${isoPath}/default`);
    expect(patch.body).toEqual({ spec: { enabled: false } });
  });

  it('checks CIDRs, excepts and ports in the browser before anything is sent', async () => {
    const calls = backend({ iso: isolated });
    page();
    fireEvent.click(await find('sources-edit'));
    fireEvent.click(el('source-add'));
    fireEvent.click(el('source-1-cidr-add'));
    type('source-1-cidr-0', '10.0.0.0/33');
    expect(el('source-1-cidr-0-error').textContent).toContain('Enter a CIDR such as 10.0.0.0/8 or fd00::/8.');
    type('source-1-cidr-0', '10.0.0.0/8');
    type('source-1-except-0', '192.168.0.0/16');
    expect(el('source-1-except-0-error').textContent).toContain('Every except entry must lie inside the CIDR.');
    type('source-1-except-0', '10.1.0.0/16');
    fireEvent.click(el('source-1-port-add'));
    type('source-1-port-0', '0');
    expect(el('source-1-port-0-error').textContent).toContain('Enter a port number from 1 to 65535.');
    expect(el<HTMLButtonElement>('sources-save').disabled).toBe(true);
    type('source-1-port-0', '443');
    fireEvent.change(el('source-1-protocol-0'), { target: { value: 'UDP' } });
    fireEvent.click(el('sources-save'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect((writes(calls)[0].body as NetworkIsolation).spec).toEqual({
      enabled: true,
      allowedSources: [isolated.spec.allowedSources![0], { cidrs: [{ cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }], ports: [{ protocol: 'UDP', port: 443 }] }],
    });
  });

  it('shows the server’s refusal on the field it names, until the field is edited', async () => {
    backend({
      iso: isolated,
      write: () =>
        json(
          {
            kind: 'Status',
            code: 422,
            reason: 'Invalid',
            message: 'NetworkIsolation.network.superkube.io "default" is invalid: spec.allowedSources[1].cidrs[0].except: Invalid value: "array": every except entry must lie inside cidr',
            details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.allowedSources[1].cidrs[0].except', message: 'Invalid value: "array": every except entry must lie inside cidr' }] },
          },
          422,
        ),
    });
    page();
    fireEvent.click(await find('sources-edit'));
    fireEvent.click(el('source-add'));
    fireEvent.click(el('source-1-cidr-add'));
    type('source-1-cidr-0', 'fd00::/8');
    type('source-1-except-0', 'fe00::/16');
    fireEvent.click(el('sources-save'));
    await waitFor(() => expect(el('source-1-except-0-error').textContent).toContain('Every except entry must lie inside the CIDR.'));
    expect(el('error').getAttribute('data-kind')).toBe('invalid');
    // An edit answers the objection: it is not shown over the new value.
    type('source-1-except-0', 'fd00:1::/32');
    expect(document.querySelector('[data-test="source-1-except-0-error"]')).toBeNull();
    expect(document.querySelector('[data-test="error"]')).toBeNull();
  });

  it('shows readers the state and the sources but no switch and no editor', async () => {
    backend({ iso: isolated, allow: (a) => a.verb === 'list' || a.verb === 'get' });
    page();
    await find('source-0');
    expect(document.querySelector('[data-test="isolation-switch"]')).toBeNull();
    expect(document.querySelector('[data-test="sources-edit"]')).toBeNull();
    expect(el('isolation-yaml-toggle').textContent).toBe('View YAML');
  });
});

describe('a workspace’s network isolation switch', () => {
  afterEach(() => vi.unstubAllGlobals());

  const workspace: Workspace = { metadata: { name: 'ws-a', resourceVersion: '3' }, spec: { manager: 'alice' } };

  function card() {
    return render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <ToastProvider>
          <NetworkIsolationCard workspace="ws-a" />
        </ToastProvider>
      </QueryClientProvider>,
    );
  }

  it('sets spec.networkIsolation on the workspace read, for who may update it', async () => {
    const calls = backend({ workspace });
    card();
    fireEvent.click(await find('workspace-isolation-switch'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect(writes(calls)[0]).toEqual({ url: wsPath, method: 'PUT', body: { metadata: { name: 'ws-a', resourceVersion: '3' }, spec: { manager: 'alice', networkIsolation: true } } });
  });

  it('shows the state without a switch to the others', async () => {
    backend({ workspace: { ...workspace, spec: { networkIsolation: true } }, allow: (a) => a.verb !== 'update' });
    card();
    expect((await find('workspace-isolation-state')).textContent).toBe('Isolated');
    expect(document.querySelector('[data-test="workspace-isolation-switch"]')).toBeNull();
  });
});
