import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import '../i18n';
import type { User } from '../api/types';
import { mergeUsers, UserPicker } from './UserPicker';

const user = (name: string, displayName?: string, email?: string): User => ({ metadata: { name }, spec: { displayName, email } });

function serve(mayList: boolean, urls: string[]) {
  vi.stubGlobal('fetch', vi.fn((u: string) => {
    urls.push(u);
    if (u.includes('subjectaccessreviews')) return Promise.resolve(new Response(JSON.stringify({ status: { allowed: mayList, results: [{ allowed: mayList }] } }), { status: 201 }));
    const q = new URL(u, 'http://x').searchParams;
    const items = q.get('name') === 'love' ? [user('ada', 'Ada Lovelace', 'ada@example.com')] : q.get('email') === 'love' ? [user('ada', 'Ada Lovelace'), user('lovelace-fan')] : [];
    return Promise.resolve(new Response(JSON.stringify({ items, totalItems: items.length }), { status: 200 }));
  }));
}

function renderPicker(onChange: (v: string) => void) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <UserPicker value="" onChange={onChange} />
    </QueryClientProvider>,
  );
}

describe('mergeUsers', () => {
  it('keeps each user once, in the order found', () => {
    expect(mergeUsers([user('a'), user('b')], [user('b'), user('c')], undefined).map((u) => u.metadata.name)).toEqual(['a', 'b', 'c']);
  });
});

describe('UserPicker', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('finds users by name, display name and e-mail, and chooses one', async () => {
    const urls: string[] = [];
    serve(true, urls);
    const onChange = vi.fn();
    renderPicker(onChange);
    const u = userEvent.setup();
    await u.type(await screen.findByPlaceholderText('Search by name, display name or e-mail'), 'love');
    const option = await screen.findByText('Ada Lovelace');
    expect(screen.getAllByText('lovelace-fan').length).toBeGreaterThan(0);
    await u.click(option);
    expect(onChange).toHaveBeenLastCalledWith('ada');
    expect(urls.some((x) => x.includes('name=love'))).toBe(true);
    expect(urls.some((x) => x.includes('email=love'))).toBe(true);
  });

  it('keeps the users found on screen while the search for newer text runs, so that a click lands on the same option', async () => {
    let slow: (r: Response) => void = () => {};
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      if (u.includes('subjectaccessreviews')) return Promise.resolve(new Response(JSON.stringify({ status: { allowed: true, results: [{ allowed: true }] } }), { status: 201 }));
      const q = new URL(u, 'http://x').searchParams;
      const items = [user('ada', 'Ada Lovelace')];
      const answer = new Response(JSON.stringify({ items, totalItems: 1 }), { status: 200 });
      // The search for "ada" has not answered yet; the first one has.
      if (q.get('name') === 'ada' || q.get('email') === 'ada') return new Promise<Response>((resolve) => (slow = resolve));
      return Promise.resolve(answer);
    }));
    renderPicker(vi.fn());
    const u = userEvent.setup();
    await u.click(await screen.findByPlaceholderText('Search by name, display name or e-mail'));
    const option = await screen.findByText('Ada Lovelace');
    await u.type(screen.getByPlaceholderText('Search by name, display name or e-mail'), 'ada');
    await new Promise((r) => setTimeout(r, 400));
    expect(screen.queryByText('Searching…')).toBeNull();
    expect(option).toBeInTheDocument();
    expect(screen.getByText('Ada Lovelace')).toBe(option);
    slow(new Response(JSON.stringify({ items: [], totalItems: 0 }), { status: 200 }));
  });

  it('asks for the exact name, saying why, of someone who may not list users, and never asks for the list', async () => {
    const urls: string[] = [];
    serve(false, urls);
    const onChange = vi.fn();
    renderPicker(onChange);
    expect(await screen.findByText(/You may not look users up/)).toBeInTheDocument();
    await userEvent.setup().type(screen.getByRole('textbox', { name: 'User name' }), 'bob');
    expect(onChange).toHaveBeenLastCalledWith('b');
    expect(urls.some((x) => x.includes('/users?'))).toBe(false);
  });
});
