import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import '../../i18n';
import type { Application, ApplicationVersion, Release, VersionFiles } from '../../api/appstore';
import AppDetail from './AppDetail';
import AppTemplates from './AppTemplates';
import DeployWizard from './DeployWizard';
import ReleaseDetail from './ReleaseDetail';
import Repositories from './Repositories';
import Reviews from './Reviews';

const P = '/kapis/application.superkube.io/v2';
const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

interface Call {
  url: string;
  method: string;
  body?: unknown;
  contentType?: string;
}

type Handler = (c: Call) => Promise<Response> | undefined;

/** backend answers as the REST contract of the app store says; access reviews allow what allowed says (everything by default). */
function backend(handle: Handler, allowed: (a: { verb: string; resource: string }) => boolean = () => true) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string, init?: RequestInit) => {
      const raw = init?.body;
      let body: unknown = raw;
      if (typeof raw === 'string') body = JSON.parse(raw) as unknown;
      const c: Call = { url, method: init?.method ?? 'GET', body, contentType: (init?.headers as Record<string, string> | undefined)?.['Content-Type'] };
      calls.push(c);
      if (url.includes('subjectaccessreviews')) {
        const list = (body as { spec: { resourceAttributesList: { verb: string; resource: string }[] } }).spec.resourceAttributesList;
        return json({ status: { allowed: true, results: list.map((a) => ({ allowed: allowed(a) })) } }, 201);
      }
      return handle(c) ?? json({ kind: 'Status', code: 404, reason: 'NotFound', message: `no ${url}` }, 404);
    }),
  );
  return calls;
}

function page(path: string, routes: { path: string; element: ReactNode }[]) {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          {routes.map((r) => (
            <Route key={r.path} path={r.path} element={r.element} />
          ))}
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

function el<T extends Element = HTMLInputElement>(test: string, root: ParentNode = document): T {
  const e = root.querySelector<T>(`[data-test="${test}"]`);
  if (!e) throw new Error(`no ${test}`);
  return e;
}

const found = <T extends Element = HTMLInputElement>(test: string) => waitFor(() => el<T>(test));

const app: Application = {
  metadata: { name: 'team-demo-web', uid: 'a1', labels: { 'superkube.io/workspace': 'team' }, creationTimestamp: '2026-12-05T00:00:00Z' },
  spec: { chartName: 'demo-web', displayName: 'demo-web', description: 'A small web server', icon: 'javascript:alert(1)' },
  status: { state: 'active', latestVersion: '1.1.0', latestActiveVersion: '1.0.0', versions: 2 },
};

function version(v: string, state: ApplicationVersion['spec']['state'], reviews: ApplicationVersion['spec']['reviews'] = []): ApplicationVersion {
  return {
    metadata: { name: `team-demo-web-${v}`, uid: v, labels: { 'superkube.io/workspace': 'team', 'application.superkube.io/app': 'team-demo-web' } },
    spec: { application: 'team-demo-web', version: v, appVersion: '1.27', source: { configMap: `appver-team-demo-web-${v}` }, state, reviews },
  };
}

afterEach(() => vi.unstubAllGlobals());

// Each story renders a page with PatternFly's tables and dialogs and goes through several answers:
// on a machine busy with the whole suite one takes more than Vitest's 5 s.
vi.setConfig({ testTimeout: 30_000 });

// jsdom lays nothing out; CodeMirror (the values' YAML editor) measures text ranges.
beforeAll(() => {
  const empty = () => ({ length: 0, item: () => null, [Symbol.iterator]: [][Symbol.iterator] }) as unknown as DOMRectList;
  Range.prototype.getClientRects = empty;
  Range.prototype.getBoundingClientRect = () => new DOMRect();
});

describe('the workspace’s app templates', () => {
  it('uploads a chart archive as it is, and opens the new version’s app', async () => {
    const calls = backend((c) => {
      if (c.url.startsWith(`${P}/apps?`) && c.method === 'GET') return json({ items: [app], totalItems: 1 });
      if (c.url === `${P}/workspaces/team/apps` && c.method === 'POST') return json(version('1.2.0', 'draft'), 201);
    });
    page('/workspaces/team/apps', [
      { path: '/workspaces/:workspace/apps', element: <AppTemplates /> },
      { path: '/workspaces/:workspace/apps/:app', element: <p data-test="app-page">app</p> },
    ]);
    await found('row-team-demo-web');
    expect(calls.some((c) => c.url.includes('workspace=team'))).toBe(true);
    // The icon is neither https nor a data: image: not shown.
    expect(el('row-team-demo-web').querySelector('img')).toBeNull();

    fireEvent.click(el('upload-chart'));
    const input = await found('chart-file');
    // Too large: refused before it is sent.
    fireEvent.change(input, { target: { files: [new File([new Uint8Array((1 << 20) + 1)], 'big.tgz')] } });
    expect(el('chart-file-error').textContent).toContain('the limit is 1024 KiB');
    expect(el<HTMLButtonElement>('upload-submit').disabled).toBe(true);

    const chart = new File([new Uint8Array([0x1f, 0x8b, 8, 0])], 'demo-web-1.2.0.tgz', { type: 'application/gzip' });
    fireEvent.change(input, { target: { files: [chart] } });
    fireEvent.click(el('upload-submit'));
    await found('app-page');
    const post = calls.find((c) => c.method === 'POST' && c.url.endsWith('/workspaces/team/apps'))!;
    expect(post.body).toBe(chart);
    expect(post.contentType).toBe('application/gzip');
  });

  it('shows an archive the server refuses with its reason', async () => {
    backend((c) => {
      if (c.url.startsWith(`${P}/apps?`)) return json({ items: [], totalItems: 0 });
      if (c.method === 'POST') return json({ kind: 'Status', code: 400, reason: 'BadRequest', message: 'not a chart: Chart.yaml is missing' }, 400);
    });
    page('/workspaces/team/apps', [{ path: '/workspaces/:workspace/apps', element: <AppTemplates /> }]);
    await found('empty');
    fireEvent.click(el('upload-chart'));
    fireEvent.change(await found('chart-file'), { target: { files: [new File(['x'], 'x.tgz')] } });
    fireEvent.click(el('upload-submit'));
    await waitFor(() => expect(el('error').textContent).toContain('Chart.yaml is missing'));
  });
});

describe('an app’s page', () => {
  it('offers each role its steps of the review workflow and shows the reviewers’ comments', async () => {
    const rejected = version('1.1.0', 'rejected', [
      { from: 'draft', to: 'submitted', user: 'dev', time: '2026-12-05T01:00:00Z' },
      { from: 'submitted', to: 'rejected', user: 'reviewer', time: '2026-12-05T02:00:00Z', message: 'The README says nothing.' },
    ]);
    const calls = backend(
      (c) => {
        if (c.url === `${P}/apps/team-demo-web`) return json(app);
        if (c.url.startsWith(`${P}/apps/team-demo-web/versions?`)) return json({ items: [rejected, version('1.0.0', 'active'), version('0.9.0', 'draft')], totalItems: 3 });
        if (c.url.endsWith('/files')) return json({ readme: '# demo-web\nA web server.', values: 'replicaCount: 1\n', schema: null, chart: { name: 'demo-web', version: '1.0.0' } } satisfies VersionFiles);
        if (c.url.endsWith('/versions/team-demo-web-0.9.0/action')) return json(version('0.9.0', 'submitted'));
      },
      // A developer of the workspace, not a reviewer.
      (a) => a.verb !== 'review',
    );
    page('/workspaces/team/apps/team-demo-web', [{ path: '/workspaces/:workspace/apps/:app', element: <AppDetail /> }]);
    // The version shown first is the one in the store, with its README.
    await waitFor(() => expect(el('readme').textContent).toContain('A web server.'));
    expect(el('version-state').getAttribute('data-state')).toBe('active');
    expect(el('deploy')).toBeTruthy();

    fireEvent.click(el('tab-versions').querySelector('button') ?? el('tab-versions'));
    const row = (v: string) => el<HTMLElement>(`version-${v}`);
    await waitFor(() => row('1.1.0'));
    expect(row('1.1.0').querySelector('[data-test="last-comment"]')?.textContent).toBe('reviewer: The README says nothing.');
    const buttons = (v: string) => [...row(v).querySelectorAll('[data-test^="action-"]')].map((b) => b.getAttribute('data-test'));
    expect(buttons('1.1.0')).toEqual(['action-draft']);
    expect(buttons('0.9.0')).toEqual(['action-submit']);
    expect(buttons('1.0.0')).toEqual([]);

    fireEvent.click(el('action-submit', row('0.9.0')));
    fireEvent.click(await found('version-action-confirm'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.endsWith('/versions/team-demo-web-0.9.0/action'))).toBe(true));
    expect(calls.find((c) => c.url.endsWith('/action'))!.body).toEqual({ action: 'submit' });
  });
});

describe('the reviewers’ queue', () => {
  it('lists submitted versions and rejects one only with a reason', async () => {
    const submitted = version('1.2.0', 'submitted', [{ from: 'draft', to: 'submitted', user: 'dev', time: '2026-12-05T01:00:00Z' }]);
    const calls = backend((c) => {
      if (c.url.startsWith(`${P}/reviews?`)) return json({ items: [submitted], totalItems: 1 });
      if (c.url.endsWith('/action')) return json(version('1.2.0', 'rejected'));
    });
    page('/platform/app-reviews', [{ path: '/platform/app-reviews', element: <Reviews /> }]);
    const row = await found<HTMLElement>('row-team-demo-web-1.2.0');
    expect(calls.some((c) => c.url.includes('state=submitted'))).toBe(true);
    expect(row.textContent).toContain('dev');
    expect(row.textContent).toContain('team');

    fireEvent.click(within(row).getByRole('button', { name: /kebab|actions/i }));
    fireEvent.click(await within(document.body).findByRole('menuitem', { name: 'Reject' }));
    const confirm = await found<HTMLButtonElement>('version-action-confirm');
    expect(confirm.disabled).toBe(true);
    fireEvent.change(el<HTMLTextAreaElement>('review-message'), { target: { value: 'Pin the image.' } });
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    await waitFor(() => expect(calls.find((c) => c.url.endsWith('/action'))?.body).toEqual({ action: 'reject', message: 'Pin the image.' }));
  });
});

const schemaFiles: VersionFiles = {
  readme: '',
  values: '# Number of pods, from 1 to 10.\nreplicaCount: 1\nimage: nginx:1.27\n',
  schema: {
    type: 'object',
    required: ['replicaCount', 'image'],
    properties: { replicaCount: { type: 'integer', title: 'Replicas', minimum: 1, maximum: 10 }, image: { type: 'string', minLength: 1 } },
  },
  chart: { name: 'schema-app', version: '0.1.0' },
};

describe('the deploy wizard', () => {
  it('makes a form from the values schema, shows the dry run’s diff, then installs', async () => {
    const calls = backend((c) => {
      if (c.url === `${P}/apps/team-demo-web`) return json(app);
      if (c.url.startsWith(`${P}/apps/team-demo-web/versions?`)) return json({ items: [version('1.0.0', 'active'), version('0.9.0', 'draft')], totalItems: 2 });
      if (c.url.endsWith('/files')) return json(schemaFiles);
      if (c.url.includes('/namespaces?')) return json({ items: [{ metadata: { name: 'dev' } }, { metadata: { name: 'prod' } }], totalItems: 2 });
      if (c.url === `${P}/namespaces/dev/releases/dryrun`) return json({ manifest: 'kind: Deployment\nspec:\n  replicas: 3\n', current: '', notes: 'Open the service.' });
      if (c.url === `${P}/namespaces/dev/releases` && c.method === 'POST') return json({ metadata: { name: 'web', namespace: 'dev' }, spec: { application: 'team-demo-web', version: 'team-demo-web-1.0.0' } }, 201);
    });
    page('/apps/team-demo-web/deploy?version=team-demo-web-1.0.0', [
      { path: '/apps/:app/deploy', element: <DeployWizard /> },
      { path: '/projects/:namespace/releases/:name', element: <p data-test="release-page">release</p> },
    ]);
    const replicas = await found('value-replicaCount');
    // Only the store's versions are offered.
    expect([...el<HTMLSelectElement>('deploy-version').options].map((o) => o.value)).toEqual(['team-demo-web-1.0.0']);
    expect(replicas.value).toBe('1');
    expect(el('value-image').value).toBe('nginx:1.27');
    await waitFor(() => expect(el<HTMLSelectElement>('deploy-project').options.length).toBe(3));
    fireEvent.change(el<HTMLSelectElement>('deploy-project'), { target: { value: 'dev' } });
    expect(el('deploy-name').value).toBe('schema-app');
    fireEvent.change(el('deploy-name'), { target: { value: 'web' } });

    fireEvent.change(replicas, { target: { value: '20' } });
    expect(el('value-replicaCount-error').textContent).toContain('At most 10.');
    expect(el<HTMLButtonElement>('review-changes').disabled).toBe(true);
    fireEvent.change(replicas, { target: { value: '3' } });
    expect(el<HTMLButtonElement>('deploy-submit').disabled).toBe(true);
    fireEvent.click(el('review-changes'));
    await waitFor(() => expect(el('manifest-diff').textContent).toContain('+   replicas: 3'));
    const dry = calls.find((c) => c.url.endsWith('/dryrun'))!;
    expect(dry.body).toMatchObject({ name: 'web', application: 'team-demo-web', version: 'team-demo-web-1.0.0' });
    expect((dry.body as { values: string }).values).toContain('replicaCount: 3');

    fireEvent.click(el('deploy-submit'));
    await found('release-page');
    const post = calls.find((c) => c.method === 'POST' && c.url === `${P}/namespaces/dev/releases`)!;
    expect(post.body).toMatchObject({ metadata: { name: 'web' }, spec: { application: 'team-demo-web', version: 'team-demo-web-1.0.0' } });
    expect((post.body as { spec: { values: string } }).spec.values).toContain('replicaCount: 3');
  });

  it('edits the default values as YAML when the chart has no schema, and shows the server’s refusal of the dry run', async () => {
    backend((c) => {
      if (c.url === `${P}/apps/team-demo-web`) return json(app);
      if (c.url.startsWith(`${P}/apps/team-demo-web/versions?`)) return json({ items: [version('1.0.0', 'active')], totalItems: 1 });
      if (c.url.endsWith('/files')) return json({ ...schemaFiles, schema: null });
      if (c.url.includes('/namespaces?')) return json({ items: [{ metadata: { name: 'dev' } }], totalItems: 1 });
      if (c.url.endsWith('/dryrun'))
        return json({ kind: 'Status', code: 422, reason: 'Invalid', message: 'values don’t meet the specifications of the schema: replicaCount: must be integer', details: { causes: [{ field: 'replicaCount', message: 'must be integer' }] } }, 422);
    });
    page('/apps/team-demo-web/deploy?namespace=dev', [{ path: '/apps/:app/deploy', element: <DeployWizard /> }]);
    await waitFor(() => expect(document.querySelector('[data-test="values-yaml"] .cm-content')?.textContent).toContain('replicaCount: 1'));
    expect(document.querySelector('[data-test="values-form"]')).toBeNull();
    await waitFor(() => expect(el<HTMLSelectElement>('deploy-project').value).toBe('dev'));
    fireEvent.click(el('review-changes'));
    await waitFor(() => expect(el('error').textContent).toContain('replicaCount'));
    expect(el<HTMLButtonElement>('deploy-submit').disabled).toBe(true);
  });
});

const failed: Release = {
  metadata: { name: 'web', namespace: 'dev', uid: 'r1', generation: 3, resourceVersion: '9', annotations: { 'application.superkube.io/operator': 'dev' } },
  spec: { application: 'team-demo-web', version: 'team-demo-web-1.1.0', values: 'replicaCount: 2\n' },
  status: {
    phase: 'Failed',
    observedGeneration: 3,
    revision: 3,
    message: 'Upgrade "web" failed: deployments.apps "web-web" is forbidden: User "dev" cannot patch resource "deployments"',
    history: [
      { revision: 3, version: '1.1.0', status: 'failed', description: 'Upgrade "web" failed' },
      { revision: 2, version: '1.1.0', status: 'superseded' },
      { revision: 1, version: '1.0.0', status: 'deployed', description: 'Install complete' },
    ],
    resources: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-web', ready: false, message: '0/2 replicas ready' }],
  },
};

describe('a release’s page', () => {
  it('shows Helm’s message of a failure, its resources, and rolls back to a revision', async () => {
    const calls = backend((c) => {
      if (c.url === `${P}/namespaces/dev/releases/web` && c.method === 'GET') return json(failed);
      if (c.url.endsWith('/rollback')) return json(failed);
      if (c.method === 'DELETE') return json({ kind: 'Status', status: 'Success' });
    });
    page('/projects/dev/releases/web', [
      { path: '/projects/:namespace/releases/:name', element: <ReleaseDetail /> },
      { path: '/projects/:namespace/releases', element: <p data-test="releases-page">list</p> },
    ]);
    await waitFor(() => expect(el('release-message').textContent).toContain('cannot patch resource "deployments"'));
    expect(el('release-phase').getAttribute('data-phase')).toBe('Failed');

    fireEvent.click(el('tab-history').querySelector('button') ?? el('tab-history'));
    const r1 = await found<HTMLElement>('revision-1');
    // The current revision offers no rollback.
    expect(el<HTMLElement>('revision-3').querySelector('[data-test="rollback"]')).toBeNull();
    fireEvent.click(el('rollback', r1));
    fireEvent.click(await found('rollback-confirm'));
    await waitFor(() => expect(calls.find((c) => c.url.endsWith('/rollback'))?.body).toEqual({ revision: 1 }));

    fireEvent.click(el('tab-resources').querySelector('button') ?? el('tab-resources'));
    const res = await found<HTMLElement>('resource-Deployment-web-web');
    expect(el('resource-ready', res).getAttribute('data-ready')).toBe('false');
    expect(res.querySelector('a')?.getAttribute('href')).toBe('/projects/dev/deployments/web-web');

    fireEvent.click(el('uninstall'));
    const confirm = await found<HTMLButtonElement>('confirm');
    expect(confirm.disabled).toBe(true);
    fireEvent.change(el('confirm-name'), { target: { value: 'web' } });
    fireEvent.click(confirm);
    await found('releases-page');
    expect(calls.some((c) => c.method === 'DELETE' && c.url === `${P}/namespaces/dev/releases/web`)).toBe(true);
  });
});

describe('the app repositories', () => {
  it('shows each repository’s last sync with its error, and adds one with credentials', async () => {
    const calls = backend((c) => {
      if (c.url.startsWith(`${P}/repos?`))
        return json({
          items: [
            { metadata: { name: 'demo', uid: '1' }, spec: { url: 'http://127.0.0.1:8900', trusted: true }, status: { lastSyncTime: '2026-12-05T01:00:00Z', applications: 4, versions: 5 } },
            { metadata: { name: 'broken', uid: '2' }, spec: { url: 'https://example.invalid' }, status: { lastSyncTime: '2026-12-05T01:00:00Z', syncError: 'Get "https://example.invalid/index.yaml": no such host' } },
          ],
          totalItems: 2,
        });
      if (c.url === `${P}/repos` && c.method === 'POST') return json({ metadata: { name: 'bitnami' }, spec: { url: 'oci://registry-1.docker.io/bitnamicharts' } }, 201);
    });
    page('/platform/app-repositories', [{ path: '/platform/app-repositories', element: <Repositories /> }]);
    const demo = await found<HTMLElement>('row-demo');
    expect(el('sync-state', demo).getAttribute('data-state')).toBe('synced');
    expect(el('trusted', demo)).toBeTruthy();
    expect(demo.textContent).toContain('4 apps, 5 versions');
    expect(el('sync-state', el<HTMLElement>('row-broken')).getAttribute('data-state')).toBe('failed');

    fireEvent.click(el('add-repository'));
    fireEvent.change(await found('repo-name'), { target: { value: 'bitnami' } });
    fireEvent.change(el('repo-url'), { target: { value: 'oci://registry-1.docker.io/bitnamicharts' } });
    fireEvent.change(el('repo-interval'), { target: { value: '1h' } });
    fireEvent.change(el('repo-username'), { target: { value: 'me' } });
    fireEvent.change(el('repo-password'), { target: { value: 's3cret' } });
    fireEvent.click(el('add-repository-submit'));
    await waitFor(() =>
      expect(calls.find((c) => c.method === 'POST' && c.url === `${P}/repos`)?.body).toEqual({
        metadata: { name: 'bitnami' },
        spec: { url: 'oci://registry-1.docker.io/bitnamicharts', syncInterval: '1h' },
        credentials: { username: 'me', password: 's3cret' },
      }),
    );
  });
});
