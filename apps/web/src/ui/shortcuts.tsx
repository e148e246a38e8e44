// The teacher's keyboard: one key per main action, never while a field has the focus.
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';

export interface ShortcutActions {
  projector: () => void;
  pauseAll: () => void;
  reset: () => void;
  lane: (index: number) => void;
  chart: () => void;
  theme: () => void;
  help: () => void;
  close: () => void;
  /** Lessons: the reveal, then the next step (absent while no lesson is on screen). */
  lessonForward?: () => void;
  /** Lessons: hides the reveal, then the step before. */
  lessonBack?: () => void;
}

/**
 * The keys, as the help lists them, in the order it lists them; the help's words are in the
 * `app` namespace (`shortcuts.<what>`) unless the entry names its own (`lessons:shortcuts.next`).
 * Presentation clickers send Page Down and Page Up.
 */
export const SHORTCUTS = [
  ['P', 'projector'],
  ['Space', 'pauseAll'],
  ['R', 'reset'],
  ['1–5', 'lanes'],
  ['C', 'chart'],
  ['T', 'theme'],
  ['→ / PgDn', 'lessons:shortcuts.next'],
  ['← / PgUp', 'lessons:shortcuts.back'],
  ['?', 'help'],
  ['Esc', 'close'],
] as const;

/** Typing goes to the field, not to the shortcuts. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]') !== null;
}

/** Space also presses a focused button or link: that press wins. */
function pressesSomething(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('button, a[href], summary, [role="button"], [role="tab"]') !== null;
}

export function useShortcuts(actions: ShortcutActions): void {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
      const a = latest.current;
      if (e.key === 'Escape') return a.close();
      if (isTyping(e.target)) return;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      let done = true;
      if (key === 'p') a.projector();
      else if (key === ' ' && !pressesSomething(e.target)) a.pauseAll();
      else if (key === 'r') a.reset();
      else if (key === 'c') a.chart();
      else if (key === 't') a.theme();
      else if (key === '?') a.help();
      else if (/^[1-9]$/.test(key) && Number(key) <= TRANSPORT_IDS.length) a.lane(Number(key) - 1);
      else if ((key === 'ArrowRight' || key === 'PageDown') && a.lessonForward) a.lessonForward();
      else if ((key === 'ArrowLeft' || key === 'PageUp') && a.lessonBack) a.lessonBack();
      else done = false;
      if (done) e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
}

/** The list `?` opens. */
export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation('app');
  return (
    <div className="help-dialog panel" role="dialog" aria-labelledby="shortcut-help-title" data-testid="shortcut-help">
      <h2 id="shortcut-help-title">{t('shortcuts.title')}</h2>
      <dl>
        {SHORTCUTS.map(([key, what]) => (
          <div key={what}>
            <dt>
              <kbd>{key === 'Space' ? t('shortcuts.space') : key}</kbd>
            </dt>
            <dd>{t(what.includes(':') ? what : `shortcuts.${what}`)}</dd>
          </div>
        ))}
      </dl>
      <p className="hint">{t('shortcuts.notWhileTyping')}</p>
      <button onClick={onClose} data-testid="shortcut-help-close">
        {t('shortcuts.closeButton')}
      </button>
    </div>
  );
}
