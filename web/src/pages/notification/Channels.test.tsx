import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import '../../i18n';
import { Channels } from './Channels';
import { Deliveries } from './Objects';

/** findIn waits for an element of the document (a dialog is outside the container). */
function findIn<T extends Element>(selector: string): Promise<T> {
  return waitFor(() => {
    const e = document.querySelector<T>(selector);
    if (!e) throw new Error(`no ${selector}`);
    return e;
  });
}

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

function wrap(children: React.ReactNode) {
  return (
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>
  );
}

const mail = {
  metadata: { name: 'mail', uid: 'm', resourceVersion: '12' },
  spec: { type: 'email', email: { host: 'smtp.example.com', port: 587, from: 'alerts@example.com', username: 'alerts', passwordSecret: { name: 'notification-mail', key: 'password' }, tls: 'StartTLS' } },
  status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Resolved' }] },
};

async function action(c: HTMLElement, row: string, name: string) {
  const r = c.querySelector<HTMLElement>(`[data-test="row-${row}"]`)!;
  fireEvent.click(within(r).getByRole('button', { name: /kebab|actions/i }));
  fireEvent.click(await within(document.body).findByRole('menuitem', { name }));
}

describe('notification channels', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('never shows stored credentials, and keeps them when a channel is saved without new ones', async () => {
    const puts: unknown[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((_url: string, init?: RequestInit) => {
        if (init?.method === 'PUT') {
          puts.push(JSON.parse(init.body as string));
          return json(mail);
        }
        return json({ items: [mail], totalItems: 1 });
      }),
    );
    const { container: c } = render(wrap(<Channels owner={{ level: 'platform' }} canEdit />));
    await waitFor(() => expect(c.querySelector('[data-test="row-mail"]')).not.toBeNull());
    expect(c.querySelector('[data-test="row-mail"] [data-test="credentials"]')?.textContent).toBe('Set');
    await action(c, 'mail', 'Edit');
    const password = await findIn<HTMLInputElement>('[data-test="config-password"]');
    expect(password.value).toBe('');
    expect(password.type).toBe('password');
    expect(document.querySelector('[data-test="config-password-rule"]')?.textContent).toContain('Leave empty to keep it');
    fireEvent.change(document.querySelector('[data-test="config-host"]')!, { target: { value: 'smtp2.example.com' } });
    fireEvent.click(document.querySelector('[data-test="config-form-submit"]')!);
    await waitFor(() => expect(puts).toHaveLength(1));
    expect(puts[0]).toEqual({
      metadata: { name: 'mail', resourceVersion: '12' },
      spec: { type: 'email', email: { host: 'smtp2.example.com', port: 587, from: 'alerts@example.com', username: 'alerts', tls: 'StartTLS' } },
    });
  });

  it('sends a test and shows the delivery’s result: sent, or the reason it was not', async () => {
    const tests: { url: string; body: unknown }[] = [];
    let answer = () =>
      json(
        {
          kind: 'Status',
          code: 502,
          reason: 'DeliveryFailed',
          message: 'the test message was not delivered: dial tcp 127.0.0.1:2525: connect: connection refused',
          details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.email.host', message: 'dial tcp 127.0.0.1:2525: connect: connection refused' }] },
        },
        502,
      );
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string, init?: RequestInit) => {
        if (url.endsWith('/verification')) {
          tests.push({ url, body: init?.body ? JSON.parse(init.body as string) : undefined });
          return answer();
        }
        return json({ items: [mail], totalItems: 1 });
      }),
    );
    const { container: c } = render(wrap(<Channels owner={{ level: 'platform' }} canEdit />));
    await waitFor(() => expect(c.querySelector('[data-test="row-mail"]')).not.toBeNull());
    await action(c, 'mail', 'Send a test');
    const to = await findIn<HTMLInputElement>('[data-test="test-to"]');
    fireEvent.change(to, { target: { value: 'ops@example.com' } });
    fireEvent.click(document.querySelector('[data-test="test-send"]')!);
    let result = await findIn<HTMLElement>('[data-test="test-result"]');
    expect(result.getAttribute('data-status')).toBe('failed');
    expect(result.getAttribute('data-field')).toBe('spec.email.host');
    expect(result.textContent).toContain('connection refused');
    expect(tests[0].url).toContain('/kapis/notification.superkube.io/v2beta2/configs/mail/verification');
    expect(tests[0].body).toEqual({ to: 'ops@example.com' });

    answer = () => json({ id: 'd1', result: 'sent', recipient: 'ops@example.com', verification: true, config: 'mail', channel: 'email' });
    fireEvent.click(document.querySelector('[data-test="test-send"]')!);
    await waitFor(() => expect(document.querySelector('[data-test="test-result"]')?.getAttribute('data-status')).toBe('sent'));
    result = await findIn<HTMLElement>('[data-test="test-result"]');
    expect(result.textContent).toContain('ops@example.com');
  });

  it('offers no test or change to those who may only read the channels', async () => {
    vi.stubGlobal('fetch', vi.fn(() => json({ items: [mail], totalItems: 1 })));
    const { container: c } = render(wrap(<Channels owner={{ level: 'platform' }} canEdit={false} />));
    await waitFor(() => expect(c.querySelector('[data-test="row-mail"]')).not.toBeNull());
    expect(within(c.querySelector<HTMLElement>('[data-test="row-mail"]')!).queryByRole('button', { name: /kebab|actions/i })).toBeNull();
    expect(c.querySelector('[data-test="create-config"]')).toBeNull();
  });
});

describe('the delivery log', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lists each delivery as sent or failed with the reason, and filters by status on the server', async () => {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string) => {
        urls.push(url);
        return json({
          items: [
            { id: 'a', time: '2026-12-05T00:10:00Z', result: 'sent', receiver: 'ops', channel: 'email', config: 'mail', recipient: 'ops@example.com', alerts: ['PodCrashLooping/0a1b'], attempts: 1 },
            { id: 'b', time: '2026-12-05T00:09:00Z', result: 'failed', receiver: 'hook', channel: 'webhook', reason: 'HTTP 500 from the receiver', attempts: 6 },
          ],
          totalItems: 2,
        });
      }),
    );
    const { container: c } = render(wrap(<Deliveries owner={{ level: 'user', user: 'alice' }} />));
    await waitFor(() => expect(c.querySelectorAll('[data-test="delivery-status"]')).toHaveLength(2));
    const statuses = [...c.querySelectorAll('[data-test="delivery-status"]')].map((e) => e.getAttribute('data-status'));
    expect(statuses).toEqual(['sent', 'failed']);
    expect([...c.querySelectorAll('[data-test="delivery-reason"]')].map((e) => e.textContent)).toEqual(['', 'HTTP 500 from the receiver']);
    expect(urls[0]).toContain('/kapis/notification.superkube.io/v2beta2/users/alice/deliveries?');
    fireEvent.change(c.querySelector('[data-test="filter-delivery-status"]')!, { target: { value: 'failed' } });
    await waitFor(() => expect(urls.some((u) => new URL(u, 'https://c').searchParams.get('result') === 'failed')).toBe(true));
  });
});
