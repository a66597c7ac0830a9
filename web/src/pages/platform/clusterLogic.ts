import { ApiError } from '../../api/client';
import type { Cluster, ConnectionType } from '../../api/clusters';

/** The label of the host cluster (api/cluster/v1alpha1). */
export const hostLabel = 'cluster-role.superkube.io/host';

/** connectionOf is how ke-apiserver reaches the cluster. */
export function connectionOf(c: Cluster): ConnectionType {
  return c.spec?.connection?.type ?? (isHost(c) ? 'Host' : 'Direct');
}

/** isHost tells the host cluster, which is never removed and has no join token. */
export function isHost(c: Cluster): boolean {
  return c.metadata.labels?.[hostLabel] !== undefined || c.spec?.connection?.type === 'Host';
}

export interface Readiness {
  /** True, False or Unknown (no Ready condition yet) */
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** readiness is the cluster's Ready condition: what the host last reached. */
export function readiness(c: Cluster): Readiness {
  const cond = c.status?.conditions?.find((x) => x.type === 'Ready');
  if (!cond) return { status: 'Unknown' };
  return { status: cond.status, reason: cond.reason || undefined, message: cond.message || undefined };
}

/** agentConnected tells, for an Agent cluster, whether its agent has a tunnel open; undefined for others. */
export function agentConnected(c: Cluster): boolean | undefined {
  if (connectionOf(c) !== 'Agent') return undefined;
  return c.status?.agent?.connected ?? false;
}

/** installCommand is the command that starts ke-agent on the member with its join token in the file token. */
export function installCommand(hostURL: string, name: string): string {
  const url = hostURL.trim() || '<ke-apiserver URL>';
  return `ke-agent --host-url ${url} --cluster ${name} --join-token-file token --credential-file /var/lib/ke-agent/credential --kubeconfig member.kubeconfig`;
}

/**
 * serverCauses is the server's own words about a field of an invalid
 * request (a 422 Status's details.causes), such as why a kubeconfig does
 * not work: the console's translation says that the value is wrong, these
 * say which check failed.
 */
export function serverCauses(err: unknown, field: string): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const msgs = (err.status.details?.causes ?? []).filter((c) => c.field === field && c.message).map((c) => c.message as string);
  return msgs.length ? msgs.join('; ') : undefined;
}

/** isDuration tells a Go duration such as 30m, 1h or 1h30m (the join token's lifetime). */
export function isDuration(s: string): boolean {
  return /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s.trim());
}
