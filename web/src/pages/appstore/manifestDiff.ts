import { diffLines } from 'diff';

/** A line of a manifest diff: kept, removed or added, or a gap of kept lines left out. */
export interface DiffRow {
  op: ' ' | '-' | '+' | '…';
  text: string;
}

/**
 * manifestDiff compares the manifest deployed now with the one a change
 * would deploy (Myers' diff: rendered charts run to thousands of lines),
 * keeping three lines of context around each change.
 */
export function manifestDiff(before: string, after: string, context = 3): { rows: DiffRow[]; added: number; removed: number } {
  const lines: DiffRow[] = [];
  let added = 0;
  let removed = 0;
  for (const part of diffLines(before, after)) {
    const op = part.added ? '+' : part.removed ? '-' : ' ';
    const texts = part.value.replace(/\n$/, '').split('\n');
    if (op === '+') added += texts.length;
    if (op === '-') removed += texts.length;
    for (const text of texts) lines.push({ op, text });
  }
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, i) => {
    if (l.op !== ' ') for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = true;
  });
  const rows: DiffRow[] = [];
  lines.forEach((l, i) => {
    if (keep[i]) rows.push(l);
    else if (i > 0 && keep[i - 1]) rows.push({ op: '…', text: '' });
  });
  return { rows, added, removed };
}
