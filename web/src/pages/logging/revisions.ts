import { diffLines } from 'diff';
import { stringify } from 'yaml';
import type { K8sObject } from '../../api/types';
import { deploymentRevision, rollbackTemplate } from '../project/rollback';

// A workload's revisions and what changed from one to the next: the
// audit store keeps no bodies, so a change's "what" comes from the
// revisions the controllers keep: a Deployment's ReplicaSets (numbered by
// an annotation), a StatefulSet's or DaemonSet's ControllerRevisions.

/** A revision of a workload's pod template. */
export interface Revision {
  revision: number;
  /** the ReplicaSet or ControllerRevision */
  name: string;
  uid?: string;
  /** RFC 3339: when it was made */
  created: string;
  /** the pod template, without what the controller added to tell revisions apart */
  template: unknown;
}

/** A line of a diff: in both, only in the later text (added) or only in the earlier (removed). */
export interface DiffLine {
  op: 'same' | 'added' | 'removed';
  text: string;
}

/** A run of unchanged lines left out of a diff shown with its context. */
export interface Skipped {
  op: 'skip';
  count: number;
}

/** withoutPatchKeys leaves out the $patch directives of a strategic merge patch, as a ControllerRevision's data holds them. */
function withoutPatchKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutPatchKeys);
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k !== '$patch') out[k] = withoutPatchKeys(x);
  return out;
}

/** deploymentRevisions are a Deployment's revisions from its ReplicaSets (annotation deployment.kubernetes.io/revision), oldest first. */
export function deploymentRevisions(replicaSets: K8sObject[]): Revision[] {
  const out: Revision[] = [];
  for (const rs of replicaSets) {
    const n = Number(rs.metadata.annotations?.[deploymentRevision]);
    if (!Number.isInteger(n) || n <= 0 || !rs.metadata.creationTimestamp) continue;
    out.push({ revision: n, name: rs.metadata.name, uid: rs.metadata.uid, created: rs.metadata.creationTimestamp, template: rollbackTemplate(rs) });
  }
  return out.sort((a, b) => a.revision - b.revision);
}

/** controllerRevisions are a StatefulSet's or DaemonSet's revisions from its ControllerRevisions (revision, data.spec.template), oldest first. */
export function controllerRevisions(revisions: K8sObject[]): Revision[] {
  const out: Revision[] = [];
  for (const cr of revisions) {
    const n = Number(cr.revision);
    if (!Number.isInteger(n) || n <= 0 || !cr.metadata.creationTimestamp) continue;
    const data = cr.data as unknown as { spec?: { template?: unknown } } | undefined;
    out.push({ revision: n, name: cr.metadata.name, uid: cr.metadata.uid, created: cr.metadata.creationTimestamp, template: withoutPatchKeys(data?.spec?.template ?? {}) });
  }
  return out.sort((a, b) => a.revision - b.revision);
}

/**
 * templateYAML writes a pod template as YAML, its keys in the order the
 * API gives them (the same for every revision: a container's name first),
 * one value a line, so that two revisions compare line by line.
 */
export function templateYAML(template: unknown): string {
  return stringify(template ?? {}, { lineWidth: 0 });
}

/** lineDiff compares two texts line by line. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const out: DiffLine[] = [];
  for (const c of diffLines(before, after)) {
    const op = c.added ? 'added' : c.removed ? 'removed' : 'same';
    const lines = c.value.replace(/\n$/, '').split('\n');
    for (const text of lines) out.push({ op, text });
  }
  return out;
}

/** withContext keeps the changed lines and n unchanged lines around each; longer unchanged runs are skipped and counted. */
export function withContext(lines: DiffLine[], n = 3): (DiffLine | Skipped)[] {
  const near = lines.map(() => false);
  lines.forEach((l, i) => {
    if (l.op === 'same') return;
    for (let j = Math.max(0, i - n); j <= Math.min(lines.length - 1, i + n); j++) near[j] = true;
  });
  const out: (DiffLine | Skipped)[] = [];
  lines.forEach((l, i) => {
    if (near[i]) {
      out.push(l);
      return;
    }
    const last = out[out.length - 1];
    if (last?.op === 'skip') last.count++;
    else out.push({ op: 'skip', count: 1 });
  });
  return out;
}

/** templateDiff is what changed in the pod template from one revision to the next. */
export function templateDiff(before: Revision, after: Revision): DiffLine[] {
  return lineDiff(templateYAML(before.template), templateYAML(after.template));
}
