import { manifestDiff } from './manifestDiff';

describe('the manifest diff', () => {
  it('shows the changed lines with three lines of context and counts them', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const after = before.replace('line 10\n', 'line ten\n');
    const d = manifestDiff(before, after);
    expect(d.added).toBe(1);
    expect(d.removed).toBe(1);
    expect(d.rows.map((r) => r.op + r.text)).toEqual([' line 7', ' line 8', ' line 9', '-line 10', '+line ten', ' line 11', ' line 12', ' line 13', '…']);
  });

  it('shows a new release’s manifest as added, and nothing for no change', () => {
    expect(manifestDiff('', 'a: 1\nb: 2\n').added).toBe(2);
    const same = manifestDiff('a: 1\n', 'a: 1\n');
    expect(same.added + same.removed).toBe(0);
    expect(same.rows).toEqual([]);
  });
});
