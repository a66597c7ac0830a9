import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { stateLags, useUser } from './iam';
import type { User } from './types';

const ada = (disabled: boolean, state: string): User => ({ metadata: { name: 'ada' }, spec: { disabled }, status: { state } });

function State() {
  const q = useUser('ada');
  return <span data-testid="state">{q.data?.status?.state ?? '-'}</span>;
}

describe('useUser', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('tells when the state has yet to follow an enable or a disable', () => {
    expect(stateLags(ada(false, 'Disabled'))).toBe(true);
    expect(stateLags(ada(true, 'Active'))).toBe(true);
    expect(stateLags(ada(false, 'Active'))).toBe(false);
    expect(stateLags(ada(true, 'Disabled'))).toBe(false);
    expect(stateLags(undefined)).toBe(false);
  });

  it('reads the user again until the controller has set the state that follows an enable', async () => {
    // Read just after the enable: the controller has not acted yet.
    const answers = [ada(false, 'Disabled'), ada(false, 'Disabled'), ada(false, 'Active')];
    let reads = 0;
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(new Response(JSON.stringify(answers[Math.min(reads++, answers.length - 1)]), { status: 200 }))));
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <State />
      </QueryClientProvider>,
    );
    expect(await screen.findByText('Disabled')).toBeInTheDocument();
    expect(await screen.findByText('Active', undefined, { timeout: 4000 })).toBeInTheDocument();
    expect(reads).toBe(3);
  });
});
