// 5. Codec micro-benchmarks, in one process: our decoder and encoder against `ws`'s on the
// same buffers. Run as a child of the driver (node --import tsx codec.ts '<json options>');
// the result goes back over IPC, or to stdout when run by hand.
//
// Fair use of both:
// - Decoding is compared at the message level, as each server uses it: our WsConnection
//   (receiveData + events(), reassembly and UTF-8 validation included) against ws's Receiver
//   (write(), as ws's socket 'data' handler calls it, 'message' events, text turned into a
//   string as ours does). Our frame-only
//   FrameDecoder is timed too and shown apart.
// - ws unmasks a payload in place inside the buffer it is given; ours copies first. Masked
//   cases therefore use binary payloads, so repeated in-place unmasking of the same input is
//   harmless to ws and both parse identical bytes every iteration.
// - Encoding: ours always returns one buffer (header + payload copy). ws's Sender.frame returns
//   [header, payload] without copying for unmasked frames; for masked frames of a caller-owned
//   Buffer it merges into one (readOnly: true, what ws.send does with a Buffer). Both get the
//   same fixed mask so no random source is timed.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { WsConnection, FrameDecoder, encodeFrame } from '@wirebench/transports/ws';
import { pairedRatio, spread, type Spread } from '../stats.ts';

const require = createRequire(import.meta.url);
const wsLib = require('ws') as {
  Receiver: new (options: Record<string, unknown>) => {
    write(chunk: Buffer): boolean;
    on(event: 'message', fn: (data: Buffer, isBinary: boolean) => void): void;
    on(event: 'error', fn: (err: Error) => void): void;
  };
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] };
};

export interface CodecCase {
  name: string;
  kind: 'decode' | 'encode';
  /** Payload bytes handled per operation. */
  payloadBytes: number;
  ours: Spread;
  ws: Spread;
  /** ours / ws ops per second, paired round by round. */
  ratio: Spread;
  /** Decoding only: our FrameDecoder without message handling. */
  oursFrameOnly?: Spread;
}

const MASK = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]);
const MASK_BUF = Buffer.from(MASK);

function payloadOf(size: number, text: boolean): Buffer {
  const b = Buffer.alloc(size);
  // Text: printable ASCII with a 2-byte character now and then, so the UTF-8 check has work.
  if (text) {
    const unit = Buffer.from('wirebench é ');
    for (let i = 0; i < size; i++) b[i] = unit[i % unit.length]!;
    // Keep it valid UTF-8 at the end: replace a cut 2-byte sequence.
    if (size > 0 && (b[size - 1]! & 0xe0) === 0xc0) b[size - 1] = 0x20;
  } else for (let i = 0; i < size; i++) b[i] = (i * 131 + 17) & 0xff;
  return b;
}

function frames(payload: Buffer, opts: { opcode: number; masked: boolean; fragments: number }): Buffer {
  const parts: Uint8Array[] = [];
  const n = opts.fragments;
  const step = Math.ceil(payload.length / n);
  for (let i = 0; i < n; i++) {
    const slice = payload.subarray(i * step, Math.min(payload.length, (i + 1) * step));
    parts.push(encodeFrame({ opcode: i === 0 ? opts.opcode : 0, payload: slice, fin: i === n - 1, mask: opts.masked ? MASK : null }));
  }
  return Buffer.concat(parts);
}

function reads(wire: Buffer, readSize: number): Buffer[] {
  if (readSize <= 0 || readSize >= wire.length) return [wire];
  const out: Buffer[] = [];
  for (let i = 0; i < wire.length; i += readSize) out.push(wire.subarray(i, i + readSize));
  return out;
}

interface DecodeSpec {
  name: string;
  size: number;
  text: boolean;
  masked: boolean;
  fragments: number;
  /** Messages per read (several small frames arriving in one chunk). */
  batch: number;
  readSize: number;
}

const DECODE: DecodeSpec[] = [
  { name: 'decode 64 B binary, masked (server side)', size: 64, text: false, masked: true, fragments: 1, batch: 1, readSize: 0 },
  { name: 'decode 64 B text, unmasked (client side)', size: 64, text: true, masked: false, fragments: 1, batch: 1, readSize: 0 },
  { name: 'decode 100 × 64 B binary in one read, masked', size: 64, text: false, masked: true, fragments: 1, batch: 100, readSize: 0 },
  { name: 'decode 16 KiB binary, masked', size: 16 * 1024, text: false, masked: true, fragments: 1, batch: 1, readSize: 0 },
  { name: 'decode 16 KiB text, unmasked', size: 16 * 1024, text: true, masked: false, fragments: 1, batch: 1, readSize: 0 },
  { name: 'decode 16 KiB text in 4 fragments, unmasked', size: 16 * 1024, text: true, masked: false, fragments: 4, batch: 1, readSize: 0 },
  { name: 'decode 1 MiB binary, masked, 64 KiB reads', size: 1024 * 1024, text: false, masked: true, fragments: 1, batch: 1, readSize: 64 * 1024 },
  { name: 'decode 1 MiB binary in 16 fragments, masked, 64 KiB reads', size: 1024 * 1024, text: false, masked: true, fragments: 16, batch: 1, readSize: 64 * 1024 },
];

type Op = () => number;

function decodeOps(spec: DecodeSpec): { ours: Op; frameOnly: Op; ws: Op } {
  const payload = payloadOf(spec.size, spec.text);
  const one = frames(payload, { opcode: spec.text ? 1 : 2, masked: spec.masked, fragments: spec.fragments });
  const wire = Buffer.concat(Array.from({ length: spec.batch }, () => one));
  const chunks = reads(wire, spec.readSize);
  const role = spec.masked ? 'server' : 'client';

  const conn = new WsConnection({ role, maxMessageBytes: 64 * 1024 * 1024 });
  let frameCount = 0;
  const decoder = new FrameDecoder({ role, maxPayloadBytes: 64 * 1024 * 1024, onFrame: () => frameCount++ });
  let wsMessages = 0;
  let wsBytes = 0;
  const receiver = new wsLib.Receiver({ isServer: spec.masked, maxPayload: 0, binaryType: 'nodebuffer' });
  receiver.on('message', (data, isBinary) => {
    wsMessages++;
    // A text message becomes a string, as our connection's text event already is (ws hands
    // the application a Buffer; every text consumer, the chat route included, decodes it).
    wsBytes += isBinary ? data.length : Buffer.byteLength(data.toString());
  });
  receiver.on('error', (err) => {
    throw err;
  });

  const ours: Op = () => {
    let bytes = 0;
    for (const c of chunks) conn.receiveData(c);
    for (const e of conn.events()) {
      if (e.type === 'binary') bytes += e.data.length;
      else if (e.type === 'text') bytes += e.data.length;
      else throw new Error(`unexpected ${e.type} event`);
    }
    return bytes;
  };
  const frameOnly: Op = () => {
    for (const c of chunks) decoder.push(c);
    return frameCount;
  };
  const ws: Op = () => {
    const before = wsBytes;
    for (const c of chunks) receiver.write(c);
    return wsBytes - before;
  };

  // Both must decode what was encoded before either is timed.
  const oursOut = ours();
  const wsOut = ws();
  const expectBytes = spec.text ? payload.toString().length * spec.batch : spec.size * spec.batch;
  if (oursOut !== expectBytes || wsOut !== spec.size * spec.batch || wsMessages !== spec.batch) {
    throw new Error(`${spec.name}: decoders disagree (ours ${oursOut}, ws ${wsOut} in ${wsMessages} messages, expected ${expectBytes})`);
  }
  return { ours, frameOnly, ws };
}

interface EncodeSpec {
  name: string;
  size: number;
  masked: boolean;
  fragments: number;
}
const ENCODE: EncodeSpec[] = [
  { name: 'encode 64 B, unmasked (server frame)', size: 64, masked: false, fragments: 1 },
  { name: 'encode 64 B, masked (client frame)', size: 64, masked: true, fragments: 1 },
  { name: 'encode 16 KiB, unmasked', size: 16 * 1024, masked: false, fragments: 1 },
  { name: 'encode 16 KiB, masked', size: 16 * 1024, masked: true, fragments: 1 },
  { name: 'encode 1 MiB, unmasked', size: 1024 * 1024, masked: false, fragments: 1 },
  { name: 'encode 1 MiB, masked', size: 1024 * 1024, masked: true, fragments: 1 },
  { name: 'encode 1 MiB as 16 masked fragments', size: 1024 * 1024, masked: true, fragments: 16 },
];

function encodeOps(spec: EncodeSpec): { ours: Op; ws: Op } {
  const payload = payloadOf(spec.size, false);
  const step = Math.ceil(spec.size / spec.fragments);
  const slices = Array.from({ length: spec.fragments }, (_, i) => payload.subarray(i * step, Math.min(spec.size, (i + 1) * step)));
  const noop = (): void => {};
  const ours: Op = () => {
    let n = 0;
    for (let i = 0; i < slices.length; i++) {
      n += encodeFrame({ opcode: i === 0 ? 2 : 0, payload: slices[i]!, fin: i === slices.length - 1, mask: spec.masked ? MASK : null }).length;
    }
    return n;
  };
  const ws: Op = () => {
    let n = 0;
    for (let i = 0; i < slices.length; i++) {
      const out = wsLib.Sender.frame(slices[i]!, {
        opcode: i === 0 ? 2 : 0,
        fin: i === slices.length - 1,
        rsv1: false,
        mask: spec.masked,
        maskBuffer: MASK_BUF,
        generateMask: noop,
        readOnly: true,
      });
      for (const b of out) n += b.length;
    }
    return n;
  };
  // Same bytes on the wire from both.
  const a = Buffer.concat(slices.map((s, i) => encodeFrame({ opcode: i === 0 ? 2 : 0, payload: s, fin: i === slices.length - 1, mask: spec.masked ? MASK : null })));
  const b = Buffer.concat(
    slices.flatMap((s, i) =>
      wsLib.Sender.frame(Buffer.from(s), { opcode: i === 0 ? 2 : 0, fin: i === slices.length - 1, rsv1: false, mask: spec.masked, maskBuffer: MASK_BUF, generateMask: noop, readOnly: true }),
    ),
  );
  if (!a.equals(b)) throw new Error(`${spec.name}: encoders produce different bytes`);
  return { ours, ws };
}

/** Runs op for about timeMs, in batches, and returns operations per second. */
function opsPerSec(op: Op, timeMs: number): number {
  let iterations = 0;
  let sink = 0;
  let batch = 1;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < timeMs) {
    for (let i = 0; i < batch; i++) sink += op();
    iterations += batch;
    elapsed = performance.now() - t0;
    if (elapsed < timeMs / 20) batch *= 2;
  }
  if (sink < 0) console.log(sink); // keeps the work observable
  return (iterations / elapsed) * 1000;
}

export function runCodec(timeMs: number, rounds: number): CodecCase[] {
  const out: CodecCase[] = [];
  const measure = (name: string, kind: 'decode' | 'encode', payloadBytes: number, impls: Record<string, Op>): void => {
    const runs: Record<string, number[]> = {};
    for (const key of Object.keys(impls)) {
      runs[key] = [];
      opsPerSec(impls[key]!, timeMs / 2); // warm-up, discarded
    }
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so neither always runs on a warmer or colder heap.
      const keys = r % 2 === 0 ? Object.keys(impls) : Object.keys(impls).reverse();
      for (const key of keys) runs[key]!.push(opsPerSec(impls[key]!, timeMs));
    }
    const c: CodecCase = {
      name,
      kind,
      payloadBytes,
      ours: spread(runs.ours!),
      ws: spread(runs.ws!),
      ratio: pairedRatio(runs.ours!, runs.ws!),
    };
    if (runs.frameOnly) c.oursFrameOnly = spread(runs.frameOnly);
    out.push(c);
    process.stderr.write(`  codec ${name}: ours/ws ${c.ratio.median.toFixed(2)}×\n`);
  };
  for (const spec of DECODE) measure(spec.name, 'decode', spec.size * spec.batch, decodeOps(spec));
  for (const spec of ENCODE) measure(spec.name, 'encode', spec.size, encodeOps(spec));
  return out;
}

// Run as a child process: options as JSON in argv[2].
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const opts = JSON.parse(process.argv[2] ?? '{"timeMs":300,"rounds":3}') as { timeMs: number; rounds: number };
  const cases = runCodec(opts.timeMs, opts.rounds);
  if (process.send) process.send({ cases }, () => process.exit(0));
  else console.log(JSON.stringify(cases, null, 2));
}
