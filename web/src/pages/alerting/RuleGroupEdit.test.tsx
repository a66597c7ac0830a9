import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import '../../i18n';
import RuleGroupEdit from './RuleGroupEdit';

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));
const base = '/kapis/alerting.superkube.io/v2beta1';

interface Call {
  url: string;
  method: string;
  body?: unknown;
}

/** backend answers as the alerting API's contract says: every access allowed, a catalog, a preview, and the save as given. */
function backend(save: (body: unknown) => Promise<Response>, previewAnswer: (body: unknown) => Promise<Response> = () => json({ expr: 'max by (namespace, pod) (pod_restarts{namespace="dev"}) > 3', series: [{ labels: { namespace: 'dev', pod: 'web-1' }, value: [1733360000, '7'] }] })) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string, init?: RequestInit) => {
      const body = init?.body ? (JSON.parse(init.body as string) as unknown) : undefined;
      calls.push({ url, method: init?.method ?? 'GET', body });
      if (url.includes('subjectaccessreviews')) {
        const n = (body as { spec: { resourceAttributesList: unknown[] } }).spec.resourceAttributesList.length;
        return json({ status: { allowed: true, results: Array.from({ length: n }, () => ({ allowed: true })) } }, 201);
      }
      if (url.includes('/builder/metrics'))
        return json({
          items: [
            { kind: 'Pod', name: 'pod_restarts', unit: 'count', description: { en: 'Container restarts in the last 10 minutes', ko: '재시작', zh: '重启' } },
            { kind: 'Pod', name: 'pod_cpu_usage', unit: 'cores', description: { en: 'CPU use' } },
            { kind: 'Node', name: 'node_cpu_utilisation', unit: 'ratio' },
          ],
        });
      if (url.endsWith('/rulegroups/preview')) return previewAnswer(body);
      if (url.endsWith('/rulegroups') && init?.method === 'POST') return save(body);
      return json({ kind: 'Status', code: 404 }, 404);
    }),
  );
  return calls;
}

function page() {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={['/projects/dev/alert-rules/~new']}>
        <Routes>
          <Route path="/projects/:namespace/alert-rules/:name" element={<RuleGroupEdit />} />
          <Route path="/projects/:namespace/alert-rules" element={<p data-test="list-page">list</p>} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

function el<T extends Element = HTMLInputElement>(c: HTMLElement, test: string): T {
  const e = c.querySelector<T>(`[data-test="${test}"]`);
  if (!e) throw new Error(`no ${test}`);
  return e;
}

async function fillBuilderRule(c: HTMLElement, threshold: string) {
  fireEvent.change(el(c, 'group-name'), { target: { value: 'restarts' } });
  fireEvent.change(el(c, 'rule-alert'), { target: { value: 'PodRestarting' } });
  // The project level offers the kinds within a project only.
  const kinds = [...el<HTMLSelectElement>(c, 'rule-kind').options].map((o) => o.value);
  expect(kinds).toEqual(['Workload', 'Pod', 'Container', 'PersistentVolumeClaim']);
  fireEvent.change(el(c, 'rule-kind'), { target: { value: 'Pod' } });
  await waitFor(() => expect(el<HTMLSelectElement>(c, 'rule-metric').options.length).toBe(3));
  fireEvent.change(el(c, 'rule-metric'), { target: { value: 'pod_restarts' } });
  fireEvent.change(el(c, 'rule-threshold'), { target: { value: threshold } });
  fireEvent.change(el(c, 'rule-for'), { target: { value: '1m' } });
}

describe('the rule group form', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('offers the catalog’s metrics of the kind, and previews the rule’s current value once it stops changing', async () => {
    const calls = backend(() => json({}, 201));
    const { container: c } = page();
    await waitFor(() => el(c, 'group-name'));
    expect(el(c, 'preview').getAttribute('data-state')).toBe('waiting');
    await fillBuilderRule(c, '3');
    await waitFor(() => expect(el(c, 'preview').getAttribute('data-state')).toBe('ready'), { timeout: 3000 });
    const expr = el(c, 'preview-expr');
    expect(expr.querySelector('input')?.value ?? expr.textContent).toContain('pod_restarts{namespace="dev"}');
    expect(el(c, 'preview-value').textContent).toBe('7');
    expect(el(c, 'preview-count').textContent).toContain('1 series matches now');
    // One preview for the rule as it ended up, not one per keystroke.
    const previews = calls.filter((x) => x.url.endsWith('/preview'));
    expect(previews).toHaveLength(1);
    expect(previews[0].url).toContain(`${base}/namespaces/dev/rulegroups/preview`);
    expect(previews[0].body).toEqual({ rule: { alert: 'PodRestarting', builder: { kind: 'Pod', metric: 'pod_restarts', comparison: '>', threshold: '3' }, for: '1m', severity: 'warning' } });
  });

  it('says when the expression returns nothing now', async () => {
    backend(
      () => json({}, 201),
      () => json({ expr: 'x > 100', series: [] }),
    );
    const { container: c } = page();
    await waitFor(() => el(c, 'group-name'));
    await fillBuilderRule(c, '100');
    await waitFor(() => expect(el(c, 'preview-empty').textContent).toContain('returns nothing now'), { timeout: 3000 });
  });

  it('marks the threshold with the server’s objection when it is not a number (a 422 Status naming the field)', async () => {
    const status = {
      kind: 'Status',
      status: 'Failure',
      code: 422,
      reason: 'Invalid',
      message: 'RuleGroup.alerting.superkube.io "restarts" is invalid: spec.rules[0].builder.threshold: Invalid value: "lots": must be a number',
      details: { causes: [{ field: 'spec.rules[0].builder.threshold', reason: 'FieldValueInvalid', message: 'Invalid value: "lots": must be a number' }] },
    };
    const saved: unknown[] = [];
    backend(
      (body) => {
        saved.push(body);
        return json(status, 422);
      },
      () => json({ ...status, details: { causes: [{ field: 'rule.builder.threshold', reason: 'FieldValueInvalid', message: 'must be a number' }] } }, 422),
    );
    const { container: c } = page();
    await waitFor(() => el(c, 'group-name'));
    await fillBuilderRule(c, 'lots');
    // The preview already says what is wrong, on the field.
    await waitFor(() => expect(el(c, 'rule-threshold-error').textContent).toContain('Enter a number, such as 80 or 0.5.'), { timeout: 3000 });
    expect(el(c, 'preview-invalid')).toBeTruthy();
    fireEvent.click(el(c, 'save-rule-group'));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect((saved[0] as { spec: { rules: { builder: { threshold: string } }[] } }).spec.rules[0].builder.threshold).toBe('lots');
    await waitFor(() => expect(el(c, 'error').getAttribute('data-kind')).toBe('invalid'));
    expect(el(c, 'rule-threshold-error').textContent).toContain('Enter a number, such as 80 or 0.5.');
    expect(el(c, 'rule-threshold').getAttribute('aria-invalid')).toBe('true');
    // The field is marked on the form, not listed again in the alert.
    expect(c.querySelector('[data-test="error-fields"]')).toBeNull();
    expect(c.querySelector('[data-test="list-page"]')).toBeNull();
  });

  it('saves a PromQL rule and goes back to the list', async () => {
    const saved: unknown[] = [];
    backend((body) => {
      saved.push(body);
      return json(body, 201);
    });
    const { container: c } = page();
    await waitFor(() => el(c, 'group-name'));
    fireEvent.change(el(c, 'group-name'), { target: { value: 'custom' } });
    fireEvent.change(el(c, 'rule-alert'), { target: { value: 'TooManyPods' } });
    fireEvent.click(el(c, 'mode-promql').querySelector('button') ?? el(c, 'mode-promql'));
    fireEvent.change(el(c, 'rule-expr'), { target: { value: 'count(kube_pod_info) > 100' } });
    fireEvent.click(el(c, 'save-rule-group'));
    await waitFor(() => expect(c.querySelector('[data-test="list-page"]')).not.toBeNull());
    expect(saved[0]).toEqual({ metadata: { name: 'custom' }, spec: { rules: [{ alert: 'TooManyPods', expr: 'count(kube_pod_info) > 100', for: '5m', severity: 'warning' }] } });
  });
});
