import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import ko from './locales/ko.json';
import zh from './locales/zh.json';

// Keys are the English text; English needs no file. ko.json and zh.json map
// every key to its translation, one object per feature namespace;
// `npm run i18n:check` fails when one is missing.
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

export function setLanguage(code: Language) {
  localStorage.setItem(storageKey, code);
  void i18n.changeLanguage(code);
  document.documentElement.lang = code;
}

export const namespaces = ['common', 'auth', 'platform', 'workspace', 'project'] as const;

void i18n.use(initReactI18next).init({
  resources: { en: {}, ko, zh },
  lng: initialLanguage(),
  fallbackLng: 'en',
  ns: [...namespaces],
  defaultNS: 'common',
  keySeparator: false,
  nsSeparator: false,
  interpolation: { escapeValue: false },
  returnEmptyString: false,
});
if (typeof document !== 'undefined') document.documentElement.lang = i18n.language;

export default i18n;
