// Taking over a request as a text/event-stream (used by /api/events and /api/inspect).
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';

// #region event-stream
export function openEventStream(reply: FastifyReply): ServerResponse {
  reply.hijack();
  const res = reply.raw;
  // Headers go out at once: the browser's EventSource opens before the first event.
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Proxies such as nginx would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  // writeHead alone waits for the first chunk: a feed with nothing to say yet would look dead.
  res.flushHeaders();
  return res;
}
// #endregion event-stream
