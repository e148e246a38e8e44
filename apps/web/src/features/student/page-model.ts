// The student page's one model, created outside React on first use and ended with the page.
import { createClient } from '@wirebench/transports/client';
import { pageNow } from '../../model/clock.ts';
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
