import { useEffect, useState, type ReactNode } from 'react';
import { ClassroomView } from './features/classroom/classroom-view.tsx';
import { ChartsPanel } from './features/charts/charts-panel.tsx';
import { ControlsBar } from './features/controls/controls-bar.tsx';
import { DocsView } from './features/docs/docs-view.tsx';
import { InspectorPanel } from './features/inspector/inspector-panel.tsx';
import { LaneGrid } from './features/lanes/lane-grid.tsx';
import type { Workbench } from './lib/workbench.ts';
import { projector, setProjector } from './ui/projector.ts';
import { useStore, WorkbenchContext } from './ui/use-store.ts';

/** The views, chosen by the first segment of the hash (#/lanes, #/classroom, #/docs/<chapter>). */
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
  { id: 'classroom', label: 'Classroom', render: () => <ClassroomView /> },
  { id: 'docs', label: 'Docs', render: () => <DocsView /> },
];

function viewFromHash(): string {
  const id = location.hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  return VIEWS.some((v) => v.id === id) ? id : 'lanes';
}

export function App({ workbench }: { workbench: Workbench }) {
  const [view, setView] = useState(viewFromHash);
  const isProjector = useStore(projector);
  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => setProjector(projector.getSnapshot()), []);
  const current = VIEWS.find((v) => v.id === view) ?? VIEWS[0]!;

  return (
    <WorkbenchContext value={workbench}>
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
    </WorkbenchContext>
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
