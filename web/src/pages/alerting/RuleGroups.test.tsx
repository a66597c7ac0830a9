import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import '../../i18n';
import type { RuleGroup } from '../../api/alerting';
import { AlertHistoryView, AlertList } from './Alerts';
import { RuleGroupList } from './RuleGroups';

/** findIn waits for an element of the document (a dialog is outside the container). */
function findIn<T extends Element>(selector: string): Promise<T> {
  return waitFor(() => {
    const e = document.querySelector<T>(selector);
    if (!e) throw new Error(`no ${selector}`);
    return e;
  });
}

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

function allow(body: unknown) {
  const n = (body as { spec: { resourceAttributesList: unknown[] } }).spec.resourceAttributesList.length;
  return json({ status: { allowed: true, results: Array.from({ length: n }, () => ({ allowed: true })) } }, 201);
}

function wrap(children: React.ReactNode) {
  return (
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>
  );
}

const builtin: RuleGroup = {
  metadata: { name: 'kube-pods', uid: '1', labels: { 'alerting.superkube.io/builtin': 'true' }, creationTimestamp: '2026-12-04T00:00:00Z' },
  spec: { rules: [{ alert: 'PodCrashLooping', builder: { kind: 'Pod', metric: 'pod_restarts', comparison: '>', threshold: '3' } }] },
  status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Loaded' }], ruleStates: [{ alert: 'PodCrashLooping', state: 'firing', health: 'ok', alerts: 1 }] },
};
const broken: RuleGroup = {
  metadata: { name: 'mine', uid: '2', creationTimestamp: '2026-12-04T00:00:00Z' },
  spec: { rules: [{ alert: 'Bad', expr: 'sum(' }, { alert: 'Slow', expr: 'up == 0', disabled: true }] },
  status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Invalid', message: 'spec.rules[0].expr: parse error: unclosed left parenthesis' }], ruleStates: [{ alert: 'Bad', state: 'inactive', lastError: 'boom' }] },
};

async function menuOf(c: HTMLElement, row: string): Promise<string[]> {
  const r = c.querySelector<HTMLElement>(`[data-test="row-${row}"]`)!;
  fireEvent.click(within(r).getByRole('button', { name: /kebab|actions/i }));
  const items = await within(document.body).findAllByRole('menuitem');
  const names = items.map((i) => i.textContent ?? '');
  // The toggle closes the menu again.
  fireEvent.click(within(r).getByRole('button', { name: /kebab|actions/i }));
  await waitFor(() => expect(within(document.body).queryAllByRole('menuitem')).toHaveLength(0));
  return names;
}

describe('the rule group list', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows each group’s state, whether Prometheus loaded it, a badge for built-in groups, and never offers to delete one', async () => {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string, init?: RequestInit) => {
        urls.push(url);
        if (url.includes('subjectaccessreviews')) return allow(JSON.parse(init!.body as string));
        return json({ items: [builtin, broken], totalItems: 2 });
      }),
    );
    const { container: c } = render(wrap(<RuleGroupList place={{ level: 'project', namespace: 'dev' }} />));
    await waitFor(() => expect(c.querySelector('[data-test="row-kube-pods"]')).not.toBeNull());
    const row = (n: string) => c.querySelector<HTMLElement>(`[data-test="row-${n}"]`)!;
    expect(row('kube-pods').querySelector('[data-test="builtin"]')?.textContent).toBe('Built-in');
    expect(row('mine').querySelector('[data-test="builtin"]')).toBeNull();
    expect(row('kube-pods').querySelector('[data-test="group-state"]')?.getAttribute('data-state')).toBe('firing');
    expect(row('mine').querySelector('[data-test="group-state"]')?.getAttribute('data-state')).toBe('inactive');
    expect(row('kube-pods').querySelector('[data-test="ready"]')?.textContent).toBe('Loaded');
    expect(row('mine').querySelector('[data-test="ready"]')?.getAttribute('data-reason')).toBe('Invalid');
    expect(row('mine').querySelector('[data-test="last-error"]')?.textContent).toBe('1 failing');
    expect(row('mine').textContent).toContain('1 disabled');
    expect(urls.some((u) => u.startsWith('/kapis/alerting.superkube.io/v2beta1/namespaces/dev/rulegroups?'))).toBe(true);

    expect(await menuOf(c, 'kube-pods')).toEqual(['Edit', 'Disable']);
    expect(await menuOf(c, 'mine')).toEqual(['Edit', 'Disable', 'Delete']);
  });
});

describe('the alert list', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows firing and silenced alerts, and silences one with its labels as matchers', async () => {
    const posted: unknown[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string, init?: RequestInit) => {
        if (url.includes('subjectaccessreviews')) return allow(JSON.parse(init!.body as string));
        if (url.includes('/silences') && init?.method === 'POST') {
          posted.push(JSON.parse(init.body as string));
          return json({ id: 'abc' }, 201);
        }
        return json({
          items: [
            { labels: { alertname: 'PodCrashLooping', namespace: 'dev', pod: 'web-1', severity: 'critical', rule_level: 'project', rule_group: 'g' }, state: 'firing', activeAt: '2026-12-05T00:00:00Z', value: '5', silencedBy: [] },
            { labels: { alertname: 'HighCPU', namespace: 'dev', pod: 'web-2', severity: 'warning' }, state: 'pending', activeAt: '2026-12-05T00:01:00Z', value: '0.93', silencedBy: ['s1'] },
          ],
          totalItems: 2,
        });
      }),
    );
    const { container: c } = render(wrap(<AlertList place={{ level: 'project', namespace: 'dev' }} />));
    await waitFor(() => expect(c.querySelector('[data-test="row-PodCrashLooping"]')).not.toBeNull());
    const crash = c.querySelector<HTMLElement>('[data-test="row-PodCrashLooping"]')!;
    const cpu = c.querySelector<HTMLElement>('[data-test="row-HighCPU"]')!;
    expect(crash.querySelector('[data-test="alert-state"]')?.getAttribute('data-state')).toBe('firing');
    expect(crash.querySelector('[data-test="silenced"]')).toBeNull();
    expect(cpu.querySelector('[data-test="silenced"]')?.textContent).toBe('Silenced');
    expect(crash.querySelector('[data-test="alert-value"]')?.textContent).toBe('5');
    expect(cpu.querySelector('[data-test="alert-value"]')?.textContent).toBe('0.93');
    expect(crash.querySelector('[data-test="alert-labels"]')?.textContent).toContain('pod=web-1');

    fireEvent.click(within(crash).getByRole('button', { name: /kebab|actions/i }));
    fireEvent.click(await within(document.body).findByRole('menuitem', { name: 'Silence' }));
    const matchers = await findIn<HTMLTextAreaElement>('[data-test="silence-matchers"]');
    expect(matchers.value.split('\n')).toEqual(['alertname="PodCrashLooping"', 'namespace="dev"', 'pod="web-1"', 'rule_group="g"', 'rule_level="project"', 'severity="critical"']);
    const submit = document.querySelector<HTMLButtonElement>('[data-test="silence-create-submit"]')!;
    expect(submit.disabled).toBe(true);
    fireEvent.change(document.querySelector('[data-test="silence-comment"]')!, { target: { value: 'deploying a fix' } });
    fireEvent.click(submit);
    await waitFor(() => expect(posted).toHaveLength(1));
    const s = posted[0] as { matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[]; comment: string; startsAt: string; endsAt: string };
    expect(s.comment).toBe('deploying a fix');
    expect(s.matchers).toContainEqual({ name: 'pod', value: 'web-1', isRegex: false, isEqual: true });
    expect(Date.parse(s.endsAt) - Date.parse(s.startsAt)).toBe(2 * 3600 * 1000);
  });
});

describe('the alert history', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('draws each alert’s intervals over a range that ends now, to the second', async () => {
    const urls: string[] = [];
    const now = Date.now();
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string) => {
        urls.push(url);
        return json({
          items: [
            {
              labels: { alertname: 'PodCrashLooping', namespace: 'dev', pod: 'web-1' },
              intervals: [
                { state: 'pending', start: new Date(now - 3600e3).toISOString(), end: new Date(now - 3000e3).toISOString() },
                { state: 'firing', start: new Date(now - 3000e3).toISOString(), end: new Date(now).toISOString() },
              ],
            },
          ],
          totalItems: 1,
        });
      }),
    );
    const { container: c } = render(wrap(<AlertHistoryView place={{ level: 'project', namespace: 'dev' }} />));
    await waitFor(() => expect(c.querySelectorAll('[data-test="history-interval"]')).toHaveLength(2));
    const q = new URL(urls[0], 'https://c');
    expect(q.pathname).toBe('/kapis/alerting.superkube.io/v2beta1/namespaces/dev/alerts/history');
    const end = Date.parse(q.searchParams.get('end')!);
    expect(end).toBeGreaterThanOrEqual(now - 1000);
    expect(end - Date.parse(q.searchParams.get('start')!)).toBe(6 * 3600e3);
    const [pending, firing] = [...c.querySelectorAll<HTMLElement>('[data-test="history-interval"]')];
    expect(pending.className).toContain('pending');
    expect(firing.className).toContain('firing');
    expect(parseFloat(firing.style.left) + parseFloat(firing.style.width)).toBeLessThanOrEqual(100.01);
  });
});
