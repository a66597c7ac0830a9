import type { Pod, Workload } from '../api/types';

// The states the console shows, the same the list engine derives and filters by.

export function podStatus(p: Pod): string {
  if (p.metadata.deletionTimestamp) return 'terminating';
  return (p.status?.phase ?? 'pending').toLowerCase();
}

export function podReady(p: Pod): string {
  const cs = p.status?.containerStatuses ?? [];
  return `${cs.filter((c) => c.ready).length}/${p.spec.containers.length}`;
}

export function podRestarts(p: Pod): number {
  return (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
}

export function workloadStatus(w: Workload): string {
  const desired = w.spec.replicas ?? w.status?.desiredNumberScheduled ?? 1;
  const ready = w.status?.readyReplicas ?? w.status?.numberReady ?? 0;
  if (desired === 0) return 'stopped';
  if ((w.status?.updatedReplicas ?? ready) < desired && ready > 0) return 'updating';
  if (ready >= desired) return 'running';
  return ready > 0 ? 'updating' : 'pending';
}

export function workloadReady(w: Workload): string {
  const desired = w.spec.replicas ?? w.status?.desiredNumberScheduled ?? 0;
  const ready = w.status?.readyReplicas ?? w.status?.numberReady ?? 0;
  return `${ready}/${desired}`;
}
