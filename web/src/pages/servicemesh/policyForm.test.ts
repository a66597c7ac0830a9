import { describe, expect, it } from 'vitest';
import type { ServicePolicy } from '../../api/servicemesh';
import { emptyPolicy, inputOf, policyProblems, toPolicyDraft, toPolicySpec } from './policyForm';

describe('policy form', () => {
  it('writes only what is set', () => {
    expect(toPolicySpec({ ...emptyPolicy(), name: 'p', service: 'reviews' })).toEqual({ service: 'reviews' });
    expect(toPolicySpec({ ...emptyPolicy(), name: 'p', service: 'reviews', maxConnections: '100', http2MaxRequests: '1000', consecutive5xxErrors: '5', interval: '10s', loadBalancer: 'LeastRequest', attempts: '3', retryOn: '5xx,reset', timeout: '2s' })).toEqual({
      service: 'reviews',
      connectionPool: { tcp: { maxConnections: 100 }, http: { http2MaxRequests: 1000 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '10s' },
      loadBalancer: { simple: 'LeastRequest' },
      retries: { attempts: 3, retryOn: '5xx,reset' },
      timeout: '2s',
    });
  });
  it('writes a consistent hash', () => {
    expect(toPolicySpec({ ...emptyPolicy(), service: 's', loadBalancer: 'cookie', hashCookie: 'user', hashCookieTTL: '1h' }).loadBalancer).toEqual({ consistentHash: { httpCookie: { name: 'user', ttl: '1h' } } });
    expect(toPolicySpec({ ...emptyPolicy(), service: 's', loadBalancer: 'sourceIP' }).loadBalancer).toEqual({ consistentHash: { useSourceIP: true } });
  });
  it('names the wrong inputs', () => {
    expect(policyProblems({ ...emptyPolicy(), name: 'p', service: 's', maxConnections: '0', maxEjectionPercent: '150', interval: '10 seconds', retryOn: '5xx,sometimes', attempts: '', loadBalancer: 'header' })).toEqual({
      maxConnections: 'min1',
      maxEjectionPercent: 'percent',
      interval: 'duration',
      retryOn: 'retryOn',
      attempts: 'required',
      hashHeader: 'required',
    });
    expect(policyProblems({ ...emptyPolicy(), name: 'p', service: 's', attempts: '3', retryOn: '503, connect-failure', perTryTimeout: '1.5s' })).toEqual({});
  });
  it('reads a policy back', () => {
    const p: ServicePolicy = { metadata: { name: 'p' }, spec: toPolicySpec({ ...emptyPolicy(), service: 's', maxRetries: '0', loadBalancer: 'header', hashHeader: 'x-user', attempts: '2', perTryTimeout: '1s' }) };
    const d = toPolicyDraft(p);
    expect([d.maxRetries, d.loadBalancer, d.hashHeader, d.attempts, d.perTryTimeout]).toEqual(['0', 'header', 'x-user', '2', '1s']);
    expect(toPolicySpec(d)).toEqual(p.spec);
  });
  it('finds the input of a field the server names', () => {
    expect(inputOf('spec.retries.retryOn')).toBe('retryOn');
    expect(inputOf('spec.loadBalancer.consistentHash.httpCookie.name')).toBe('hashCookie');
    expect(inputOf('spec.loadBalancer')).toBe('loadBalancer');
    expect(inputOf('metadata.name')).toBe('name');
    expect(inputOf('spec.other')).toBeUndefined();
  });
});
