import { diffLines } from './diff';

describe('diffLines', () => {
  it('keeps equal lines and marks removed and added ones in order', () => {
    const d = diffLines('a\nb\nc', 'a\nx\nc\nd');
    expect(d).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'x' },
      { op: ' ', text: 'c' },
      { op: '+', text: 'd' },
    ]);
  });
  it('finds no change in equal texts', () => {
    expect(diffLines('a\nb', 'a\nb').every((l) => l.op === ' ')).toBe(true);
  });
});
