// The teacher page's one lesson runner, made on first use (like the workbench, outside React):
// its set-ups act on the page's workbench, its chart is the stage's, its assignment the Class
// panel's, its language the page's.
import { i18n, currentLanguage } from '../../i18n/index.ts';
import { LessonRunner } from '../../model/lesson-runner.ts';
import type { Workbench } from '../../model/workbench.ts';
import { chartChoice } from '../../ui/chart-choice.ts';
import type { Teacher } from '../../ui/teacher-context.ts';

let runner: LessonRunner | null = null;

export function lessonRunner(workbench: Workbench, teacher: Teacher): LessonRunner {
  if (runner !== null) return runner;
  const { roster, session } = teacher;
  const made = new LessonRunner({
    workbench,
    fetch: session.fetch,
    baseUrl: location.origin,
    lang: currentLanguage,
    // Assigning again would deal the transports out anew: a mode already in force stays as it is.
    assign: async (mode) => {
      if (roster.store.getSnapshot().mode !== mode) await roster.assign(mode);
    },
    setChart: (chart) => chartChoice.set(chart),
    now: () => performance.now(),
  });
  runner = made;
  // The lesson endpoints answer anyone: asked before the key is known good, their 200 would pass for the key's.
  const startWhenAccepted = () => {
    if (session.standing.getSnapshot() !== 'accepted') return false;
    made.start();
    return true;
  };
  if (!startWhenAccepted()) {
    const off = session.standing.subscribe(() => {
      if (startWhenAccepted()) off();
    });
  }
  i18n.on('languageChanged', () => made.languageChanged());
  addEventListener('pagehide', () => made.stopTimers());
  return made;
}
