// The opening handshake with Node's SHA-1 (RFC 6455 §4.2). The rules are in handshake-rules.ts,
// which is browser-safe; this is the one file of the core that uses node:crypto, and it has its
// own package entry so the browser bundle never loads it.
import { createHash } from 'node:crypto';
import { acceptStepsWith, validateUpgradeWith, type AcceptSteps, type HandshakeResult, type Sha1, type UpgradeOptions, type UpgradeRequest } from './handshake-rules.ts';

export * from './handshake-rules.ts';

export const nodeSha1: Sha1 = (data) => createHash('sha1').update(data).digest();

export function acceptSteps(key: string): AcceptSteps {
  return acceptStepsWith(key, nodeSha1);
}

export function computeAccept(key: string): string {
  return acceptSteps(key).accept;
}

export function validateUpgrade(request: UpgradeRequest, options: UpgradeOptions = {}): HandshakeResult {
  return validateUpgradeWith(request, nodeSha1, options);
}
