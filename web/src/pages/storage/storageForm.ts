import { compareQuantities, parseQuantity } from '../../api/quantity';
import type { Capabilities, Claim, VolumeSnapshot } from '../../api/storage';
import { isDNSLabel } from '../../components/format';

// The logic of the storage pages, apart from the components: capability
// tags, the checks of the expand, snapshot and restore dialogs, as the API
// makes them (docs/storage.md), so that the dialog says what is wrong
// before anything is sent.

export type Capability = 'snapshot' | 'clone' | 'expand';

/** capabilityTags are the capabilities a class (or a claim's class) has, in a fixed order. */
export function capabilityTags(c: Capabilities | undefined): Capability[] {
  if (!c) return [];
  return (['snapshot', 'clone', 'expand'] as const).filter((k) => c[k]);
}

/** claimSize is a claim's size: its capacity once bound, else its request. */
export function claimSize(c: Claim): string | undefined {
  return c.status?.capacity?.storage ?? c.spec.resources?.requests?.storage;
}

/** claimRequest is what a claim asks for (what an expansion must exceed). */
export function claimRequest(c: Claim): string | undefined {
  return c.spec.resources?.requests?.storage ?? c.status?.capacity?.storage;
}

export type SizeProblem = 'required' | 'invalid' | 'notLarger' | 'smaller';

/** A size is a positive quantity, such as 2Gi. */
function parsePositive(text: string) {
  const q = parseQuantity(text.trim());
  return q && q.nanos > 0n ? q : undefined;
}

/**
 * expandProblem checks a claim's new size: a quantity, larger than what the
 * claim asks for now (volumes cannot shrink, and the same size changes
 * nothing).
 */
export function expandProblem(current: string | undefined, next: string): SizeProblem | undefined {
  if (!next.trim()) return 'required';
  const n = parsePositive(next);
  if (!n) return 'invalid';
  const c = current ? parseQuantity(current) : undefined;
  if (c && compareQuantities(n, c) <= 0) return 'notLarger';
  return undefined;
}

export type NameProblem = 'required' | 'format' | 'taken';

/** nameProblem checks the name of a new object: a DNS-1123 label, not one of the names taken. */
export function nameProblem(name: string, taken: string[] = []): NameProblem | undefined {
  if (!name) return 'required';
  if (!isDNSLabel(name)) return 'format';
  if (taken.includes(name)) return 'taken';
  return undefined;
}

/**
 * restoreSizeProblem checks the size of a claim restored from a snapshot:
 * empty is the snapshot's size; else a quantity not smaller than it.
 */
export function restoreSizeProblem(size: string, min: string | undefined): SizeProblem | undefined {
  if (!size.trim()) return undefined;
  const n = parsePositive(size);
  if (!n) return 'invalid';
  const m = min ? parseQuantity(min) : undefined;
  if (m && compareQuantities(n, m) < 0) return 'smaller';
  return undefined;
}

/** snapshotName suggests a snapshot's name: the claim's and the time, as a DNS label of at most 63 characters. */
export function snapshotName(claim: string, now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  const base = claim.slice(0, 63 - stamp.length - 1).replace(/-+$/, '');
  return `${base}-${stamp}`;
}

/** restoredName suggests the name of a claim restored from a snapshot. */
export function restoredName(snapshot: VolumeSnapshot): string {
  const base = (snapshot.spec.source.persistentVolumeClaimName ?? snapshot.metadata.name).slice(0, 63 - '-restored'.length).replace(/-+$/, '');
  return `${base}-restored`;
}

/**
 * snapshotClassChoices are the snapshot classes a claim can be snapshotted
 * with (its class's driver's, the default first); none means its class
 * cannot snapshot.
 */
export function snapshotClassChoices(c: Claim): string[] {
  return c.capabilities?.snapshot ? (c.capabilities.snapshotClasses ?? []) : [];
}

export type SnapshotState = 'ready' | 'pending' | 'failed';

/** snapshotState tells whether a snapshot can be restored now, is still being taken, or failed. */
export function snapshotState(s: VolumeSnapshot): SnapshotState {
  if (s.status?.readyToUse) return 'ready';
  if (s.status?.error?.message) return 'failed';
  return 'pending';
}
