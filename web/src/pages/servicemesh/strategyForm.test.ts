import { describe, expect, it } from 'vitest';
import { emptyDraft, forService, strategyProblems, toStrategy, describeMatch, type StrategyDraft } from './strategyForm';

const base: StrategyDraft = { ...emptyDraft(), name: 'reviews-v2', service: 'reviews', principal: 'v1', canary: 'v2', source: 'reviews-v1', image: 'reviews:2' };

describe('strategyProblems', () => {
  it('accepts a complete canary', () => {
    expect(strategyProblems(base, ['v1'])).toEqual({});
  });
  it('names each wrong field by its spec path', () => {
    const p = strategyProblems({ ...base, name: 'Bad_Name', canary: 'v1', weight: 120, image: '', matches: [{ kind: 'header', name: 'X User', op: 'regex', value: '(' }, { kind: 'cookie', name: 'c', op: 'regex', value: '[a' }] }, ['v1']);
    expect(p).toEqual({
      'metadata.name': 'name',
      'spec.canary': 'same',
      'spec.weight': 'percent',
      image: 'required',
      'spec.match[0].name': 'header',
      'spec.match[0].headers[x user].regex': 'regex',
      'spec.match[1].cookies[0].value.regex': 'regex',
    });
  });
  it('refuses a new workload for a version the service runs already', () => {
    expect(strategyProblems({ ...base, canary: 'v3' }, ['v1', 'v3'])['spec.canary']).toBe('exists');
    expect(strategyProblems({ ...base, canary: 'v3', createWorkload: false }, ['v1', 'v3'])).toEqual({});
  });
  it('checks the mirror percent only for a mirror', () => {
    expect(strategyProblems({ ...base, type: 'Mirror', mirrorPercent: 101 })['spec.mirror.percent']).toBe('percent');
    expect(strategyProblems({ ...base, type: 'BlueGreen', mirrorPercent: 101, weight: -1 })).toEqual({});
  });
});

describe('toStrategy', () => {
  it('writes a canary with its weight and matches', () => {
    const s = toStrategy({ ...base, weight: 10, matches: [{ kind: 'header', name: 'X-User', op: 'exact', value: 'tester' }, { kind: 'cookie', name: 'canary', op: 'prefix', value: 'y' }] }, 'shop');
    expect(s).toEqual({
      apiVersion: 'servicemesh.superkube.io/v1alpha2',
      kind: 'Strategy',
      metadata: { name: 'reviews-v2', namespace: 'shop' },
      spec: { type: 'Canary', service: 'reviews', principal: 'v1', canary: 'v2', weight: 10, match: [{ headers: { 'x-user': { exact: 'tester' } } }, { cookies: [{ name: 'canary', value: { prefix: 'y' } }] }] },
    });
    expect(describeMatch(s.spec.match![0])).toBe('header x-user = tester');
  });
  it('writes only the fields of the type', () => {
    expect(toStrategy({ ...base, type: 'BlueGreen', active: 'Canary' }, 'shop').spec).toEqual({ type: 'BlueGreen', service: 'reviews', principal: 'v1', canary: 'v2', active: 'Canary' });
    expect(toStrategy({ ...base, type: 'Mirror', mirrorPercent: 25, versionLabel: 'track' }, 'shop').spec).toEqual({ type: 'Mirror', service: 'reviews', principal: 'v1', canary: 'v2', mirror: { percent: 25 }, versionLabel: 'track' });
  });
  it('takes the principal and the Deployment to copy from the chosen service', () => {
    const d = forService(emptyDraft(), { name: 'reviews', versions: [{ name: 'v1', pods: 2, workloads: [{ kind: 'StatefulSet', name: 's', replicas: 1, readyReplicas: 1 }, { kind: 'Deployment', name: 'reviews-v1', replicas: 2, readyReplicas: 2 }] }] });
    expect([d.service, d.principal, d.source]).toEqual(['reviews', 'v1', 'reviews-v1']);
  });
});
