import {
  alertRow,
  alertsPath,
  asPreview,
  catalogOf,
  createRuleGroup,
  expireSilence,
  fingerprint,
  groupPath,
  groupState,
  groupsPath,
  isBuiltin,
  kindsAt,
  lastErrors,
  matcherText,
  parseMatcher,
  preview,
  silenceMatchers,
  silenceState,
  silencesPath,
  type RuleGroup,
} from './alerting';

const base = '/kapis/alerting.superkube.io/v2beta1';
const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

function group(states: RuleGroup['status'] = {}, labels?: Record<string, string>): RuleGroup {
  return { metadata: { name: 'g', labels }, spec: { rules: [{ alert: 'A', expr: 'up == 0' }, { alert: 'B', expr: 'up == 1' }] }, status: states };
}

describe('the alerting paths', () => {
  it.each([
    ['the platform', { level: 'global' as const }, '/globalrulegroups', '/alerts', '/silences'],
    ['the cluster', { level: 'cluster' as const }, '/clusterrulegroups', '/clusteralerts', '/silences'],
    ['a project', { level: 'project' as const, namespace: 'dev' }, '/namespaces/dev/rulegroups', '/namespaces/dev/alerts', '/namespaces/dev/silences'],
  ])('of %s', (_n, p, groups, alerts, silences) => {
    expect(groupsPath(p)).toBe(base + groups);
    expect(alertsPath(p)).toBe(base + alerts);
    expect(silencesPath(p)).toBe(base + silences);
  });

  it('encodes names', () => {
    expect(groupPath({ level: 'project', namespace: 'dev' }, 'a/b')).toBe(`${base}/namespaces/dev/rulegroups/a%2Fb`);
  });

  it('offers a project only the kinds within it', () => {
    expect(kindsAt('project')).toEqual(['Workload', 'Pod', 'Container', 'PersistentVolumeClaim']);
    expect(kindsAt('cluster')).toContain('Node');
  });
});

describe('reading rule groups', () => {
  it('tells the most urgent state of the rules, and their errors', () => {
    expect(groupState(group())).toBe('inactive');
    expect(groupState(group({ ruleStates: [{ alert: 'A', state: 'pending' }, { alert: 'B', state: 'inactive' }] }))).toBe('pending');
    const g = group({ ruleStates: [{ alert: 'A', state: 'pending' }, { alert: 'B', state: 'firing', lastError: 'many-to-many matching' }] });
    expect(groupState(g)).toBe('firing');
    expect(lastErrors(g)).toEqual([{ alert: 'B', error: 'many-to-many matching' }]);
  });

  it('reads rule states beside the object, and by position when they do not name the rule', () => {
    const g = { ...group(), ruleStates: [{ state: 'inactive' as const }, { state: 'firing' as const, lastError: 'x' }] };
    expect(groupState(g)).toBe('firing');
    expect(lastErrors(g)).toEqual([{ alert: 'B', error: 'x' }]);
  });

  it('tells built-in groups by their label', () => {
    expect(isBuiltin(group({}, { 'alerting.superkube.io/builtin': 'true' }))).toBe(true);
    expect(isBuiltin(group())).toBe(false);
  });
});

describe('alerts and silences', () => {
  const alert = { labels: { alertname: 'PodRestarts', namespace: 'dev', pod: 'web-1', severity: 'warning', alertstate: 'firing' }, state: 'firing' as const };

  it('keys an alert by its labels, whatever their order', () => {
    expect(fingerprint({ a: '1', b: '2' })).toBe(fingerprint({ b: '2', a: '1' }));
    expect(fingerprint({ a: '1' })).not.toBe(fingerprint({ a: '2' }));
    const r = alertRow(alert);
    expect(r.metadata.name).toBe('PodRestarts');
    expect(r.metadata.uid).toBe(fingerprint(alert.labels));
  });

  it("prefills a silence with the alert's labels as equality matchers", () => {
    const m = silenceMatchers(alert);
    expect(m.map(matcherText)).toEqual(['alertname="PodRestarts"', 'namespace="dev"', 'pod="web-1"', 'severity="warning"']);
  });

  it("reads a silence's state from the API's field or Alertmanager's", () => {
    const base = { id: 'x', matchers: [], startsAt: '', endsAt: '' };
    expect(silenceState({ ...base, state: 'active' })).toBe('active');
    expect(silenceState({ ...base, status: { state: 'expired' } })).toBe('expired');
  });

  it('keys an alert by the fingerprint the API gives', () => {
    expect(alertRow({ ...alert, fingerprint: 'f00d' }).metadata.uid).toBe('f00d');
  });

  it('reads back what it writes', () => {
    for (const m of [
      { name: 'pod', value: 'web-.*', isRegex: true, isEqual: true },
      { name: 'pod', value: 'web', isRegex: false, isEqual: false },
      { name: 'pod', value: 'web-1', isRegex: false, isEqual: true },
    ])
      expect(parseMatcher(matcherText(m))).toEqual(m);
    expect(parseMatcher('not a matcher')).toBeUndefined();
  });
});

describe('the builder', () => {
  it('reads a preview in the API shape, in Prometheus’ shape, and leaves NaN without a value', () => {
    expect(asPreview({ expr: 'x > 1', series: [{ labels: { pod: 'a' }, value: [1, '2.5'] }, { labels: { pod: 'b' }, value: 'NaN' }] })).toEqual({
      expr: 'x > 1',
      series: [
        { labels: { pod: 'a' }, value: 2.5 },
        { labels: { pod: 'b' }, value: null },
      ],
    });
    expect(asPreview({ expr: 'y', result: [{ metric: { node: 'n' }, value: [1, '3'] }] }).series).toEqual([{ labels: { node: 'n' }, value: 3 }]);
    expect(asPreview({ expr: 'z', series: [{ labels: {}, values: [[1, '1'], [2, '4']] }] }).series[0].value).toBe(4);
    // The alerting API's own shape: the value as a string, the unit, whether series were left out.
    expect(asPreview({ expr: 'e', unit: 'count', truncated: true, series: [{ labels: { pod: 'a' }, value: '2' }] })).toEqual({ expr: 'e', unit: 'count', truncated: true, series: [{ labels: { pod: 'a' }, value: 2 }] });
  });

  it('reads the catalog as a list or as items', () => {
    const m = { kind: 'Pod' as const, name: 'pod_restarts', unit: 'count' };
    expect(catalogOf([m])).toEqual([m]);
    expect(catalogOf({ items: [m] })).toEqual([m]);
    expect(catalogOf([{ kind: 'Pod', metric: 'pod_cpu_usage' } as never])[0].name).toBe('pod_cpu_usage');
  });
});

describe('requests', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('posts a rule to the level’s preview and a group to its list, with the CSRF header', async () => {
    document.cookie = 'ke-csrf=tok';
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string, init: RequestInit) => {
        calls.push({ url, init });
        return url.endsWith('/preview') ? json({ expr: 'e', series: [] }) : json({ metadata: { name: 'g' }, spec: { rules: [] } }, 201);
      }),
    );
    const p = { level: 'project' as const, namespace: 'dev' };
    const rule = { alert: 'A', builder: { kind: 'Pod' as const, metric: 'pod_restarts', comparison: '>' as const, threshold: '3' } };
    expect(await preview(p, rule)).toEqual({ expr: 'e', series: [] });
    await createRuleGroup(p, { metadata: { name: 'g' }, spec: { rules: [rule] } });
    expect(calls[0].url).toContain(`${base}/namespaces/dev/rulegroups/preview`);
    expect(JSON.parse(calls[0].init.body as string)).toEqual({ rule });
    expect((calls[0].init.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok');
    expect(calls[1].init.method).toBe('POST');
    expect((JSON.parse(calls[1].init.body as string) as { spec: { rules: { builder: { threshold: string } }[] } }).spec.rules[0].builder.threshold).toBe('3');
  });

  it('expires a silence with a DELETE of it', async () => {
    const f = vi.fn(() => Promise.resolve(new Response(null, { status: 204 })));
    vi.stubGlobal('fetch', f);
    await expireSilence({ level: 'project', namespace: 'dev' }, 'abc-1');
    expect(f).toHaveBeenCalledWith(expect.stringContaining(`${base}/namespaces/dev/silences/abc-1`), expect.objectContaining({ method: 'DELETE' }));
  });
});
