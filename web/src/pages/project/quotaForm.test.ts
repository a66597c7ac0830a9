import type { LimitRange, ResourceQuota } from '../../api/quotas';
import { belowUse, limitsDraft, limitsProblems, quantityProblem, quotaDraft, quotaProblems, quotaUsage, toLimitRange, toQuota } from './quotaForm';

const quota: ResourceQuota = {
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'project-quota', namespace: 'dev', resourceVersion: '42', uid: 'u1' },
  spec: { hard: { pods: '10', 'limits.memory': '4Gi', 'requests.cpu': '2', 'count/widgets.example.com': '3', 'requests.storage': '100Gi' } },
  status: {
    hard: { pods: '10', 'limits.memory': '4Gi', 'requests.cpu': '2', 'count/widgets.example.com': '3', 'requests.storage': '100Gi' },
    used: { pods: '12', 'limits.memory': '1536Mi', 'requests.cpu': '500m', 'count/widgets.example.com': '0' },
  },
};

describe('quota usage', () => {
  it('gives a bar per limit, the form’s resources first and the rest by name, with used of hard and the ratio', () => {
    const rows = quotaUsage(quota);
    expect(rows.map((r) => r.resource)).toEqual(['requests.cpu', 'limits.memory', 'requests.storage', 'pods', 'count/widgets.example.com']);
    expect(rows[0]).toEqual({ resource: 'requests.cpu', unit: 'cores', format: 'DecimalSI', hard: 2, used: 0.5, ratio: 0.25, over: false });
    expect(rows[1]).toMatchObject({ unit: 'bytes', format: 'BinarySI', hard: 4 * 1024 ** 3, used: 1.5 * 1024 ** 3, ratio: 0.375 });
  });

  it('has no use yet for a limit the controller has not counted', () => {
    expect(quotaUsage(quota)[2]).toMatchObject({ resource: 'requests.storage', used: null, ratio: null, over: false });
  });

  it('flags a use above the limit (a quota set below what runs: accepted, and new objects refused)', () => {
    expect(quotaUsage(quota)[3]).toMatchObject({ resource: 'pods', hard: 10, used: 12, ratio: 1.2, over: true });
  });

  it('takes a limit of zero as full once anything is used, and as empty otherwise', () => {
    const rows = quotaUsage({ metadata: { name: 'q' }, spec: { hard: { pods: '0', secrets: '0' } }, status: { used: { pods: '1', secrets: '0' } } });
    expect(rows.find((r) => r.resource === 'pods')).toMatchObject({ ratio: Infinity, over: true });
    expect(rows.find((r) => r.resource === 'secrets')).toMatchObject({ ratio: 0, over: false });
  });

  it('compares exactly: 1000m used of 1 is full, not over', () => {
    const [row] = quotaUsage({ metadata: { name: 'q' }, spec: { hard: { 'limits.cpu': '1' } }, status: { used: { 'limits.cpu': '1000m' } } });
    expect(row).toMatchObject({ ratio: 1, over: false });
  });
});

describe('the quota form', () => {
  it('starts from the quota’s limits, empty where there is none', () => {
    const d = quotaDraft(quota);
    expect(d['requests.cpu']).toBe('2');
    expect(d['limits.cpu']).toBe('');
    expect(d.pods).toBe('10');
    expect(quotaDraft()['requests.memory']).toBe('');
  });

  it.each([
    ['', false, undefined],
    ['  ', false, undefined],
    ['500m', false, undefined],
    [' 4Gi ', false, undefined],
    ['4GB', false, 'quantity'],
    ['four', false, 'quantity'],
    ['-1', false, 'negative'],
    ['10', true, undefined],
    ['1k', true, undefined],
    ['1.5', true, 'integer'],
    ['500m', true, 'integer'],
  ] as const)('checks %j (a count: %s) as %s', (text, integer, want) => {
    expect(quantityProblem(text, integer)).toBe(want);
  });

  it('names the fields the API would refuse: quantities, and whole numbers for object counts', () => {
    const d = { ...quotaDraft(quota), 'requests.cpu': '2 cores', 'limits.memory': '-1Gi', pods: '2.5', 'count/deployments.apps': '500m', services: '' };
    expect(quotaProblems(d)).toEqual({ 'requests.cpu': 'quantity', 'limits.memory': 'negative', pods: 'integer', 'count/deployments.apps': 'integer' });
  });

  it('tells the limits set below the use now', () => {
    const d = { ...quotaDraft(quota), 'limits.memory': '1Gi', 'requests.cpu': '500m', pods: '11' };
    expect(belowUse(d, quota)).toEqual({ 'limits.memory': '1536Mi', pods: '12' });
  });

  it('sends a new project-quota with the limits typed', () => {
    const d = { ...quotaDraft(), 'requests.cpu': ' 4 ', 'limits.memory': '8Gi', 'count/deployments.apps': '20' };
    expect(toQuota(d, 'dev')).toEqual({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'project-quota', namespace: 'dev' },
      spec: { hard: { 'requests.cpu': '4', 'limits.memory': '8Gi', 'count/deployments.apps': '20' } },
    });
  });

  it('changes the quota read at its version, removes emptied limits, and keeps the limits and fields the form does not show', () => {
    const d = { ...quotaDraft(quota), pods: '', 'requests.cpu': '3', secrets: '5' };
    const q = toQuota(d, 'dev', { ...quota, spec: { ...quota.spec, scopes: ['NotTerminating'] } });
    expect(q.metadata).toEqual(quota.metadata);
    expect(q.status).toBeUndefined();
    expect(q.spec).toEqual({
      hard: { 'limits.memory': '4Gi', 'requests.cpu': '3', 'count/widgets.example.com': '3', 'requests.storage': '100Gi', secrets: '5' },
      scopes: ['NotTerminating'],
    });
  });
});

const limits: LimitRange = {
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name: 'project-limits', namespace: 'dev', resourceVersion: '7' },
  spec: {
    limits: [
      { type: 'PersistentVolumeClaim', max: { storage: '10Gi' } },
      { type: 'Container', default: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '1Gi' }, defaultRequest: { cpu: '100m' }, maxLimitRequestRatio: { cpu: '10' } },
    ],
  },
};

describe('the default container limits form', () => {
  it('starts from the Container entry', () => {
    expect(limitsDraft(limits)).toEqual({
      min: { cpu: '', memory: '' },
      defaultRequest: { cpu: '100m', memory: '' },
      default: { cpu: '500m', memory: '512Mi' },
      max: { cpu: '', memory: '' },
    });
    expect(limitsDraft().default.cpu).toBe('');
  });

  it('refuses what is not a quantity or is negative', () => {
    const d = limitsDraft(limits);
    d.max.memory = '1 Gi';
    d.min.cpu = '-1';
    expect(limitsProblems(d)).toEqual({ 'max.memory': { kind: 'quantity' }, 'min.cpu': { kind: 'negative' } });
  });

  it('keeps min ≤ default request ≤ default limit ≤ max, marking the field the API marks', () => {
    const d = limitsDraft();
    d.min.cpu = '2';
    d.max.cpu = '1';
    d.defaultRequest.memory = '1Gi';
    d.default.memory = '512Mi';
    d.max.memory = '2Gi';
    expect(limitsProblems(d)).toEqual({
      'min.cpu': { kind: 'above', bound: 'max', value: '1' },
      'defaultRequest.memory': { kind: 'above', bound: 'default', value: '512Mi' },
    });
    const e = limitsDraft();
    e.min.memory = '256Mi';
    e.default.memory = '128Mi';
    expect(limitsProblems(e)).toEqual({ 'default.memory': { kind: 'below', bound: 'min', value: '256Mi' } });
    // Equal bounds, in other suffixes, are fine.
    const f = limitsDraft();
    f.defaultRequest.cpu = '1000m';
    f.default.cpu = '1';
    f.max.cpu = '1';
    expect(limitsProblems(f)).toEqual({});
  });

  it('sends the LimitRange read with its Container entry changed, keeping other entries, resources and the ratio', () => {
    const d = limitsDraft(limits);
    d.max.cpu = '2';
    d.default.memory = '';
    d.defaultRequest.cpu = '';
    const { object, index } = toLimitRange(d, 'dev', limits);
    expect(index).toBe(1);
    expect(object.metadata).toEqual(limits.metadata);
    expect(object.spec.limits).toEqual([
      { type: 'PersistentVolumeClaim', max: { storage: '10Gi' } },
      { type: 'Container', default: { cpu: '500m', 'ephemeral-storage': '1Gi' }, max: { cpu: '2' }, maxLimitRequestRatio: { cpu: '10' } },
    ]);
  });

  it('sends a new project-limits, or adds a Container entry to a LimitRange without one', () => {
    const d = limitsDraft();
    d.defaultRequest.cpu = '100m';
    d.default.cpu = '500m';
    d.default.memory = '256Mi';
    expect(toLimitRange(d, 'dev')).toEqual({
      index: 0,
      object: {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'project-limits', namespace: 'dev' },
        spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m' }, default: { cpu: '500m', memory: '256Mi' } }] },
      },
    });
    const pvcOnly: LimitRange = { metadata: { name: 'project-limits', namespace: 'dev' }, spec: { limits: [{ type: 'PersistentVolumeClaim', max: { storage: '1Gi' } }] } };
    expect(toLimitRange(d, 'dev', pvcOnly).index).toBe(1);
  });
});
