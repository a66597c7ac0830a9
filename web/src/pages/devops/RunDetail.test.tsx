import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import type { PipelineRun } from '../../api/devops';
import '../../i18n';
import { ToastProvider } from '../../components/Toast';
import RunDetail from './RunDetail';

vi.setConfig({ testTimeout: 30_000 });

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));
const runPath = '/kapis/devops.superkube.io/v1alpha3/namespaces/ci/pipelineruns/web-1';

const waitingRun: PipelineRun = {
  metadata: { name: 'web-1', namespace: 'ci' },
  spec: { pipeline: 'web', trigger: { kind: 'manual', user: 'alice' } },
  status: {
    phase: 'Waiting',
    startTime: '2026-01-01T00:00:00Z',
    definition: {
      stages: [
        { name: 'build', steps: [{ name: 'compile', shell: { script: 'make' } }] },
        { name: 'approve', steps: [{ name: 'ok', input: { message: 'Ship it?' } }] },
      ],
    },
    stages: [
      { name: 'build', phase: 'Succeeded', steps: [{ name: 'compile', kind: 'shell', phase: 'Succeeded', startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:05Z' }] },
      { name: 'approve', phase: 'Waiting', steps: [{ name: 'ok', kind: 'input', phase: 'Waiting' }] },
    ],
    artifacts: [{ path: 'bin/web', size: 2048, sha256: 'abc123', step: 'build/compile' }],
    codeQuality: { projectKey: 'web', qualityGate: 'ERROR', bugs: 3, vulnerabilities: 0, codeSmells: 12, coverage: '71.5' },
  },
};

interface Call {
  url: string;
  method: string;
  body?: unknown;
}

/** A log answer whose text comes in two chunks, the second a moment later. */
function streamed(first: string, second: string): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(enc.encode(first));
      setTimeout(() => {
        c.enqueue(enc.encode(second));
        c.close();
      }, 50);
    },
  });
  return new Response(body, { headers: { 'Content-Type': 'text/plain' } });
}

function backend(opts: { approve?: () => Promise<Response> } = {}) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string, init?: RequestInit) => {
      const body = init?.body ? (JSON.parse(init.body as string) as unknown) : undefined;
      const call = { url, method: init?.method ?? 'GET', body };
      calls.push(call);
      if (url.includes('subjectaccessreviews')) {
        const list = (body as { spec: { resourceAttributesList: unknown[] } }).spec.resourceAttributesList;
        return json({ status: { allowed: true, results: list.map(() => ({ allowed: true })) } }, 201);
      }
      if (url === runPath) return json(waitingRun);
      if (url.startsWith(`${runPath}/log?`)) {
        const q = new URLSearchParams(url.split('?')[1]);
        if (q.get('stage') === 'build' && q.get('step') === 'compile') return Promise.resolve(streamed('compiling\n', 'compiled ok\n'));
        return json({ kind: 'Status', code: 404, reason: 'NotFound' }, 404);
      }
      if (url === `${runPath}/approve`) return opts.approve ? opts.approve() : json(waitingRun);
      return json({ kind: 'Status', code: 404 }, 404);
    }),
  );
  return calls;
}

function page() {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={['/devops/ci/runs/web-1']}>
        <ToastProvider>
          <Routes>
            <Route path="/devops/:namespace/runs/:run" element={<RunDetail />} />
          </Routes>
        </ToastProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

function el(test: string): HTMLElement {
  const e = document.querySelector<HTMLElement>(`[data-test="${test}"]`);
  if (!e) throw new Error(`no ${test}`);
  return e;
}
const find = (test: string) => waitFor(() => el(test));

describe('a run’s page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('draws the stages with their phases, streams a step’s log as it comes, and shows artifacts and code quality', async () => {
    backend();
    page();
    expect((await find('run-phase')).getAttribute('data-phase')).toBe('Waiting');
    expect(el('run-stage-build').getAttribute('data-phase')).toBe('Succeeded');
    expect(el('run-stage-approve').getAttribute('data-phase')).toBe('Waiting');
    // The waiting input step is chosen first: it has no log.
    await waitFor(() => expect(el('step-log').textContent).toBe('(no output)'));
    fireEvent.click(el('run-step-build/compile').querySelector('button, input') ?? el('run-step-build/compile'));
    await waitFor(() => expect(el('step-log-panel').getAttribute('data-step')).toBe('build/compile'));
    await waitFor(() => expect(el('step-log').textContent).toBe('compiling\ncompiled ok\n'));
    fireEvent.click(el('tab-artifacts').querySelector('button') ?? el('tab-artifacts'));
    expect((await find('artifact-bin/web')).textContent).toContain('2.0 KiB');
    expect(el('artifact-download-bin/web').getAttribute('href')).toMatch(/\/kapis\/devops\.superkube\.io\/v1alpha3\/namespaces\/[^/]+\/pipelineruns\/[^/]+\/artifact\?path=bin%2Fweb$/);
    fireEvent.click(el('tab-quality').querySelector('button') ?? el('tab-quality'));
    expect((await find('quality-gate')).getAttribute('data-gate')).toBe('ERROR');
    expect(el('quality-bugs').textContent).toBe('3');
    expect(el('quality-coverage').textContent).toBe('71.5%');
  });

  it('approves a waiting input step with its name and message', async () => {
    const calls = backend();
    page();
    const input = await find('input-approve/ok');
    expect(input.querySelector('[data-test="input-question"]')?.textContent).toBe('Ship it?');
    fireEvent.change(input.querySelector('[data-test="input-message"]')!, { target: { value: 'fine' } });
    fireEvent.click(input.querySelector('[data-test="input-approve"]')!);
    await waitFor(() => expect(calls.find((c) => c.url === `${runPath}/approve`)).toBeDefined());
    expect(calls.find((c) => c.url === `${runPath}/approve`)).toEqual({ url: `${runPath}/approve`, method: 'POST', body: { step: 'approve/ok', message: 'fine' } });
    expect((await find('toast')).textContent).toContain('approve/ok is approved.');
  });

  it('shows why an approval is refused, from the Status', async () => {
    backend({ approve: () => json({ kind: 'Status', status: 'Failure', code: 403, reason: 'Forbidden', message: 'user "bob" cannot approve pipelineruns in the namespace "ci"' }, 403) });
    page();
    const input = await find('input-approve/ok');
    fireEvent.click(input.querySelector('[data-test="input-approve"]')!);
    await waitFor(() => expect(input.querySelector('[data-test="error"]')).not.toBeNull());
    expect(input.querySelector('[data-test="error"]')?.getAttribute('data-kind')).toBe('forbidden');
    expect(input.textContent).toContain('cannot approve pipelineruns');
    expect((input.querySelector('[data-test="input-approve"]') as HTMLButtonElement).disabled).toBe(false);
  });
});
