// GET /api/longpoll: long polling. Answered at once when something newer than
// `after` exists (or the cursor is of another epoch); otherwise held in the
// hub until a message arrives or the timeout runs out (then an empty answer).
// A client that goes away releases its waiter, timer and peer at once.
import type { FastifyPluginAsync } from 'fastify';
import { DEFAULTS, TRANSPORTS } from '@wirebench/transports/contract';
import { parseCursor, parseEpoch, parseIntParam } from '@wirebench/transports/polling';
import { attributedClient, countRequest, pollQuerySchema, type PollQuery, type ServerContext } from '../context.ts';
import { InvalidCursor } from '../errors.ts';
import type { WiredLesson } from '../room/fanout.ts';
import { replyChannel } from './http-channel.ts';

/** Clients whose last lesson signal is remembered. */
const MAX_HEARD = 10_000;

export const longPollRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const { room, hub, fanout, stats, config } = ctx;
  // A new lesson signal, or the room starting again, answers every held poll at once.
  const unsubscribe = [
    fanout.onPublish((message) => hub.notify(message.seq)),
    fanout.onLesson(() => hub.notify(Number.POSITIVE_INFINITY)),
    fanout.onRestart(() => hub.notify(Number.POSITIVE_INFINITY)),
  ];
  app.addHook('onClose', async () => {
    for (const off of unsubscribe) off();
  });
  /**
   * The lesson signal the last answer to each client carried: a client whose poll was on its
   * way back when a new one woke the held polls is answered at once, not at the next message.
   */
  const heard = new Map<string, WiredLesson | undefined>();
  const missedLesson = (clientId: string | undefined): boolean =>
    clientId !== undefined && fanout.pollLesson !== undefined && heard.get(clientId) !== fanout.pollLesson;

  app.get<{ Querystring: PollQuery }>(TRANSPORTS['long-poll'].path, { schema: { querystring: pollQuerySchema } }, async (request, reply) => {
    const after = parseCursor(request.query.after);
    if (!after.ok) throw new InvalidCursor(after.message);
    const epoch = parseEpoch(request.query.epoch);
    if (!epoch.ok) throw new InvalidCursor(epoch.message);
    const timeout = parseIntParam('timeout', request.query.timeout, 0, DEFAULTS.longPollMaxTimeoutMs);
    if (!timeout.ok) throw new InvalidCursor(timeout.message);
    const timeoutMs = timeout.value ?? config.longPollTimeoutMs;
    countRequest(ctx, 'long-poll', request);
    const clientId = await attributedClient(ctx, 'long-poll', request.query.clientId);

    const send = (body: unknown): void => void reply.type('application/json; charset=utf-8').send(body);
    let release = (): void => {};
    let answered = false;
    /** The answer for the cursor as it stands now, written by `write`. */
    const answer = async (write: (json: string) => void): Promise<void> => {
      if (answered) return;
      answered = true;
      release();
      const { json, count, lesson } = await fanout.pollAnswer(after.value, epoch.value);
      stats.delivered('long-poll', count);
      if (clientId !== undefined) {
        // Bounded: past a class's worth of ids, every client is asked once more.
        if (heard.size >= MAX_HEARD && !heard.has(clientId)) heard.clear();
        heard.set(clientId, lesson);
      }
      write(json);
    };
    // The goodbye at shutdown is an answer too, written at once (no delay).
    // A failed read of the room ends the request: the client polls again.
    const answerOrDrop = (write: (json: string) => void): void => void answer(write).catch(() => reply.raw.destroy());
    const peer = fanout.attach({
      transport: 'long-poll',
      clientId,
      connection: true,
      channel: replyChannel(reply, () => answerOrDrop(send), send),
    });
    reply.raw.once('close', () => {
      release();
      peer.detach();
    });
    const answerThroughPeer = (): void => answerOrDrop((json) => peer.send(json, json.length));

    if (missedLesson(clientId)) {
      answerThroughPeer();
      return reply;
    }
    // #region hold
    const head = room.head;
    const cursor = after.value;
    const current = cursor === head.lastSeq && (epoch.value === undefined || epoch.value === head.epoch);
    if (cursor === undefined || !current || timeoutMs === 0 || ctx.lifecycle.closing) {
      answerThroughPeer();
      return reply;
    }
    release = hub.hold(cursor, timeoutMs, answerThroughPeer);
    // #endregion hold
    return reply;
  });
};
