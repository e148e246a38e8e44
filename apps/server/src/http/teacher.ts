// The teacher key (CONTRACT v2 "the teacher"): teacher-only requests carry
// `Authorization: Bearer <key>`, compared in constant time, never logged. An
// address that presented the key lately is the teacher's: the per-address
// connection bound does not apply to it, so a class can never lock the
// teacher out (identities the teacher makes pass the room's budgets and lock).
import type { FastifyRequest } from 'fastify';
import { TeacherOnly } from '../errors.ts';
import { sameSecret } from '../room/secret.ts';
import { peerAddress } from './guards.ts';

/** How long an address stays the teacher's after a request with the key. */
const TRUSTED_MS = 60 * 60_000;

export interface TeacherGate {
  /** The request carries the teacher key (and its address is trusted from now on). */
  isTeacher(request: FastifyRequest): boolean;
  /** For teacher-only routes (onRequest / preHandler): 401 TEACHER_ONLY without the key. */
  only(request: FastifyRequest): Promise<void>;
  /** The address presented the key within the last hour. */
  trusted(address: string): boolean;
}

export function teacherGate(key: string, now: () => number = Date.now): TeacherGate {
  const trustedUntil = new Map<string, number>();

  function isTeacher(request: FastifyRequest): boolean {
    const header = request.headers.authorization;
    if (typeof header !== 'string') return false;
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match || !sameSecret(match[1], key)) return false;
    const address = peerAddress(request.raw.socket);
    if (address !== undefined) trustedUntil.set(address, now() + TRUSTED_MS);
    return true;
  }

  return {
    isTeacher,
    async only(request) {
      if (!isTeacher(request)) throw new TeacherOnly();
    },
    trusted(address) {
      const until = trustedUntil.get(address);
      if (until === undefined) return false;
      if (until > now()) return true;
      trustedUntil.delete(address);
      return false;
    },
  };
}
