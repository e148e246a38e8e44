// The one place where thrown errors become HTTP answers:
// `{ error: { code, message } }` with the contract's status codes. One log
// line per error; no stack traces to clients.
import type { FastifyError, FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { toWireError } from '../errors.ts';

// CONTRACT "INVALID_CURSOR: after, timeout or epoch malformed or repeated"; any other query parameter is INVALID_QUERY.
const CURSOR_PARAMS = new Set(['after', 'timeout', 'epoch']);

/** The query parameter a schema error is about: `/after` for a wrong value, or the missing or extra one. */
function queryParam(error: FastifySchemaValidationError): string | undefined {
  const fromPath = error.instancePath.split('/')[1];
  if (fromPath) return fromPath;
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  return params.missingProperty ?? params.additionalProperty;
}

function classify(err: FastifyError & { validationContext?: string }): { status: number; code: string; message: string } {
  if (err.validation) {
    if (err.validationContext !== 'querystring') return { status: 400, code: 'INVALID_BODY', message: err.message };
    const cursor = err.validation.every((e) => CURSOR_PARAMS.has(queryParam(e) ?? ''));
    return { status: 400, code: cursor ? 'INVALID_CURSOR' : 'INVALID_QUERY', message: err.message };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'BODY_TOO_LARGE', message: 'request body is over the size limit' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 400, code: 'INVALID_BODY', message: 'body must be JSON (Content-Type: application/json)' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'INVALID_BODY', message: 'body is empty but Content-Type is application/json' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'INVALID_BODY', message: 'Content-Length does not match the body' };
  }
  if (err.statusCode === 400 && (err instanceof SyntaxError || err.code?.startsWith('FST_ERR_CTP'))) {
    return { status: 400, code: 'INVALID_BODY', message: `malformed JSON: ${err.message}` };
  }
  const wire = toWireError(err);
  return { status: wire.statusCode, code: wire.code, message: wire.message };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const { status, code, message } = classify(err);
    // A refused request is the client's business (a class makes many): debug level, the path only —
    // a query may carry a clientSecret, and nothing secret is ever logged.
    if (code === 'ROOM_UNAVAILABLE') {
      // RFC 9110 10.2.3: "When sent with a 503 (Service Unavailable) response, Retry-After
      // indicates how long the service is expected to be unavailable to the client."
      void reply.header('retry-after', '1');
      request.log.warn({ code, path: request.url.split('?')[0] }, message);
    } else if (status >= 500) request.log.error({ err, path: request.url.split('?')[0] }, 'request failed');
    else request.log.debug({ code, status, path: request.url.split('?')[0] }, message);
    void reply.code(status).send({ error: { code, message } });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}
