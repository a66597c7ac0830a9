import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import { joinBody, type Cluster } from '../../api/clusters';
import { agentConnected, connectionOf, installCommand, isDuration, isHost, readiness, serverCauses } from './clusterLogic';

function cluster(name: string, c: Partial<Cluster> = {}): Cluster {
  return { metadata: { name }, spec: {}, ...c };
}

describe('clusters', () => {
  it('tells the host and the connection', () => {
    const host = cluster('host', { metadata: { name: 'host', labels: { 'cluster-role.superkube.io/host': '' } }, spec: { connection: { type: 'Host' } } });
    expect(isHost(host)).toBe(true);
    expect(connectionOf(host)).toBe('Host');
    const edge = cluster('edge', { spec: { connection: { type: 'Agent' } } });
    expect(isHost(edge)).toBe(false);
    expect(connectionOf(edge)).toBe('Agent');
    expect(connectionOf(cluster('m'))).toBe('Direct');
  });

  it('reads the Ready condition and the agent', () => {
    expect(readiness(cluster('x'))).toEqual({ status: 'Unknown' });
    const edge = cluster('edge', {
      spec: { connection: { type: 'Agent' } },
      status: { conditions: [{ type: 'Ready', status: 'False', reason: 'AgentNotConnected', message: 'waiting for its agent to join' }] },
    });
    expect(readiness(edge)).toEqual({ status: 'False', reason: 'AgentNotConnected', message: 'waiting for its agent to join' });
    expect(agentConnected(edge)).toBe(false);
    expect(agentConnected({ ...edge, status: { agent: { connected: true } } })).toBe(true);
    expect(agentConnected(cluster('m', { spec: { connection: { type: 'Direct' } } }))).toBeUndefined();
  });

  it('sends only the fields of the connection chosen', () => {
    expect(joinBody({ name: 'a', provider: '', connection: 'Agent', kubeconfig: 'x', joinTokenTTL: '2h' })).toEqual({ name: 'a', connection: 'Agent', joinTokenTTL: '2h' });
    expect(joinBody({ name: 'a', provider: 'kind', connection: 'Direct', kubeconfig: 'k', joinTokenTTL: '2h' })).toEqual({ name: 'a', provider: 'kind', connection: 'Direct', kubeconfig: 'k' });
  });

  it('makes the install command and checks durations', () => {
    expect(installCommand('https://ke.example.com ', 'edge-1')).toBe(
      'ke-agent --host-url https://ke.example.com --cluster edge-1 --join-token-file token --credential-file /var/lib/ke-agent/credential --kubeconfig member.kubeconfig',
    );
    expect(installCommand('', 'e')).toContain('--host-url <ke-apiserver URL>');
    expect(isDuration('1h')).toBe(true);
    expect(isDuration('1h30m')).toBe(true);
    expect(isDuration('2 days')).toBe(false);
  });

  it('keeps the server’s words about a field', () => {
    const err = new ApiError(422, { kind: 'Status', code: 422, reason: 'Invalid', details: { causes: [{ field: 'kubeconfig', reason: 'FieldValueInvalid', message: 'cannot be parsed' }] } });
    expect(serverCauses(err, 'kubeconfig')).toBe('cannot be parsed');
    expect(serverCauses(err, 'name')).toBeUndefined();
    expect(serverCauses(new Error('x'), 'kubeconfig')).toBeUndefined();
  });
});
