import { useTranslation } from 'react-i18next';
import { diffLines } from './diff';

/** DiffView shows the changed lines of two texts with a little context. */
export function DiffView({ before, after }: { before: string; after: string }) {
  const { t } = useTranslation('common');
  const lines = diffLines(before, after);
  const changed = lines.some((l) => l.op !== ' ');
  if (!changed) return <p data-test="diff-empty">{t('No changes.')}</p>;
  const keep = new Set<number>();
  lines.forEach((l, i) => {
    if (l.op !== ' ') for (let k = Math.max(0, i - 3); k <= Math.min(lines.length - 1, i + 3); k++) keep.add(k);
  });
  return (
    <pre className="ke-diff" data-test="diff" aria-label={t('Changes')}>
      {lines.map((l, i) =>
        keep.has(i) ? (
          <div key={i} className={l.op === '+' ? 'ke-diff-add' : l.op === '-' ? 'ke-diff-del' : undefined}>
            {l.op} {l.text}
          </div>
        ) : keep.has(i - 1) ? (
          <div key={i} className="ke-diff-gap">
            …
          </div>
        ) : null,
      )}
    </pre>
  );
}
