import { createConfig, deliveryRow, hasCredentials, parseSelector, resourcePath, selectorText, splitList, updateConfig, verifyConfig } from './notification';

const base = '/kapis/notification.superkube.io/v2beta2';
const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

describe('the notification paths', () => {
  it("names the platform's objects and a user's own", () => {
    expect(resourcePath({ level: 'platform' }, 'configs')).toBe(`${base}/configs`);
    expect(resourcePath({ level: 'platform' }, 'routers', 'ops')).toBe(`${base}/routers/ops`);
    expect(resourcePath({ level: 'user', user: 'alice' }, 'receivers', 'me')).toBe(`${base}/users/alice/receivers/me`);
    expect(resourcePath({ level: 'user', user: 'a b' }, 'deliveries')).toBe(`${base}/users/a%20b/deliveries`);
  });
});

describe('selectors and lists', () => {
  it('reads key=value lines and names the bad ones', () => {
    expect(parseSelector('severity=critical\n namespace = dev \n\nnonsense')).toEqual({ selector: { matchLabels: { severity: 'critical', namespace: 'dev' } }, bad: ['nonsense'] });
    expect(parseSelector('').selector).toBeUndefined();
    expect(selectorText({ matchLabels: { a: '1', b: '2' } })).toBe('a=1\nb=2');
  });

  it('splits addresses by commas, spaces and lines', () => {
    expect(splitList('a@x.io, b@x.io\nc@x.io;;')).toEqual(['a@x.io', 'b@x.io', 'c@x.io']);
  });
});

describe('channels', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends credentials only when given, and never an empty one', async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((_u: string, init: RequestInit) => {
        bodies.push(JSON.parse(init.body as string));
        return json({});
      }),
    );
    const spec = { type: 'email' as const, email: { host: 'smtp', port: 25, from: 'a@x.io' } };
    await createConfig({ level: 'platform' }, 'mail', spec, { password: 's3cret', url: '' });
    await updateConfig({ level: 'platform' }, 'mail', spec, { password: '' }, '7');
    expect(bodies[0]).toEqual({ metadata: { name: 'mail' }, spec, credentials: { password: 's3cret' } });
    expect(bodies[1]).toEqual({ metadata: { name: 'mail', resourceVersion: '7' }, spec });
  });

  it("posts a test to the config's verification and answers with the delivery sent", async () => {
    const f = vi.fn<(u: string, i: RequestInit) => Promise<Response>>(() => json({ id: '1', result: 'sent', recipient: 'alice@x.io', verification: true }));
    vi.stubGlobal('fetch', f);
    const d = await verifyConfig({ level: 'user', user: 'alice' }, 'mine', { to: 'alice@x.io' });
    expect(d.result).toBe('sent');
    expect(f.mock.calls[0][0]).toContain(`${base}/users/alice/configs/mine/verification`);
    expect(JSON.parse(f.mock.calls[0][1].body as string)).toEqual({ to: 'alice@x.io' });
  });

  it('tells whether credentials are set without reading them', () => {
    expect(hasCredentials({ metadata: { name: 'a' }, spec: { type: 'slack' }, hasCredentials: true })).toBe(true);
    expect(hasCredentials({ metadata: { name: 'a' }, spec: { type: 'slack', url: { urlSecret: { name: 's', key: 'url' } } } })).toBe(true);
    expect(hasCredentials({ metadata: { name: 'a' }, spec: { type: 'slack' } })).toBe(false);
  });

  it('keys a delivery by its id, else by its time and receiver', () => {
    expect(deliveryRow({ id: 'd-1', time: '2026-12-05T00:00:00Z', receiver: 'ops', result: 'sent' }, 0).metadata.name).toBe('d-1');
    const r = deliveryRow({ time: '2026-12-05T00:00:00Z', receiver: 'ops', result: 'sent' }, 3);
    expect(r.metadata.name).toBe('2026-12-05T00:00:00Z-ops-3');
    expect(r.metadata.creationTimestamp).toBe('2026-12-05T00:00:00Z');
  });
});
