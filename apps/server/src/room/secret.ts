// Client secrets: at least 128 random bits, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// #region secrets
/** 144 random bits as 24 URL-safe characters. */
export const newSecret = (): string => randomBytes(18).toString('base64url');

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Compares two strings in time that does not depend on where they differ (nor on their lengths). */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  return timingSafeEqual(digest(given), digest(expected));
}
// #endregion secrets
