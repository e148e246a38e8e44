// Light and dark: the teacher's choice (system, light or dark) and the theme it resolves to.
// CSS reads `data-theme` on <html>; the charts draw on canvas and read the colours from CSS
// variables when they are built, so they are rebuilt when the resolved theme changes.
import type { TransportId } from '@wirebench/transports/contract';
import { Store, syncSchedule } from '../lib/store.ts';
import type { ThemeChoice } from '../model/settings.ts';

export type Theme = 'light' | 'dark';

export const themeChoice = new Store<ThemeChoice>('system', syncSchedule);
export const theme = new Store<Theme>('light', syncSchedule);

function systemDark(): MediaQueryList | null {
  return typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
}

function apply(): void {
  const choice = themeChoice.getSnapshot();
  const resolved: Theme = choice === 'system' ? (systemDark()?.matches ? 'dark' : 'light') : choice;
  document.documentElement.dataset.theme = resolved;
  if (theme.getSnapshot() !== resolved) theme.set(resolved);
}

let listening = false;

export function setTheme(choice: ThemeChoice): void {
  themeChoice.set(choice);
  if (!listening) {
    listening = true;
    systemDark()?.addEventListener('change', apply);
  }
  apply();
}

/** A CSS custom property of the page, as the canvas needs it. */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** The lane's colour in the current theme (`--lane-<id>` in styles.css). */
export function laneColor(t: TransportId): string {
  return cssVar(`--lane-${t}`) || '#888888';
}
