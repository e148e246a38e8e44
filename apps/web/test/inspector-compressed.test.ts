// The inspector's compressed frames (RFC 7692), without a browser: what the server's inspector
// describes for a compressed frame, copied as hex, is the frame as it crossed the wire (the
// compressed bytes, never the inflated ones), and chapter 3's frame decoder inflates it back
// to the message the inspector showed beside it.
import type { InspectFrame } from '@wirebench/transports/contract';
import { MessageDeflate, WorkQueue, WsConnection, type DeflateParams } from '@wirebench/transports/ws';
import { zlibEngine } from '@wirebench/transports/ws/zlib';
import { describe, expect, it } from 'vitest';
import { Inspector } from '../../server/src/inspect/inspector.ts';
import { explain, inflateFrames } from '../src/features/docs/frame-explain.ts';
import { frameHex, hexByteCount } from '../src/features/inspector/frame-bytes.ts';

const PARAMS: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 12, clientMaxWindowBits: 12 };

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5_000;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
}

/** One message each way on a compressed connection, as the server's inspector shows them. */
async function compressedFrames(fromBrowser: string, fromServer: string): Promise<InspectFrame[]> {
  const inspector = new Inspector();
  const id = inspector.open('c', () => ({
    request: { method: 'GET', url: '/ws/raw?compress=1', httpVersion: '1.1', headers: [] },
    response: { status: 101, headers: [['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits=12; server_max_window_bits=12']] },
    accept: { key: '', guid: '', concatenated: '', sha1Hex: '', accept: '' },
  }));
  const queue = new WorkQueue(2);
  const server = new WsConnection({
    role: 'server',
    deflate: new MessageDeflate(PARAMS, 'server', zlibEngine, queue),
    onFrame: (frame) => inspector.received(id, frame),
    onSent: (encoded, payload, plain) => inspector.sent(id, encoded, payload, plain),
    onInflated: (frame, inflated) => inspector.inflated(id, frame, inflated),
  });
  const browser = new WsConnection({ role: 'client', deflate: new MessageDeflate(PARAMS, 'client', zlibEngine, queue) });
  browser.sendText(fromBrowser);
  let got = false;
  await until(() => {
    for (const chunk of browser.dataToSend()) server.receiveData(chunk);
    got ||= server.events().some((e) => e.type === 'text');
    return got;
  });
  server.sendText(fromServer);
  await until(() => server.pendingSendBytes === 0);
  const frames: InspectFrame[] = [];
  inspector.subscribe('c', (e) => {
    if (e.kind === 'frame') frames.push(e);
  })();
  return frames;
}

describe('a compressed frame in the inspector', () => {
  const fromBrowser = JSON.stringify({ type: 'send', text: '你好，WebSocket！'.repeat(20), clientMsgId: 'k-1' });
  const fromServer = JSON.stringify({ type: 'message', seq: 7, name: 'Ada', text: 'compress me, compress me, compress me', via: 'ws-raw' });

  it('copies as its wire bytes, which the frame decoder inflates to the text shown beside them', async () => {
    const frames = await compressedFrames(fromBrowser, fromServer);
    expect(frames.map((f) => [f.direction, f.rsv[0], f.compressed, f.text])).toEqual([
      ['in', true, true, fromBrowser],
      ['out', true, true, fromServer],
    ]);
    for (const f of frames) {
      const copied = frameHex(f);
      // Header and compressed payload: the inflated bytes are not in what is copied.
      expect(copied).toBe(`${f.headerHex} ${f.wireHex}`);
      expect(hexByteCount(f.wireHex)).toBe(f.payloadLength);
      expect(hexByteCount(f.inflatedHex!)).toBe(f.inflatedLength);
      expect(f.inflatedLength).toBeGreaterThan(f.payloadLength);
      const decoded = explain(copied, 'auto');
      expect(decoded.error).toBeNull();
      expect(decoded.state).toBe('HEADER');
      const [inflated] = await inflateFrames(decoded.frames, decoded.role);
      expect(inflated!.text).toBe(f.text);
    }
  });
});
