import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import english from './locales/en.json';

// Keys are the English text. en.json holds only the singular of a text
// with a count: i18next looks up "<key>_one" for a count of one and falls
// back to the key itself (Korean and Chinese have one form). ko.json and
// zh.json map every key to its translation, one object per feature
// namespace; `npm run i18n:check` fails when one is missing. Each is loaded only when
// its language is chosen, so that the first load carries no translation
// the user does not read.
const translations: Record<string, () => Promise<{ default: Record<string, Record<string, string>> }>> = {
  ko: () => import('./locales/ko.json'),
  zh: () => import('./locales/zh.json'),
};
export const languages = [
  { code: 'en', label: 'English' },
  { code: 'ko', label: '한국어' },
  { code: 'zh', label: '中文' },
] as const;

export type Language = (typeof languages)[number]['code'];

const storageKey = 'ke-lang';

export function initialLanguage(): Language {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(storageKey) : null;
  const wanted = [saved, ...(typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : [])];
  for (const l of wanted) {
    const code = l?.toLowerCase().split('-')[0];
    if (code === 'en' || code === 'ko' || code === 'zh') return code;
  }
  return 'en';
}

/** loadLanguage fetches a language's translations, once. */
export async function loadLanguage(code: Language): Promise<void> {
  const load = translations[code];
  if (!load || i18n.hasResourceBundle(code, 'common')) return;
  const { default: dict } = await load();
  for (const [ns, keys] of Object.entries(dict)) i18n.addResourceBundle(code, ns, keys, true, true);
}

export async function setLanguage(code: Language) {
  localStorage.setItem(storageKey, code);
  await loadLanguage(code);
  await i18n.changeLanguage(code);
  document.documentElement.lang = code;
}

export const namespaces = ['common', 'auth', 'platform', 'workspace', 'project', 'monitoring', 'logging', 'alerting', 'notification', 'appstore', 'storage', 'network', 'devops', 'servicemesh'] as const;

void i18n.use(initReactI18next).init({
  resources: { en: english },
  partialBundledLanguages: true,
  lng: initialLanguage(),
  fallbackLng: 'en',
  ns: [...namespaces],
  defaultNS: 'common',
  // Keys of shared helpers (role names, errors) live in common, whatever
  // namespace the page that shows them uses.
  fallbackNS: 'common',
  keySeparator: false,
  nsSeparator: false,
  interpolation: { escapeValue: false },
  returnEmptyString: false,
});
if (typeof document !== 'undefined') document.documentElement.lang = i18n.language;

export default i18n;
