import { describe, expect, it } from 'vitest';
import type { Workload } from '../../api/types';
import { appOf, cloneForVersion, newVersionName } from './cloneDeployment';

const current: Workload = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'reviews-v1',
    namespace: 'shop',
    uid: 'u-1',
    resourceVersion: '42',
    labels: { app: 'reviews', version: 'v1' },
    annotations: { 'deployment.kubernetes.io/revision': '3', team: 'books' },
    ownerReferences: [{ apiVersion: 'x', kind: 'Y', name: 'z', uid: 'u' }],
  },
  spec: {
    replicas: 2,
    paused: true,
    selector: { matchLabels: { app: 'reviews', version: 'v1' } },
    template: {
      metadata: { labels: { app: 'reviews', version: 'v1' }, annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' } },
      spec: { containers: [{ name: 'sidecar', image: 'log:1' }, { name: 'reviews', image: 'reviews:1' }] },
    },
  },
  status: { replicas: 2 },
};

describe('cloneForVersion', () => {
  it('copies the Deployment with the new version and image', () => {
    const d = cloneForVersion(current, { version: 'v2', image: 'reviews:2', container: 'reviews' });
    expect(d.metadata).toEqual({ name: 'reviews-v2', namespace: 'shop', labels: { app: 'reviews', version: 'v2' }, annotations: { team: 'books' } });
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'reviews', version: 'v2' } });
    expect(d.spec.template.metadata).toEqual({ labels: { app: 'reviews', version: 'v2' } });
    expect(d.spec.template.spec.containers).toEqual([{ name: 'sidecar', image: 'log:1' }, { name: 'reviews', image: 'reviews:2' }]);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.paused).toBeUndefined();
    expect(d.status).toBeUndefined();
  });

  it('leaves the current Deployment as it was', () => {
    cloneForVersion(current, { version: 'v2', image: 'reviews:2' });
    expect(current.spec.template.spec.containers[0].image).toBe('log:1');
    expect(current.spec.selector?.matchLabels?.version).toBe('v1');
  });

  it('changes the first container when none is named, and adds the version to a selector that had none', () => {
    const plain: Workload = { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'web:1' }] } } } };
    const d = cloneForVersion(plain, { version: 'canary', image: 'web:2', versionLabel: 'track' });
    expect(d.metadata.name).toBe('web-canary');
    expect(d.spec.selector?.matchLabels).toEqual({ app: 'web', track: 'canary' });
    expect(d.spec.template.spec.containers[0].image).toBe('web:2');
  });

  it('refuses a container the Deployment does not have', () => {
    expect(() => cloneForVersion(current, { version: 'v2', image: 'x', container: 'nope' })).toThrow(/nope/);
  });
});

describe('names', () => {
  it('takes the app label, else the name without its version', () => {
    expect(appOf(current)).toBe('reviews');
    expect(appOf({ metadata: { name: 'ratings-v1' }, spec: { template: { metadata: { labels: { version: 'v1' } }, spec: { containers: [] } } } })).toBe('ratings');
    expect(newVersionName(current, 'V3')).toBe('reviews-v3');
  });
});
