import { useTranslation } from 'react-i18next';
import { formatTime } from './format';

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** relativeTime says how long ago (or in how long) a moment is, in the user's language: "5 minutes ago", "3분 전". */
export function relativeTime(ts: string | undefined, lang: string, now = Date.now()): string {
  if (!ts) return '-';
  const at = Date.parse(ts);
  if (Number.isNaN(at)) return '-';
  const seconds = Math.round((at - now) / 1000);
  const fmt = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === 'second') return fmt.format(Math.trunc(seconds / size), unit);
  }
  return '-';
}

/** Time shows a moment as a date and time in the user's language and how long ago it was. */
export function Time({ ts, test }: { ts: string | undefined; test?: string }) {
  const { i18n } = useTranslation();
  if (!ts) return <>-</>;
  return (
    <time dateTime={ts} title={ts} data-test={test}>
      {formatTime(ts, i18n.language)} ({relativeTime(ts, i18n.language)})
    </time>
  );
}
