// The teacher key (CONTRACT v2 "the teacher"). The teacher URL is `<origin>/#teacher=<key>`:
// browsers never send a fragment, so the key reaches this page only. It is moved to
// sessionStorage at once, the address bar shows `#/lanes` instead (nobody reads the key off
// the projector), and from then on it travels only as `Authorization: Bearer <key>`.
import type { ClientIdentity } from '@wirebench/transports/client';
import type { JoinResponse } from '@wirebench/transports/contract';
import { Store, type Schedule, frameSchedule } from '../lib/store.ts';

export const TEACHER_KEY_STORAGE = 'wirebench.teacherKey';

type PageParts = Pick<Window, 'location' | 'history' | 'sessionStorage'>;

/**
 * The teacher key of this tab: taken from a `#teacher=` fragment (which is replaced by
 * `#/lanes` before anything renders), or kept from an earlier load of this tab. Null on a
 * student's page.
 */
export function takeTeacherKey(page: PageParts = window): string | null {
  const match = /^#teacher=([^&]*)/.exec(page.location.hash);
  if (match) {
    page.history.replaceState(page.history.state, '', `${page.location.pathname}${page.location.search}#/lanes`);
    const key = decodeKey(match[1]!);
    if (key !== '') {
      try {
        page.sessionStorage.setItem(TEACHER_KEY_STORAGE, key);
      } catch {
        // Storage refused (a private window's quota): the key still serves this load.
      }
      return key;
    }
  }
  try {
    return page.sessionStorage.getItem(TEACHER_KEY_STORAGE) || null;
  } catch {
    return null;
  }
}

/** Drops the key: the next load of this tab is a student's page. */
export function forgetTeacherKey(page: Pick<Window, 'sessionStorage'> = window): void {
  try {
    page.sessionStorage.removeItem(TEACHER_KEY_STORAGE);
  } catch {
    // Nothing was stored.
  }
}

const OWN_IDS_STORAGE = 'wirebench.ownClientIds';
/** Enough for many reloads of one tab; the room forgets idle identities long before. */
const OWN_IDS_KEPT = 100;

/**
 * The clientIds this tab's lanes were given, across reloads: after one, the lanes of the
 * earlier load still look present for a minute and must not pass for students.
 */
export function loadOwnIds(storage: Pick<Storage, 'getItem'> = sessionStorage): string[] {
  try {
    const ids: unknown = JSON.parse(storage.getItem(OWN_IDS_STORAGE) ?? '[]');
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

export function saveOwnIds(ids: Iterable<string>, storage: Pick<Storage, 'setItem'> = sessionStorage): void {
  try {
    storage.setItem(OWN_IDS_STORAGE, JSON.stringify([...ids].slice(-OWN_IDS_KEPT)));
  } catch {
    // Storage refused: the marks last for this load only.
  }
}

function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** What the server said of the key: nothing yet, accepted (a teacher request succeeded), or 401. */
export type KeyStanding = 'unchecked' | 'accepted' | 'rejected';

function requestPath(input: RequestInfo | URL): string {
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  return new URL(href, 'http://page.invalid').pathname;
}

/** Teacher requests of this page: the key as a Bearer header, and whether the server took it. */
export class TeacherSession {
  readonly standing: Store<KeyStanding>;

  constructor(
    private readonly key: string,
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
    schedule: Schedule = frameSchedule,
  ) {
    this.standing = new Store<KeyStanding>('unchecked', schedule);
  }

  /** fetch with `Authorization: Bearer <key>`; a 401 means the key is not this server's. */
  readonly fetch: typeof fetch = async (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.key}`);
    const answer = await this.fetchImpl(input, { ...init, headers });
    if (answer.status === 401) this.standing.set('rejected');
    else if (answer.ok && this.standing.getSnapshot() === 'unchecked') this.standing.set('accepted');
    return answer;
  };

  /**
   * For this page's own lane clients: the key rides on `POST /api/join` alone, so each
   * identity a lane makes is the teacher's (past the lock and the per-address budgets) while
   * its polls, streams and sends stay what any student's are.
   */
  readonly joinFetch: typeof fetch = (input, init) =>
    init?.method === 'POST' && requestPath(input) === '/api/join' ? this.fetch(input, init) : this.fetchImpl(input, init);

  /**
   * A teacher's identity made over HTTP, for a WebSocket lane to present (`?clientId=&clientSecret=`):
   * a browser's WebSocket cannot carry the header itself. Null when the server refused.
   */
  async join(name: string): Promise<ClientIdentity | null> {
    try {
      const answer = await this.fetch(`${this.baseUrl}/api/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      if (answer.status !== 201) return null;
      const joined = (await answer.json()) as JoinResponse;
      return typeof joined.clientSecret === 'string' ? { clientId: joined.clientId, clientSecret: joined.clientSecret } : null;
    } catch {
      return null;
    }
  }
}
