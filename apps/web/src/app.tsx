import { useEffect, useState, type ReactNode } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { ChartsPanel, StageChart } from './features/charts/charts-panel.tsx';
import { ClassView } from './features/classroom/class-view.tsx';
import { ControlsBar } from './features/controls/controls-bar.tsx';
import { StageControls } from './features/controls/stage-bar.tsx';
import { DocsView } from './features/docs/docs-view.tsx';
import { InspectorPanel } from './features/inspector/inspector-panel.tsx';
import { AddLanes, LaneGrid } from './features/lanes/lane-grid.tsx';
import { LessonsView } from './features/lessons/lessons-view.tsx';
import { lessonRunner } from './features/lessons/runner-instance.ts';
import { StudentPage } from './features/student/student-page.tsx';
import { LanguageSwitch } from './i18n/language-switch.tsx';
import { THEMES } from './model/settings.ts';
import { forgetTeacherKey } from './model/teacher.ts';
import type { Workbench } from './model/workbench.ts';
import { pauseOrResumeAll, toggleLane } from './ui/actions.ts';
import { nextChart } from './ui/chart-choice.ts';
import { projector, setProjector } from './ui/projector.ts';
import { ShortcutHelp, useShortcuts } from './ui/shortcuts.tsx';
import { TeacherContext, type Teacher } from './ui/teacher-context.ts';
import { setTheme, themeChoice } from './ui/theme.ts';
import { ThemeSwitch } from './ui/theme-switch.tsx';
import { useStore, WorkbenchContext } from './ui/use-store.ts';

/** The first segment of the hash (#/lanes, #/class, #/docs/<chapter>). */
function hashView(): string {
  return location.hash.replace(/^#\/?/, '').split('/')[0] ?? '';
}

function useHashView(): string {
  const [view, setView] = useState(hashView);
  useEffect(() => {
    const onHash = () => setView(hashView());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return view;
}

/** The teacher page's views. */
interface View {
  id: 'lanes' | 'class' | 'lessons' | 'docs';
  /** The tab's words: the app's, or the feature's own namespace. */
  label: 'views.lanes' | 'views.class' | 'views.docs' | 'lessons:tab';
  render: () => ReactNode;
}

const VIEWS: View[] = [
  {
    id: 'lanes',
    label: 'views.lanes',
    render: () => (
      <>
        <ControlsBar />
        <LaneGrid />
        <ChartsPanel />
        <InspectorPanel />
      </>
    ),
  },
  { id: 'class', label: 'views.class', render: () => <ClassView /> },
  { id: 'lessons', label: 'lessons:tab', render: () => <LessonsView chart={<StageChart />} /> },
  { id: 'docs', label: 'views.docs', render: () => <DocsView /> },
];

/** Earlier links to the class view. */
const ALIASES: Record<string, string> = { classroom: 'class' };

/**
 * The Lanes view on the projector: every lane side by side and the one chart the teacher
 * picked, in one screen without scrolling.
 */
function Stage() {
  return (
    <main className="stage" data-testid="stage">
      <div className="stage-bar">
        <StageControls />
        <AddLanes />
      </div>
      <LaneGrid stage />
      <StageChart />
    </main>
  );
}

/** A page opened from the teacher URL: the whole dashboard and the Class panel. */
export function TeacherApp({ workbench, teacher }: { workbench: Workbench; teacher: Teacher }) {
  const { t } = useTranslation('app');
  const hashed = useHashView();
  const id = ALIASES[hashed] ?? hashed;
  const isProjector = useStore(projector);
  const standing = useStore(teacher.session.standing);
  const [help, setHelp] = useState(false);
  const current = VIEWS.find((v) => v.id === id) ?? VIEWS[0]!;
  const stage = isProjector && current.id === 'lanes';
  const lessons = lessonRunner(workbench, teacher);
  const onLessons = current.id === 'lessons';

  useEffect(() => {
    document.documentElement.classList.toggle('stage', stage);
  }, [stage]);

  useShortcuts({
    projector: () => setProjector(!projector.getSnapshot()),
    pauseAll: () => pauseOrResumeAll(workbench),
    reset: () => workbench.reset(),
    lane: (i) => toggleLane(workbench, TRANSPORT_IDS[i]!),
    chart: nextChart,
    theme: () => setTheme(THEMES[(THEMES.indexOf(themeChoice.getSnapshot()) + 1) % THEMES.length]!),
    help: () => setHelp((h) => !h),
    close: () => setHelp(false),
    ...(onLessons ? { lessonForward: () => void lessons.forward(), lessonBack: () => void lessons.back() } : {}),
  });

  if (standing === 'rejected') return <WrongKey />;
  return (
    <WorkbenchContext value={workbench}>
      <TeacherContext value={teacher}>
        <header className="top">
          <h1>
            Wirebench <small>{t('tagline')}</small>
          </h1>
          <nav className="tabs" role="tablist" aria-label={t('views.label')}>
            {VIEWS.map((v) => (
              <a
                key={v.id}
                href={`#/${v.id}`}
                role="tab"
                aria-selected={v.id === current.id}
                className={v.id === current.id ? 'tab active' : 'tab'}
                data-testid={`tab-${v.id}`}
              >
                {t(v.label)}
              </a>
            ))}
          </nav>
          <NameField workbench={workbench} />
          <div className="header-tools">
            <label className="toggle">
              <input type="checkbox" checked={isProjector} onChange={(e) => setProjector(e.target.checked)} data-testid="projector-toggle" />
              {t('projector')}
            </label>
            <ThemeSwitch />
            <LanguageSwitch />
            <button
              className="help-button"
              onClick={() => setHelp((h) => !h)}
              aria-expanded={help}
              aria-label={t('shortcuts.title')}
              title={t('shortcuts.title')}
              data-testid="help-button"
            >
              ?
            </button>
          </div>
        </header>
        {help && <ShortcutHelp onClose={() => setHelp(false)} />}
        {stage ? <Stage /> : <main>{current.render()}</main>}
      </TeacherContext>
    </WorkbenchContext>
  );
}

/** Leaves teacher mode for good in this tab and loads the page a student gets. */
function openStudentPage(): void {
  forgetTeacherKey();
  history.replaceState(null, '', location.pathname + location.search);
  location.reload();
}

function WrongKey() {
  const { t } = useTranslation('app');
  return (
    <main className="wrong-key" data-testid="teacher-key-rejected">
      <section className="panel">
        <h2>{t('wrongKey.title')}</h2>
        <p>
          <Trans t={t} i18nKey="wrongKey.body" components={{ code: <code /> }} />
        </p>
        <button className="primary" onClick={openStudentPage} data-testid="open-student-page">
          {t('wrongKey.studentPage')}
        </button>
      </section>
    </main>
  );
}

/** A page opened from the plain URL: the student page, and the docs it links to. */
export function StudentApp() {
  const { t } = useTranslation('app');
  const view = useHashView();
  if (view !== 'docs') return <StudentPage />;
  return (
    <>
      <header className="top">
        <h1>Wirebench</h1>
        <nav className="tabs" aria-label={t('views.label')}>
          <a className="tab" href="#/" data-testid="back-to-chat">
            {t('backToChat')}
          </a>
        </nav>
        <div className="header-tools">
          <LanguageSwitch />
        </div>
      </header>
      <main>
        <DocsView />
      </main>
    </>
  );
}

function NameField({ workbench }: { workbench: Workbench }) {
  const { t } = useTranslation('app');
  const { name } = useStore(workbench.settings);
  return (
    <label className="name-field">
      {t('name')}
      <input value={name} maxLength={40} onChange={(e) => workbench.setName(e.target.value)} data-testid="name-input" />
    </label>
  );
}
