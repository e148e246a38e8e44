import { useTranslation } from 'react-i18next';
import { LANGUAGE_NAMES, LANGUAGES, setLanguage, toLanguage } from './index.ts';

/**
 * The language menu of every page; the choice is remembered across reloads. Each language is
 * named in itself (what a reader looks for); the menu's own name is for screen readers.
 */
export function LanguageSwitch({ className = 'language-switch' }: { className?: string }) {
  const { t, i18n } = useTranslation('common');
  const current = toLanguage(i18n.resolvedLanguage ?? i18n.language);
  return (
    <select
      className={className}
      value={current}
      onChange={(e) => setLanguage(toLanguage(e.target.value))}
      data-testid="language-switch"
      aria-label={t('language.label')}
    >
      {LANGUAGES.map((l) => (
        <option key={l} value={l} lang={l}>
          {LANGUAGE_NAMES[l]}
        </option>
      ))}
    </select>
  );
}
