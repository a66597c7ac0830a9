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
