import type { K8sObject } from '../api/types';

// The list engine derives a state, a readiness and sort columns from each
// object and sends them with it; the console shows those values rather than
// computing its own, so that a row's label always agrees with the status
// filter and the sort that found it.

/** derivedStatus is the state the list engine's status filter matches. */
export function derivedStatus(o: K8sObject): string | undefined {
  return o.derived?.status;
}

/** derivedReady is the readiness as ready/desired (pods' containers, workloads' replicas). */
export function derivedReady(o: K8sObject): string {
  return o.derived?.ready ?? '-';
}

/** derivedColumn is the value of one of the list engine's derived sort columns. */
export function derivedColumn(o: K8sObject, column: string): string | number {
  return o.derived?.columns?.[column] ?? '-';
}
