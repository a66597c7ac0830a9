/** age renders the time since a timestamp the way kubectl does: 5s, 3m, 2h, 4d. */
export function age(ts: string | undefined, now = Date.now()): string {
  if (!ts) return '-';
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** selectorString turns matchLabels into a label selector. */
export function selectorString(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** dnsLabel reports whether a name is a DNS-1123 label, as Kubernetes requires. */
export function isDNSLabel(name: string): boolean {
  return name.length > 0 && name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

/** formatTime shows a moment as a date and time in the user's language. */
export function formatTime(d: Date | string | undefined, lang: string): string {
  if (!d) return '-';
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return '-';
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** emailPattern is the shape of an e-mail address the forms accept (the server checks again). */
export const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
