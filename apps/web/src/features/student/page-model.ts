// The student page's one model, created outside React on first use and ended with the page.
import { createClient } from '@wirebench/transports/client';
import { currentLanguage, i18n } from '../../i18n/index.ts';
import { pageNow } from '../../model/clock.ts';
import type { Lane } from '../../model/lane.ts';
import { LessonFollower, onLessonSignal } from '../../model/lesson-follower.ts';
import { type KeyValue, StudentModel } from '../../model/student-model.ts';

let model: StudentModel | null = null;

export function studentModel(): StudentModel {
  if (model === null) {
    model = new StudentModel({
      factory: (transport, options) => createClient(transport, options),
      fetch: (input, init) => fetch(input, init),
      baseUrl: location.origin,
      now: pageNow,
      local: storage(() => localStorage),
      session: storage(() => sessionStorage),
    });
    model.start();
    addEventListener('pagehide', () => model?.stop());
    // Back from the back/forward cache: the same seat (sessionStorage), a new connection.
    addEventListener('pageshow', (e) => {
      if (e.persisted) model?.start();
    });
  }
  return model;
}

/** A storage the browser may refuse to give (blocked cookies, some private modes). */
function storage(get: () => Storage): KeyValue | null {
  try {
    return get();
  } catch {
    return null;
  }
}

let follower: LessonFollower | null = null;

/**
 * The lesson as this student's page follows it: a lesson signal on the page's own lane (whatever
 * its transport, and a new lane's after a switch), a connection that (re)opens and a change of
 * language each fetch what the class sees now.
 */
export function lessonFollower(): LessonFollower {
  if (follower !== null) return follower;
  const m = studentModel();
  const f = new LessonFollower({
    fetch: (input, init) => fetch(input, init),
    baseUrl: location.origin,
    lang: currentLanguage,
    identity: () => m.state.lane?.client.identity() ?? null,
  });
  follower = f;
  let lane: Lane | null = null;
  let offs: Array<() => void> = [];
  const follow = () => {
    const next = m.state.lane;
    if (next === lane) return;
    for (const off of offs) off();
    lane = next;
    offs = lane
      ? [
          onLessonSignal(lane.client, (signal) => f.signal(signal)),
          lane.client.on('status', (status) => {
            if (status === 'open') f.signal();
          }),
        ]
      : [];
  };
  m.store.subscribe(follow);
  follow();
  i18n.on('languageChanged', () => void f.refresh());
  void f.refresh();
  return f;
}
