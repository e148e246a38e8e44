// The error codes a client raises itself, the server codes that stop it, and the
// error a late callback throws. Server codes otherwise pass through unchanged.

export const CLIENT_ERROR_CODES = {
  truncated: 'TRUNCATED',
  serverRestarted: 'SERVER_RESTARTED',
  network: 'NETWORK',
  cut: 'CUT',
  badFrame: 'BAD_FRAME',
  http: 'HTTP_ERROR',
} as const;

/** Server codes after which the client stops instead of reconnecting (CONTRACT v2 "the teacher"). */
export const SHUT_OUT_CODES = { removed: 'CLIENT_REMOVED', locked: 'ROOM_LOCKED' } as const;
export type ShutOutCode = (typeof SHUT_OUT_CODES)[keyof typeof SHUT_OUT_CODES];

/** A callback outlived its channel (pause, cut, close, restart). */
export class StaleError extends Error {
  constructor() {
    super('stale channel');
    this.name = 'StaleError';
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
