// The hand-rolled adapter's own limits: the heartbeat, and a peer that stops reading.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WsClient from 'ws';
import { rawWs, start, tick, wireFrame, type Started } from './helpers/contract.ts';

let server: Started | undefined;
afterEach(async () => {
  await server?.app.close();
  server = undefined;
});

describe('heartbeat (ping every heartbeatMs, end a peer that did not answer the last one)', () => {
  it('ends a peer that never answers a ping, without a close frame', async () => {
    server = await start({ heartbeatMs: 100 });
    const peer = await rawWs(server.port, '/ws/raw/echo');
    // rawWs reads frames but never answers pings.
    expect(await peer.closeCode()).toBe(1006);
    expect(peer.frames.some((f) => f.opcode === 0x9)).toBe(true);
  });

  it('keeps a peer that answers its pings', async () => {
    server = await start({ heartbeatMs: 100 });
    const ws = new WsClient(`ws://${server.host}/ws/raw`); // the ws client answers pings itself
    let pings = 0;
    ws.on('ping', () => pings++);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await tick(700);
    expect(pings).toBeGreaterThanOrEqual(3);
    expect(ws.readyState).toBe(WsClient.OPEN);
    ws.close();
  });
});

describe('a peer that stops reading', () => {
  it('is dropped once maxBufferedBytes are waiting for it, instead of growing memory', async () => {
    server = await start({ wsMaxMessageBytes: 1024, maxBufferedBytes: 64 * 1024, heartbeatMs: 60_000 });
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => {
      socket.once('connect', () => {
        socket.write(
          'GET /ws/raw/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        );
        socket.once('data', () => resolve());
      });
    });
    socket.pause(); // from here on nothing is read
    const frame = wireFrame(0x2, new Uint8Array(1000));
    const deadline = Date.now() + 15_000;
    let sent = 0;
    let gone = false;
    void closed.then(() => (gone = true));
    // Each 1000-byte message is echoed into a socket nobody reads; kernel buffers fill first.
    while (!gone && Date.now() < deadline && sent < 200_000) {
      const ok = socket.write(frame);
      sent++;
      if (!ok) await tick(1);
    }
    await Promise.race([closed, tick(Math.max(0, deadline - Date.now()))]);
    expect(gone).toBe(true);
  });
});
