// GET /api/events: Server-Sent Events. Headers at once, the history or the
// replay after the cursor, then every message as an unnamed event whose id is
// its seq, and a comment every 15 s so proxies keep the stream open.
import type { FastifyPluginAsync } from 'fastify';
import type { ServerResponse } from 'node:http';
import { parseCursor } from '@wirebench/transports/polling';
import { encodeComment, encodeEvent, resumeCursor } from '@wirebench/transports/sse';
import { InvalidCursor } from '../errors.ts';
import { openEventStream } from '../http/event-stream.ts';
import { Outbox } from '../room/delivery.ts';
import { attributedClient, countRequest, pollQuerySchema, type Deps, type PollQuery } from './deps.ts';

interface Stream {
  res: ServerResponse;
  outbox: Outbox<string>;
  end: () => void;
}

/**
 * A named `state` event opens every stream: `{ lastSeq, truncated }`. Browsers
 * ignore named events nobody listens for; our client uses it to notice a
 * server restart (lastSeq below its cursor) or a truncated replay.
 */
const stateEvent = (lastSeq: number, truncated: boolean): string =>
  `event: state\ndata: ${JSON.stringify({ lastSeq, truncated })}\n\n`;

export const sseRoutes: FastifyPluginAsync<Deps> = async (app, deps) => {
  const { room, stats, controls, config } = deps;
  const streams = new Set<Stream>();

  const unsubscribe = room.subscribe((message) => {
    const event = encodeEvent(message.seq, JSON.stringify(message));
    for (const stream of streams) stream.outbox.push(event);
  });
  const heartbeat = setInterval(() => {
    const comment = encodeComment('keep-alive');
    for (const stream of streams) stream.res.write(comment);
  }, config.sseHeartbeatMs);
  heartbeat.unref();

  app.addHook('preClose', async () => {
    unsubscribe();
    clearInterval(heartbeat);
    for (const stream of streams) stream.end();
  });

  app.get<{ Querystring: PollQuery }>('/api/events', { schema: { querystring: pollQuerySchema } }, (request, reply) => {
    const cursor = parseCursor(resumeCursor(request.headers['last-event-id'], request.query.after));
    if (!cursor.ok) throw new InvalidCursor(cursor.message);
    const clientId = attributedClient(deps, 'sse', request.query.clientId);
    countRequest(deps, 'sse', request, reply, true, clientId);

    // #region open-stream
    const { res, write } = openEventStream(reply, config.wsMaxBufferedBytes);
    const outbox = new Outbox<string>(
      () => controls.delay(clientId),
      (event) => {
        stats.delivered('sse');
        write(event);
      },
    );
    const replay = room.replay(cursor.value);
    write(stateEvent(replay.lastSeq, replay.truncated));
    for (const message of replay.messages) outbox.push(encodeEvent(message.seq, JSON.stringify(message)));
    // #endregion open-stream

    if (deps.lifecycle.closing) {
      res.end();
      return;
    }
    const stream: Stream = { res, outbox, end: () => res.end() };
    streams.add(stream);
    const unregisterCut = controls.onCut(clientId, () => res.destroy());
    res.once('close', () => {
      streams.delete(stream);
      outbox.clear();
      unregisterCut();
    });
  });
};
