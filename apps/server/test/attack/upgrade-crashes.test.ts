// Findings 1 and 2: upgrade requests that took the process down.
// CONTRACT "WebSocket endpoints": a handshake that is not a valid upgrade gets an
// HTTP error answer (400 for "a request-target that is not a valid path"), and
// "no request, frame or byte sequence makes the process exit".
import { afterEach, describe, expect, it } from 'vitest';
import { wireFrame } from '../helpers/contract.ts';
import { expectSurvived, openWire, roomSnapshot, sleep, startServer, stopAllServers, type ServerProcess } from '../helpers/process.ts';

afterEach(stopAllServers);

/** Request-targets that `new URL(target, base)` throws on, aimed at `path`. */
const badTargets = (path: string): string[] => [`//%${path}`, `//[${path}`, `http://[::1${path}`, `http://x:99999${path}`];

async function seeded(server: ServerProcess): Promise<void> {
  const ws = await openWire(server, '/ws/raw');
  await ws.write(wireFrame(1, JSON.stringify({ type: 'send', text: 'before the attack', clientMsgId: 'seed' })));
  await ws.waitFor(() => ws.json().some((f) => f.type === 'ack'), 5_000);
  ws.destroy();
}

describe('finding 1: an upgrade whose request-target new URL() rejects is a 400, not a crash', () => {
  for (const path of ['/ws/raw', '/ws/lib', '/no-such-endpoint']) {
    it(`on ${path}: //%, //[, http://[::1 and http://x:99999 each get 400; the process lives`, async () => {
      let server = await startServer();
      await seeded(server);
      let before = await roomSnapshot(server);
      // Each target on a live server: one that crashes it is noted and the server started again.
      const answers: Record<string, number | string> = {};
      const crashes: string[] = [];
      for (const target of badTargets(path)) {
        const peer = await openWire(server, target);
        await peer.waitFor(() => peer.ended, 1_000);
        peer.destroy();
        await sleep(50);
        if (!server.alive()) {
          answers[target] = 'the process exited';
          crashes.push(`${target}:\n${server.output()}`);
          server = await startServer();
          await seeded(server);
          before = await roomSnapshot(server);
          continue;
        }
        answers[target] = peer.status ?? 0;
        let code: unknown;
        try {
          code = JSON.parse(peer.body).error.code;
        } catch {
          code = undefined;
        }
        expect.soft(code, `${target}: the 400 is a JSON error ${peer.body.slice(0, 200)}`).toEqual(expect.any(String));
      }
      expect(answers, `answers (0 = none); what the crashed processes printed:\n${crashes.join('\n')}`).toEqual(
        Object.fromEntries(badTargets(path).map((t) => [t, 400])),
      );
      await expectSurvived(server, before);
    }, 20_000);
  }
});

describe('finding 2: the handshake and a first frame in one write', () => {
  for (const path of ['/ws/raw/echo', '/ws/lib/echo']) {
    it(`${path}: a text and a binary frame written with the upgrade are echoed`, async () => {
      const server = await startServer();
      const before = await roomSnapshot(server);
      const text = await openWire(server, path, { extra: wireFrame(1, 'hello in the same write') });
      const binary = await openWire(server, path, { extra: wireFrame(2, Buffer.from([0, 1, 2, 253, 254, 255])) });
      expect([text.status ?? 0, binary.status ?? 0], `handshakes; the server printed:\n${server.output()}`).toEqual([101, 101]);
      await text.waitFor(() => text.frames.length > 0, 5_000);
      await binary.waitFor(() => binary.frames.length > 0, 5_000);
      expect(text.frames[0], 'the echo of the text frame').toMatchObject({ opcode: 1, fin: true });
      expect(text.frames[0]?.payload.toString('utf8')).toBe('hello in the same write');
      expect(binary.frames[0], 'the echo of the binary frame').toMatchObject({ opcode: 2, fin: true });
      expect([...(binary.frames[0]?.payload ?? [])]).toEqual([0, 1, 2, 253, 254, 255]);
      text.destroy();
      binary.destroy();
      await expectSurvived(server, before);
    }, 20_000);
  }

  for (const path of ['/ws/raw', '/ws/lib']) {
    it(`${path}: a send frame written with the upgrade is acked after the welcome`, async () => {
      const server = await startServer();
      const before = await roomSnapshot(server);
      const send = { type: 'send', text: 'sent with the handshake', clientMsgId: 'same-write' };
      const peer = await openWire(server, path, { extra: wireFrame(1, JSON.stringify(send)) });
      expect(peer.status ?? 0, `handshake; the server printed:\n${server.output()}`).toBe(101);
      await peer.waitFor(() => peer.json().some((f) => f.type === 'ack' || f.type === 'error'), 5_000);
      const frames = peer.json();
      expect(frames[0]?.type, 'the first frame').toBe('welcome');
      expect(frames.find((f) => f.type === 'ack' || f.type === 'error')).toEqual({
        type: 'ack',
        clientMsgId: 'same-write',
        seq: before.lastSeq + 1,
      });
      peer.destroy();
      await expectSurvived(server, null);
      const after = await roomSnapshot(server);
      expect(after.lastSeq).toBe(before.lastSeq + 1);
      expect(after.messages.at(-1)).toMatchObject({ text: 'sent with the handshake', clientMsgId: 'same-write' });
    }, 20_000);
  }
});
