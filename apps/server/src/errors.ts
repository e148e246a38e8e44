// Every error the HTTP API and the chat frames can answer with, in one place.
// Raised anywhere in the server, turned into `{ error: { code, message } }` by
// the error handler in http/errors-plugin.ts (HTTP) or into an `error` frame
// by routes/chat-session.ts (WebSocket).
import createError from '@fastify/error';

export const InvalidBody = createError<[string]>('INVALID_BODY', '%s', 400);
export const InvalidText = createError('INVALID_TEXT', 'text must contain something other than white space', 400);
export const InvalidCursor = createError<[string]>('INVALID_CURSOR', '%s', 400);
export const OriginNotAllowed = createError<[string]>('ORIGIN_NOT_ALLOWED', 'origin %s is not allowed', 403);
export const UnknownClient = createError<[string]>(
  'UNKNOWN_CLIENT',
  'unknown clientId %s: join first (POST /api/join)',
  404,
);
export const NotFound = createError<[string, string]>('NOT_FOUND', 'no route %s %s', 404);
export const TextTooLong = createError<[number, number]>(
  'TEXT_TOO_LONG',
  'text has %d characters, the limit is %d',
  413,
);
export const BodyTooLarge = createError<[number]>('BODY_TOO_LARGE', 'request body over the %d-byte limit', 413);
export const RateLimited = createError<[number, number]>(
  'RATE_LIMITED',
  'more than %d sends in %d ms: slow down',
  429,
);

// The edge (http/): what is refused before a request reaches a route.
export const InvalidQuery = createError<[string]>('INVALID_QUERY', '%s', 400);
export const InvalidRequest = createError<[string]>('INVALID_REQUEST', '%s', 400);
export const HostNotAllowed = createError<[string]>(
  'HOST_NOT_ALLOWED',
  'host %s is not allowed: open the server by its address, or add the name to ALLOWED_HOSTS',
  403,
);
export const RequestTimeout = createError<[number]>(
  'REQUEST_TIMEOUT',
  'the request did not arrive within %d ms',
  408,
);
export const TooManyConnections = createError<[string]>('RATE_LIMITED', 'too many connections from %s', 429);
export const HeadersTooLarge = createError<[number]>(
  'HEADERS_TOO_LARGE',
  'request headers are over the %d-byte limit',
  431,
);

/**
 * 5xx errors a client is told as they are: it can do something (try again), and they leak
 * nothing. ROOM_UNAVAILABLE: the room's store (Redis) cannot be reached (room/redis-room.ts).
 */
const CLIENT_VISIBLE_5XX = new Set(['ROOM_UNAVAILABLE']);

/** The shape every error reaches a client in. */
export interface WireError {
  statusCode: number;
  code: string;
  message: string;
}

/**
 * Narrows anything thrown to a client-safe error: our own codes pass (4xx, and the 5xx in
 * CLIENT_VISIBLE_5XX), the rest is a 500 with no details.
 */
export function toWireError(err: unknown): WireError {
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && /^[A-Z_]+$/.test(e.code) && typeof e.statusCode === 'number') {
    if (e.statusCode < 500 || CLIENT_VISIBLE_5XX.has(e.code)) return { statusCode: e.statusCode, code: e.code, message: String(e.message) };
  }
  return { statusCode: 500, code: 'INTERNAL', message: 'internal server error' };
}

// Per-address budgets of the room (room/registry.ts).
export const JoinRateLimited = createError<[number, number]>(
  'RATE_LIMITED',
  'more than %d new identities from this address in %d s: wait a moment',
  429,
);

// v2 identity and the teacher (CONTRACT "identity", "the teacher").
export const TeacherOnly = createError(
  'TEACHER_ONLY',
  'this needs the teacher key (Authorization: Bearer <key>), or your own clientSecret where it acts on yourself',
  401,
);
export const NotYourClient = createError<[string]>('NOT_YOUR_CLIENT', 'wrong or missing clientSecret for client %s', 403);
export const ClientRemoved = createError<[string]>('CLIENT_REMOVED', 'client %s was removed by the teacher', 403);
export const RoomLocked = createError('ROOM_LOCKED', 'the teacher has locked the room: no one new can join now', 423);
