import { useEffect, useState, type ReactNode } from 'react';
import { ChartsPanel } from './features/charts/charts-panel.tsx';
import { ClassView } from './features/classroom/class-view.tsx';
import { ControlsBar } from './features/controls/controls-bar.tsx';
import { DocsView } from './features/docs/docs-view.tsx';
import { InspectorPanel } from './features/inspector/inspector-panel.tsx';
import { LaneGrid } from './features/lanes/lane-grid.tsx';
import { StudentPage } from './features/student/student-page.tsx';
import { forgetTeacherKey } from './model/teacher.ts';
import type { Workbench } from './model/workbench.ts';
import { projector, setProjector } from './ui/projector.ts';
import { TeacherContext, type Teacher } from './ui/teacher-context.ts';
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
  id: string;
  label: string;
  render: () => ReactNode;
}

const VIEWS: View[] = [
  {
    id: 'lanes',
    label: 'Lanes',
    render: () => (
      <>
        <ControlsBar />
        <LaneGrid />
        <ChartsPanel />
        <InspectorPanel />
      </>
    ),
  },
  { id: 'class', label: 'Class', render: () => <ClassView /> },
  { id: 'docs', label: 'Docs', render: () => <DocsView /> },
];

/** Earlier links to the class view. */
const ALIASES: Record<string, string> = { classroom: 'class' };

/** A page opened from the teacher URL: the whole dashboard and the Class panel. */
export function TeacherApp({ workbench, teacher }: { workbench: Workbench; teacher: Teacher }) {
  const hashed = useHashView();
  const id = ALIASES[hashed] ?? hashed;
  const isProjector = useStore(projector);
  const standing = useStore(teacher.session.standing);
  useEffect(() => setProjector(projector.getSnapshot()), []);
  const current = VIEWS.find((v) => v.id === id) ?? VIEWS[0]!;

  if (standing === 'rejected') return <WrongKey />;
  return (
    <WorkbenchContext value={workbench}>
      <TeacherContext value={teacher}>
        <header className="top">
          <h1>
            Wirebench <small>one chat room, five ways to move it</small>
          </h1>
          <nav className="tabs" role="tablist" aria-label="Views">
            {VIEWS.map((v) => (
              <a
                key={v.id}
                href={`#/${v.id}`}
                role="tab"
                aria-selected={v.id === current.id}
                className={v.id === current.id ? 'tab active' : 'tab'}
                data-testid={`tab-${v.id}`}
              >
                {v.label}
              </a>
            ))}
          </nav>
          <NameField workbench={workbench} />
          <label className="toggle">
            <input type="checkbox" checked={isProjector} onChange={(e) => setProjector(e.target.checked)} data-testid="projector-toggle" />
            Projector
          </label>
        </header>
        <main>{current.render()}</main>
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
  return (
    <main className="wrong-key" data-testid="teacher-key-rejected">
      <section className="panel">
        <h2>This teacher link does not work with this server</h2>
        <p>
          The server answered that the key in the link is not its teacher key (401 TEACHER_ONLY). The key changes every
          time the server starts unless <code>TEACHER_KEY</code> is set: open the teacher URL that <code>pnpm start</code>{' '}
          printed this time.
        </p>
        <button className="primary" onClick={openStudentPage} data-testid="open-student-page">
          Open the student page instead
        </button>
      </section>
    </main>
  );
}

/** A page opened from the plain URL: the student page, and the docs it links to. */
export function StudentApp() {
  const view = useHashView();
  if (view !== 'docs') return <StudentPage />;
  return (
    <>
      <header className="top">
        <h1>Wirebench</h1>
        <nav className="tabs" aria-label="Views">
          <a className="tab" href="#/" data-testid="back-to-chat">
            ← Back to the chat
          </a>
        </nav>
      </header>
      <main>
        <DocsView />
      </main>
    </>
  );
}

function NameField({ workbench }: { workbench: Workbench }) {
  const { name } = useStore(workbench.settings);
  return (
    <label className="name-field">
      Your name
      <input value={name} maxLength={40} onChange={(e) => workbench.setName(e.target.value)} data-testid="name-input" />
    </label>
  );
}
