import { parseQuantity, quantityValue } from '../../api/quantity';
import { quotaGroup, type WorkspaceQuota } from '../../api/workspaceQuotas';
import { quotaResources, quotaUsage, type QuotaDraft, type UsageRow } from '../project/quotaForm';

// What the workspace's Quotas page computes beyond the project's (quotaForm.ts,
// whose bars, drafts, rules and below-use warnings it reuses): the Exceeded
// flag, each project's share of each limit, and the quota to send.

/** exceeded is the quota's Exceeded condition when it is True (use above a hard limit), with its message. */
export function exceeded(q: WorkspaceQuota): { message: string } | undefined {
  const c = q.status?.conditions?.find((x) => x.type === 'Exceeded');
  return c?.status === 'True' ? { message: c.message ?? '' } : undefined;
}

/** One project's use of one limit: its amount and its share of the limit (null without a count). */
export interface ShareCell {
  used: number | null;
  share: number | null;
}

export interface ProjectShare {
  /** the member cluster of the project; absent for the host */
  cluster?: string;
  namespace: string;
  cells: Record<string, ShareCell>;
}

/**
 * projectShares is a row per project of the quota's status.namespaces, the
 * host's first, then each member cluster's, by name: its use of each limited resource (the rows of quotaUsage, which are
 * the table's columns) and its share of the limit. A project that uses none
 * of a resource has 0 of it; a limit of 0 gives no share.
 */
export function projectShares(q: WorkspaceQuota, rows: UsageRow[] = quotaUsage(q)): ProjectShare[] {
  return [...(q.status?.namespaces ?? [])]
    .sort((a, b) => (a.cluster ?? '').localeCompare(b.cluster ?? '') || a.namespace.localeCompare(b.namespace))
    .map((n) => {
      const cells: Record<string, ShareCell> = {};
      for (const r of rows) {
        const text = n.used?.[r.resource];
        const parsed = text !== undefined ? parseQuantity(text) : undefined;
        const used = text === undefined ? 0 : parsed ? quantityValue(parsed) : null;
        cells[r.resource] = { used, share: used === null || r.hard <= 0 ? null : used / r.hard };
      }
      return n.cluster ? { cluster: n.cluster, namespace: n.namespace, cells } : { namespace: n.namespace, cells };
    });
}

/**
 * toWorkspaceQuota is the quota to send: the one read, with the form's
 * limits (an empty field removes a limit) and every other limit kept; or a
 * new quota named after the workspace. The status is left out: the PUT of
 * the resource ignores it, and the usage controller owns it.
 */
export function toWorkspaceQuota(d: QuotaDraft, workspace: string, existing?: WorkspaceQuota): WorkspaceQuota {
  const hard: Record<string, string> = { ...(existing?.spec?.hard ?? {}) };
  for (const r of quotaResources) {
    const v = (d[r] ?? '').trim();
    if (v) hard[r] = v;
    else delete hard[r];
  }
  if (existing) {
    const copy: WorkspaceQuota = { ...existing, spec: { ...existing.spec, hard } };
    delete copy.status;
    return copy;
  }
  return { apiVersion: `${quotaGroup}/v1alpha2`, kind: 'ResourceQuota', metadata: { name: workspace }, spec: { workspace, hard } };
}
