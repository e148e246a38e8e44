// JSON from peers, one rule for HTTP bodies and WebSocket chat frames:
// valid UTF-8 only (the same bytes a WebSocket refuses with 1007), and no
// `__proto__` or `constructor.prototype` keys (prototype poisoning).
import type { FastifyInstance } from 'fastify';
import secureJsonParse from 'secure-json-parse';
import { InvalidBody } from '../errors.ts';

/** Parses JSON text; throws InvalidBody (400) for malformed JSON or a forbidden key. */
export function parseJsonText(text: string): unknown {
  try {
    return secureJsonParse(text, null, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    const reason = (err as Error).message;
    if (/forbidden prototype property/.test(reason)) {
      throw new InvalidBody('JSON must not contain "__proto__" or "constructor.prototype" keys');
    }
    throw new InvalidBody(`malformed JSON: ${reason}`);
  }
}

// RFC 8259 8.1 "JSON text exchanged between systems that are not part of a closed ecosystem MUST be encoded using UTF-8"
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Replaces fastify's JSON body parser: the body as bytes, strict UTF-8, then parseJsonText. An empty body reads as no body. */
export function installJsonParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0) return done(null, undefined);
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return done(new InvalidBody('body is not valid UTF-8'), undefined);
    }
    try {
      done(null, parseJsonText(text));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
