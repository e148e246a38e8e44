import type { FastifyReply, FastifyRequest } from 'fastify';
import { validateUpgrade } from '@wirebench/transports/ws/handshake';

/**
 * A GET on a WebSocket path that Node did not treat as an upgrade. One that
 * tries to be a handshake but is malformed (say, no `Connection: Upgrade`)
 * gets the handshake's own refusal (400); a plain GET gets RFC 7231's 426,
 * naming the protocol to upgrade to.
 */
export async function upgradeRequired(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { headers } = request;
  if (headers.upgrade !== undefined || headers['sec-websocket-key'] !== undefined) {
    const handshake = validateUpgrade({ method: request.method, httpVersion: request.raw.httpVersion, headers });
    if (!handshake.ok) {
      await reply.code(handshake.status).send({ error: { code: handshake.code, message: handshake.message } });
      return;
    }
  }
  await reply
    .code(426)
    .header('upgrade', 'websocket')
    .header('sec-websocket-version', '13')
    .send({ error: { code: 'UPGRADE_REQUIRED', message: `${request.url.split('?')[0]} is a WebSocket endpoint: send a WebSocket upgrade` } });
}
