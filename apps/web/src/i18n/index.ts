// The pages' languages: English and Simplified Chinese, through i18next.
// Each feature keeps its strings in a namespace of its own,
// locales/<language>/<namespace>.json; a new file is picked up here without an edit.
import i18n, { type Resource } from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The language names, each written in its own language (what a reader looks for). */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', 'zh-CN': '简体中文' };

/** Where the chosen language is remembered across reloads. */
export const LANGUAGE_STORAGE_KEY = 'wirebench.lang';

const files = import.meta.glob<Record<string, unknown>>('./locales/*/*.json', { eager: true, import: 'default' });

function resources(): Resource {
  const out: Resource = {};
  for (const [path, strings] of Object.entries(files)) {
    const [, language, namespace] = /\.\/locales\/([^/]+)\/([^/]+)\.json$/.exec(path) ?? [];
    if (!language || !namespace) continue;
    (out[language] ??= {})[namespace] = strings;
  }
  return out;
}

/** Any Chinese the browser asks for is served in Simplified Chinese; anything else falls back to English. */
export function toLanguage(code: string | undefined | null): Language {
  if (!code) return 'en';
  return code.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: resources(),
    supportedLngs: [...LANGUAGES],
    fallbackLng: 'en',
    defaultNS: 'common',
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
    detection: {
      // The reader's own choice first, then the browser's language.
      order: ['localStorage', 'navigator'],
      lookupLocalStorage: LANGUAGE_STORAGE_KEY,
      caches: ['localStorage'],
      convertDetectedLanguage: (code: string) => toLanguage(code),
    },
  });

// The page's `lang` follows the language, so fonts and screen readers follow too.
const setDocumentLanguage = (lng: string) => {
  if (typeof document !== 'undefined') document.documentElement.lang = toLanguage(lng);
};
i18n.on('languageChanged', setDocumentLanguage);
setDocumentLanguage(i18n.language);

export function currentLanguage(): Language {
  return toLanguage(i18n.resolvedLanguage ?? i18n.language);
}

export function setLanguage(language: Language): void {
  void i18n.changeLanguage(language);
}

export { i18n };
