import { useTranslation } from 'react-i18next';
import { LANGUAGE_NAMES, LANGUAGES, setLanguage, toLanguage } from './index.ts';

/** The language menu of every page; the choice is remembered across reloads. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation('common');
  const current = toLanguage(i18n.resolvedLanguage ?? i18n.language);
  return (
    <label className="language-switch">
      <span className="visually-hidden">{t('language.label')}</span>
      <select value={current} onChange={(e) => setLanguage(toLanguage(e.target.value))} data-testid="language-switch" aria-label={t('language.label')}>
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  );
}
