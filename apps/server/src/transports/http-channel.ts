// An HTTP answer or stream as a fan-out channel: what the poll and SSE
// transports share.
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
    terminate: () => res.destroy(),
  };
}
