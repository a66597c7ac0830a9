import type { TFunction } from 'i18next';

// Values of the monitoring API in the user's words, by the unit the API
// states: cores as cores or millicores, bytes in binary multiples, rates per
// second, ratios as percentages, counts as numbers, durations in s or ms.

const binary = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

function number(v: number, lang: string, digits: number): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(v);
}

/** bytes shows a number of bytes in the largest binary multiple under it (1.5 GiB). */
export function formatBytes(v: number, lang: string): string {
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1024 && i < binary.length - 1) {
    x /= 1024;
    i++;
  }
  return `${number(Math.sign(v) * x, lang, x >= 100 || i === 0 ? 0 : x >= 10 ? 1 : 2)} ${binary[i]}`;
}

/**
 * formatValue shows a value of a unit; null (no sample, NaN) is a dash.
 * Units the console does not know are shown as a plain number with the
 * unit after it.
 */
export function formatValue(v: number | null | undefined, unit: string, t: TFunction, lang: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 'cores': {
      if (v !== 0 && Math.abs(v) < 1) {
        const m = v * 1000;
        const count = Math.abs(m) < 10 ? Math.round(m * 10) / 10 : Math.round(m);
        return t('{{count}} millicores', { count });
      }
      const count = Math.round(v * 100) / 100;
      return t('{{count}} cores', { count });
    }
    case 'bytes':
      return formatBytes(v, lang);
    case 'bytes/s':
      return `${formatBytes(v, lang)}/s`;
    case 'ratio':
      return `${number(v * 100, lang, Math.abs(v) < 0.1 ? 1 : 0)}%`;
    case 'count':
      return number(v, lang, Math.abs(v) < 10 && !Number.isInteger(v) ? 2 : 0);
    case 'count/s':
      return `${number(v, lang, Math.abs(v) < 10 ? 2 : 0)}/s`;
    case 'seconds':
      return Math.abs(v) < 1 ? `${number(v * 1000, lang, Math.abs(v) < 0.01 ? 1 : 0)} ms` : `${number(v, lang, 2)} s`;
    default:
      return unit ? `${number(v, lang, 3)} ${unit}` : number(v, lang, 3);
  }
}

/** axisValue is formatValue made short for an axis' ticks (no words: 250m, 1.5, 1 GiB, 40%). */
export function axisValue(v: number, unit: string, lang: string): string {
  switch (unit) {
    case 'cores':
      return v !== 0 && Math.abs(v) < 1 ? `${number(v * 1000, lang, 0)}m` : number(v, lang, 2);
    case 'bytes':
      return formatBytes(v, lang);
    case 'bytes/s':
      return `${formatBytes(v, lang)}/s`;
    case 'ratio':
      return `${number(v * 100, lang, 0)}%`;
    case 'seconds':
      return Math.abs(v) < 1 && v !== 0 ? `${number(v * 1000, lang, 0)} ms` : `${number(v, lang, 1)} s`;
    default:
      return number(v, lang, 2);
  }
}
