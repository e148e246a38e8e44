import { useTranslation } from 'react-i18next';
import { THEMES, type ThemeChoice } from '../model/settings.ts';
import { setTheme, themeChoice } from './theme.ts';
import { useStore } from './use-store.ts';

/** System, light or dark; remembered with the other settings. */
export function ThemeSwitch() {
  const { t } = useTranslation('app');
  const choice = useStore(themeChoice);
  return (
    <label className="theme-switch">
      <span className="visually-hidden">{t('theme.label')}</span>
      <select value={choice} onChange={(e) => setTheme(e.target.value as ThemeChoice)} aria-label={t('theme.label')} data-testid="theme-switch">
        {THEMES.map((th) => (
          <option key={th} value={th}>
            {t(`theme.${th}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
