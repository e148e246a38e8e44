// Why was a socket or stream refused? A page is not told: the WebSocket API gives a script
// no status for a failed handshake, and EventSource turns any answer other than 200
// text/event-stream into a bare `error`. A removed client (403 CLIENT_REMOVED) and a locked
// room (423 ROOM_LOCKED) would then look like a server that is down, and the client would
// retry for ever. So after such a failure the client asks once over plain HTTP:
//
//   with an identity:    POST /api/class/me { clientId, clientSecret }
//                        403 CLIENT_REMOVED -> removed; 404 UNKNOWN_CLIENT or 403 NOT_YOUR_CLIENT
//                        -> the socket asked for a new identity, so the lock applies: ask on
//   without (or not adopted): GET /api/info -> { locked: true } -> locked
//
// Anything else (200, no answer, a server without these routes) means "nothing to say":
// the failure was the network's, and the client reconnects as usual.
import type { InfoResponse } from '../contract.ts';
import type { ResolvedOptions } from './options.ts';
import { RequestTimeout, type HttpAnswer } from './request.ts';
import type { ClientIdentity } from './types.ts';

export type Standing =
  | { verdict: 'removed'; message: string }
  | { verdict: 'locked'; message: string }
  | { verdict: 'unknown' };

type MeStanding = Standing | { verdict: 'not-adopted' };

/** A student's own standing (a Wirebench extension, contract.ts "the teacher"); the body is the identity. */
export const ME_PATH = '/api/class/me';
export const INFO_PATH = '/api/info';

/** How long the client waits for the answer to "why was I refused?" before reconnecting anyway. */
export const STANDING_TIMEOUT_MS = 5_000;

/** One measured request of the client, aborted with `controller`. */
export type StandingRequest = (
  method: 'GET' | 'POST',
  path: string,
  body: object | undefined,
  controller: AbortController,
) => Promise<HttpAnswer>;

/** Asks, as above, within STANDING_TIMEOUT_MS; any failure is 'unknown'. */
export async function askStanding(
  identity: ClientIdentity | null,
  request: StandingRequest,
  timers: Pick<ResolvedOptions, 'setTimeout' | 'clearTimeout'>,
): Promise<Standing> {
  const controller = new AbortController();
  const timer = timers.setTimeout(
    () => controller.abort(new RequestTimeout(`no answer within ${STANDING_TIMEOUT_MS} ms`)),
    STANDING_TIMEOUT_MS,
  );
  // Ending the channel aborts the question: its timer goes at once, not when the promise settles.
  controller.signal.addEventListener('abort', () => timers.clearTimeout(timer), { once: true });
  try {
    if (identity !== null) {
      const me = readMeAnswer(await request('POST', ME_PATH, { ...identity }, controller));
      // An identity the server did not adopt made the socket ask for a new one: the lock applies.
      if (me.verdict !== 'not-adopted') return me;
    }
    return readInfoAnswer(await request('GET', INFO_PATH, undefined, controller));
  } catch {
    return { verdict: 'unknown' };
  } finally {
    timers.clearTimeout(timer);
  }
}

export function readMeAnswer(answer: HttpAnswer): MeStanding {
  // 200: the identity stands, and a lock does not apply to it.
  if (answer.status === 200) return { verdict: 'unknown' };
  const error = (answer.body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const message = typeof error?.message === 'string' ? error.message : 'this client was removed';
  if (error?.code === 'CLIENT_REMOVED') return { verdict: 'removed', message };
  if (error?.code === 'UNKNOWN_CLIENT' || error?.code === 'NOT_YOUR_CLIENT') return { verdict: 'not-adopted' };
  return { verdict: 'unknown' };
}

export function readInfoAnswer(answer: HttpAnswer): Standing {
  const info = answer.body as Partial<InfoResponse> | null;
  if (answer.status === 200 && info?.locked === true) {
    return { verdict: 'locked', message: 'the teacher has locked the room: no one new can join now' };
  }
  return { verdict: 'unknown' };
}
