// The Class panel (teacher page): where students join, who is in, and what the teacher
// does about it (remove, lock, assign transports), then the class-wide figures. Every word
// comes from the `classroom` namespace.
import { ClassStats } from './class-stats.tsx';
import { JoinPanel } from './join-panel.tsx';
import { NodesPanel } from './nodes-panel.tsx';
import { RosterPanel } from './roster-panel.tsx';

export function ClassView() {
  return (
    <>
      <JoinPanel />
      <RosterPanel />
      <ClassStats />
      <NodesPanel />
    </>
  );
}
