import type { WorkspaceQuota } from '../../api/workspaceQuotas';
import { quotaDraft } from '../project/quotaForm';
import { exceeded, projectShares, toWorkspaceQuota } from './workspaceQuota';

const quota: WorkspaceQuota = {
  apiVersion: 'quota.superkube.io/v1alpha2',
  kind: 'ResourceQuota',
  metadata: { name: 'ws-a', resourceVersion: '9' },
  spec: { workspace: 'ws-a', hard: { 'limits.cpu': '4', 'requests.memory': '8Gi', pods: '10', 'count/ingresses.networking.k8s.io': '3' } },
  status: {
    hard: { 'limits.cpu': '4', 'requests.memory': '8Gi', pods: '10' },
    used: { 'limits.cpu': '3', 'requests.memory': '2Gi', pods: '12' },
    namespaces: [
      { namespace: 'web', used: { 'limits.cpu': '2500m', 'requests.memory': '1Gi', pods: '9' } },
      { namespace: 'api', used: { 'limits.cpu': '500m', pods: '3' } },
    ],
    conditions: [{ type: 'Exceeded', status: 'True', reason: 'OverHardLimit', message: 'pods: used 12 of 10' }],
  },
};

describe('the workspace quota page’s logic', () => {
  it('tells the Exceeded condition only when it is True, with its message', () => {
    expect(exceeded(quota)).toEqual({ message: 'pods: used 12 of 10' });
    expect(exceeded({ ...quota, status: { conditions: [{ type: 'Exceeded', status: 'False', message: 'within' }] } })).toBeUndefined();
    expect(exceeded({ ...quota, status: undefined })).toBeUndefined();
  });

  it('gives each project, by name, its use of each limit and its share of it; a resource it does not use is 0', () => {
    const shares = projectShares(quota);
    expect(shares.map((s) => s.namespace)).toEqual(['api', 'web']);
    const [api, web] = shares;
    expect(web.cells['limits.cpu']).toEqual({ used: 2.5, share: 0.625 });
    expect(web.cells.pods).toEqual({ used: 9, share: 0.9 });
    expect(web.cells['requests.memory'].share).toBeCloseTo(0.125);
    expect(api.cells['requests.memory']).toEqual({ used: 0, share: 0 });
    expect(api.cells['count/ingresses.networking.k8s.io']).toEqual({ used: 0, share: 0 });
    expect(Object.keys(api.cells).sort()).toEqual(['count/ingresses.networking.k8s.io', 'limits.cpu', 'pods', 'requests.memory']);
    expect(projectShares({ ...quota, status: {} })).toEqual([]);
  });

  it('lists the host’s projects first, then each member cluster’s, and keeps namesakes apart', () => {
    const spread: WorkspaceQuota = {
      ...quota,
      status: {
        namespaces: [
          { cluster: 'member-1', namespace: 'api', used: { 'limits.cpu': '1' } },
          { namespace: 'web', used: { 'limits.cpu': '1' } },
          { namespace: 'api', used: { 'limits.cpu': '2' } },
        ],
      },
    };
    const shares = projectShares(spread);
    expect(shares.map((s) => `${s.cluster ?? 'host'}/${s.namespace}`)).toEqual(['host/api', 'host/web', 'member-1/api']);
    expect(shares[0].cells['limits.cpu']).toEqual({ used: 2, share: 0.5 });
    expect(shares[2].cells['limits.cpu']).toEqual({ used: 1, share: 0.25 });
  });

  it('edits the form’s limits of the quota read, keeps the others and its resourceVersion, and leaves the status out', () => {
    const d = { ...quotaDraft(quota), 'limits.cpu': ' 6 ', pods: '', 'requests.cpu': '2' };
    const q = toWorkspaceQuota(d, 'ws-a', quota);
    expect(q.spec.hard).toEqual({ 'limits.cpu': '6', 'requests.memory': '8Gi', 'requests.cpu': '2', 'count/ingresses.networking.k8s.io': '3' });
    expect(q.spec.workspace).toBe('ws-a');
    expect(q.metadata.resourceVersion).toBe('9');
    expect(q.status).toBeUndefined();
    expect(quota.spec.hard.pods).toBe('10');
  });

  it('makes a new quota named after the workspace', () => {
    const q = toWorkspaceQuota({ ...quotaDraft(), 'requests.cpu': '4' }, 'ws-b');
    expect(q).toEqual({ apiVersion: 'quota.superkube.io/v1alpha2', kind: 'ResourceQuota', metadata: { name: 'ws-b' }, spec: { workspace: 'ws-b', hard: { 'requests.cpu': '4' } } });
  });
});
