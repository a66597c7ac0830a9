export type Theme = 'light' | 'dark';

const key = 'ke-theme';

export function initialTheme(): Theme {
  const saved = localStorage.getItem(key);
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** applyTheme switches PatternFly's dark theme on the root element. */
export function applyTheme(t: Theme) {
  document.documentElement.classList.toggle('pf-v6-theme-dark', t === 'dark');
  localStorage.setItem(key, t);
}

/** currentTheme is the theme on screen now (what applyTheme last set). */
export function currentTheme(): Theme {
  return document.documentElement.classList.contains('pf-v6-theme-dark') ? 'dark' : 'light';
}

/** watchTheme calls back when the theme on screen changes (for what draws its own colours, such as charts); it returns the stop. */
export function watchTheme(cb: (t: Theme) => void): () => void {
  if (typeof MutationObserver === 'undefined') return () => undefined;
  const o = new MutationObserver(() => cb(currentTheme()));
  o.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
  return () => o.disconnect();
}
