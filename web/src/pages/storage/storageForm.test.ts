import type { Claim, VolumeSnapshot } from '../../api/storage';
import { capabilityTags, claimSize, expandProblem, nameProblem, restoredName, restoreSizeProblem, snapshotClassChoices, snapshotName, snapshotState } from './storageForm';

const claim = (over: Partial<Claim> = {}): Claim => ({
  metadata: { name: 'data' },
  spec: { storageClassName: 'sim-csi', resources: { requests: { storage: '1Gi' } } },
  mountedBy: [],
  ...over,
});

describe('capability tags', () => {
  it.each([
    ['a class that can do everything shows snapshot, clone and expand in that order', { snapshot: true, clone: true, expand: true, csi: true }, ['snapshot', 'clone', 'expand']],
    ['a class that can only expand shows expand', { snapshot: false, clone: false, expand: true, csi: false }, ['expand']],
    ['a claim whose class is gone shows nothing', undefined, []],
  ])('%s', (_name, caps, want) => {
    expect(capabilityTags(caps)).toEqual(want);
  });
});

describe('the new size of an expansion', () => {
  it.each([
    ['an empty size is required', '1Gi', '', 'required'],
    ['a size that is not a quantity is invalid', '1Gi', '2 GB', 'invalid'],
    ['zero is invalid', '1Gi', '0', 'invalid'],
    ['the same size is not larger', '1Gi', '1Gi', 'notLarger'],
    ['the same size written otherwise is not larger', '1Gi', '1024Mi', 'notLarger'],
    ['a smaller size is not larger', '1Gi', '500Mi', 'notLarger'],
    ['a larger size is accepted', '1Gi', '2Gi', undefined],
    ['a larger decimal size is accepted', '1Gi', '1.1G', undefined],
  ])('%s', (_name, current, next, want) => {
    expect(expandProblem(current, next)).toBe(want);
  });
});

describe('a restored claim', () => {
  it.each([
    ['an empty size takes the snapshot’s', '', '1Gi', undefined],
    ['a smaller size is refused', '512Mi', '1Gi', 'smaller'],
    ['the same size is accepted', '1Gi', '1Gi', undefined],
    ['a larger size is accepted', '3Gi', '1Gi', undefined],
    ['a size that is not a quantity is invalid', 'big', '1Gi', 'invalid'],
    ['without a known snapshot size any quantity goes', '1Mi', undefined, undefined],
  ])('%s', (_name, size, min, want) => {
    expect(restoreSizeProblem(size, min)).toBe(want);
  });

  it('is named after the source claim', () => {
    const s: VolumeSnapshot = { metadata: { name: 'data-1' }, spec: { source: { persistentVolumeClaimName: 'data' } } };
    expect(restoredName(s)).toBe('data-restored');
  });

  it('keeps a name within 63 characters', () => {
    const s: VolumeSnapshot = { metadata: { name: 'x' }, spec: { source: { persistentVolumeClaimName: 'a'.repeat(63) } } };
    expect(restoredName(s).length).toBeLessThanOrEqual(63);
  });
});

describe('names', () => {
  it.each([
    ['an empty name is required', '', [], 'required'],
    ['upper case is refused', 'Data', [], 'format'],
    ['a name taken is refused', 'data', ['data'], 'taken'],
    ['a DNS label is accepted', 'data-2', ['data'], undefined],
  ])('%s', (_name, name, taken, want) => {
    expect(nameProblem(name, taken)).toBe(want);
  });

  it('a snapshot’s suggested name is the claim and the time, a DNS label', () => {
    expect(snapshotName('data', new Date(Date.UTC(2026, 11, 6, 8, 5, 9)))).toBe('data-20261206-080509');
    const long = snapshotName('a'.repeat(70), new Date(0));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(nameProblem(long)).toBeUndefined();
  });
});

describe('snapshot classes of a claim', () => {
  it('are those of its class’s driver, as the server gives them', () => {
    const c = claim({ capabilities: { snapshot: true, clone: true, expand: true, csi: true, snapshotClasses: ['fast', 'slow'] } });
    expect(snapshotClassChoices(c)).toEqual(['fast', 'slow']);
  });

  it('are none when the class cannot snapshot or is gone', () => {
    expect(snapshotClassChoices(claim({ capabilities: { snapshot: false, clone: false, expand: false, csi: false } }))).toEqual([]);
    expect(snapshotClassChoices(claim())).toEqual([]);
  });
});

describe('sizes and states', () => {
  it('a bound claim’s size is its capacity, a pending one’s its request', () => {
    expect(claimSize(claim({ status: { phase: 'Bound', capacity: { storage: '2Gi' } } }))).toBe('2Gi');
    expect(claimSize(claim())).toBe('1Gi');
  });

  it.each([
    ['a snapshot ready to use is ready', { readyToUse: true }, 'ready'],
    ['a snapshot with an error failed', { readyToUse: false, error: { message: 'boom' } }, 'failed'],
    ['a snapshot without a status is being taken', undefined, 'pending'],
  ])('%s', (_name, status, want) => {
    expect(snapshotState({ metadata: { name: 's' }, spec: { source: {} }, status })).toBe(want);
  });
});
