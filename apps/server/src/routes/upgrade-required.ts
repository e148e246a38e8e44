import type { FastifyReply, FastifyRequest } from 'fastify';

/** A plain GET on a WebSocket path: RFC 7231 426, naming the protocol to upgrade to. */
export async function upgradeRequired(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  await reply
    .code(426)
    .header('upgrade', 'websocket')
    .header('sec-websocket-version', '13')
    .send({ error: { code: 'UPGRADE_REQUIRED', message: `${request.url.split('?')[0]} is a WebSocket endpoint: send a WebSocket upgrade` } });
}
