// An HTTP answer or stream as a fan-out channel: what the poll and SSE
// transports share.
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Channel } from '../room/fanout.ts';

/**
 * The channel of a reply whose body the transport writes itself. `close` is
 * the transport's goodbye (an answer to a held poll, the end of a stream).
 */
export function replyChannel(reply: FastifyReply, close: (code: number, reason: string) => void, write: Channel['write']): Channel {
  const res = reply.raw;
  return {
    socket: res.socket ?? reply.request.raw.socket,
    write,
    buffered: () => res.writableLength,
    close,
    terminate: () => cutAnswer(res),
  };
}

/**
 * Drops an answer as a network failure would, in a way the page sees. A browser
 * resends a GET by itself, without telling the page, when a reused keep-alive
 * connection closes before any byte of the answer arrived (RFC 9110 9.2.2: "A user
 * agent can repeat a request automatically ... if the request method is idempotent";
 * Chromium does, for exactly this case). So an answer not started yet first gets its
 * status line and headers: the answer is then real, and the body that never ends
 * (no final chunk) is the failure the page's fetch reports. The server has counted
 * one request, and so has the page.
 */
export function cutAnswer(res: ServerResponse): void {
  const socket = res.socket;
  if (res.headersSent || socket === null || socket.destroyed) {
    res.destroy();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.flushHeaders();
  // Written to the socket, not yet necessarily to the wire: end after it, then drop.
  socket.once('finish', () => socket.destroy());
  socket.end();
}
