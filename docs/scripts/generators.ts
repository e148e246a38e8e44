// Generated blocks: every table, hex dump, diagram and transcript in the chapters that comes
// from code. Each generator returns Markdown; excerpts.ts puts it between
// `<!-- generated: name -->` and `<!-- /generated -->`. Output must be the same on every run:
// ids and times from the real server are replaced by placeholders.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { maxHeaderSize } from 'node:http';
import { join } from 'node:path';
import * as httpErrors from '../../apps/server/src/errors.ts';
import { MIN_TEACHER_KEY_LENGTH, defaultConfig } from '../../apps/server/src/config.ts';
import { isLoopback, joinUrls, startupLines, type Interfaces } from '../../apps/server/src/network.ts';
import { DEFAULTS, ERROR_CODES } from '../../packages/transports/src/contract.ts';
import {
  CLOSE_CODES,
  FrameDecoder,
  OPCODES,
  TRANSITIONS,
  WS_ERRORS,
  encodeClose,
  encodeFrame,
  isValidCloseCode,
  opcodeName,
} from '../../packages/transports/src/ws/index.ts';
import { acceptSteps } from '../../packages/transports/src/ws/handshake.ts';
import { CLIENT_STATE_STATUS, CLIENT_TRANSITIONS } from '../../packages/transports/src/client/lifecycle-table.ts';
import { readSnapshot, renderHeadlines, renderSummary, renderTargets } from './bench-snapshot.ts';

export type Generator = (root: string) => string | Promise<string>;

const text = new TextEncoder();

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

// --- 1.3 the handshake hash ---------------------------------------------------------------

function handshakeSteps(): string {
  const s = acceptSteps('dGhlIHNhbXBsZSBub25jZQ==');
  return [
    '| step | value |',
    '|---|---|',
    `| Sec-WebSocket-Key (RFC 6455 §1.3) | \`${s.key}\` |`,
    `| + GUID | \`${s.concatenated}\` |`,
    `| SHA-1, hex | \`${s.sha1Hex}\` |`,
    `| base64 of the 20 bytes = Sec-WebSocket-Accept | \`${s.accept}\` |`,
  ].join('\n');
}

// --- 5.7 example frames, encoded by the real encoder ------------------------------------------

const RFC_MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

export function rfcExampleFrames(): Array<{ title: string; bytes: Uint8Array; role: 'server' | 'client' }> {
  const hello = text.encode('Hello');
  const bin256 = new Uint8Array(256);
  return <Array<{ title: string; bytes: Uint8Array; role: 'server' | 'client' }>>[
    { title: 'a single-frame unmasked text message "Hello" (server to client)', role: 'client', bytes: encodeFrame({ opcode: OPCODES.TEXT, payload: hello }) },
    { title: 'a single-frame masked text message "Hello" (client to server, mask 37 fa 21 3d)', role: 'server', bytes: encodeFrame({ opcode: OPCODES.TEXT, payload: hello, mask: RFC_MASK }) },
    { title: 'a fragmented unmasked text message: first frame "Hel" (FIN = 0)', role: 'client', bytes: encodeFrame({ opcode: OPCODES.TEXT, payload: text.encode('Hel'), fin: false }) },
    { title: '… and its continuation "lo" (opcode 0, FIN = 1)', role: 'client', bytes: encodeFrame({ opcode: OPCODES.CONTINUATION, payload: text.encode('lo') }) },
    { title: 'an unmasked ping carrying "Hello"', role: 'client', bytes: encodeFrame({ opcode: OPCODES.PING, payload: hello }) },
    { title: 'a masked pong answering it (mask 37 fa 21 3d)', role: 'server', bytes: encodeFrame({ opcode: OPCODES.PONG, payload: hello, mask: RFC_MASK }) },
  ].concat([
    { title: '256 bytes of binary data: the header alone (16-bit length form)', role: 'client', bytes: encodeFrame({ opcode: OPCODES.BINARY, payload: bin256 }).subarray(0, 4) },
    { title: '64 KiB of binary data: the header alone (64-bit length form)', role: 'client', bytes: encodeFrame({ opcode: OPCODES.BINARY, payload: new Uint8Array(65536) }).subarray(0, 10) },
  ]);
}

function rfcFrames(): string {
  const rows = ['| frame | bytes on the wire |', '|---|---|'];
  for (const f of rfcExampleFrames()) rows.push(`| ${f.title} | \`${hex(f.bytes)}\` |`);
  return rows.join('\n');
}

/** The masked "Hello" taken apart by the real decoder, field by field. */
function decodedMaskedHello(): string {
  const bytes = encodeFrame({ opcode: OPCODES.TEXT, payload: text.encode('Hello'), mask: RFC_MASK });
  const [frame] = new FrameDecoder({ role: 'server', maxPayloadBytes: 1024, inspect: true }).push(bytes);
  if (!frame) throw new Error('the decoder returned no frame');
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const bits = (n: number) => n.toString(2).padStart(8, '0');
  return [
    '```text',
    `byte 0  ${hex(bytes.subarray(0, 1))} = ${bits(b0)}`,
    `        FIN=${frame.fin ? 1 : 0}  RSV1=${+frame.rsv1} RSV2=${+frame.rsv2} RSV3=${+frame.rsv3}  opcode=${frame.opcode.toString(2).padStart(4, '0')} (${opcodeName(frame.opcode)})`,
    `byte 1  ${hex(bytes.subarray(1, 2))} = ${bits(b1)}`,
    `        MASK=${+frame.masked}  length=${(b1 & 0x7f).toString(2).padStart(7, '0')} (${frame.payloadLength}, ${frame.lengthForm}-bit form)`,
    `mask    ${hex(frame.maskKey!)}`,
    `wire    ${hex(frame.wirePayload!)}   (masked payload)`,
    `payload ${hex(frame.payload)}   (after XOR with the mask) = "${new TextDecoder().decode(frame.payload)}"`,
    '```',
  ].join('\n');
}

// --- errors and close codes ---------------------------------------------------------------

function wsErrorTable(kind: 'frames' | 'handshake'): string {
  const rows = kind === 'frames' ? ['| code | close code | message |', '|---|---|---|'] : ['| code | HTTP status | message |', '|---|---|---|'];
  for (const [code, entry] of Object.entries(WS_ERRORS)) {
    const isHandshake = entry.closeCode < 1000;
    if ((kind === 'handshake') !== isHandshake) continue;
    rows.push(`| \`${code}\` | ${entry.closeCode} | ${entry.message} |`);
  }
  return rows.join('\n');
}

function closeCodeTable(): string {
  const rows = ['| code | name | may be sent in a close frame |', '|---|---|---|'];
  for (const [name, code] of Object.entries(CLOSE_CODES)) {
    rows.push(`| ${code} | \`${name}\` | ${isValidCloseCode(code) ? 'yes' : '**no**'} |`);
  }
  const ranges: Array<[string, number]> = [['0–999', 999], ['1016–2999', 2000], ['3000–3999', 3000], ['4000–4999', 4000], ['5000 and up', 5000]];
  for (const [range, sample] of ranges) rows.push(`| ${range} | (range) | ${isValidCloseCode(sample) ? 'yes' : '**no**'} |`);
  return rows.join('\n');
}

// When each HTTP error is raised, one line per error class of apps/server/src/errors.ts (several
// classes may share a code: RATE_LIMITED has three). A class without a line fails the docs check.
const HTTP_WHEN: Record<string, string> = {
  InvalidBody:
    'malformed JSON, invalid UTF-8, a `__proto__` or `constructor.prototype` key, wrong types, missing fields, unknown `via` (HTTP bodies and WebSocket chat frames alike)',
  InvalidText: 'empty or white-space-only text',
  InvalidCursor: '`after`, `timeout` or `epoch` malformed, out of range or given twice (polls, streams, WebSocket URLs)',
  InvalidQuery:
    'any other query parameter wrong: a repeated `clientId` on a poll or stream; on a WebSocket URL, `clientId` or `clientSecret` repeated or not 1–200 characters',
  InvalidRequest:
    'a request-target that is not a path (an upgrade not in origin-form, a path the router cannot decode), malformed HTTP (the parser\'s `HPE_…` code in the message), HTTP/1.1 without `Host`',
  HostNotAllowed:
    'a `Host` that is not an IP address, `localhost`, a `*.localhost` name, this machine\'s name (or `<name>.local`) or a name in `ALLOWED_HOSTS` (HTTP and WebSocket handshakes, checked before `Origin`)',
  OriginNotAllowed: 'a foreign `Origin` (HTTP requests and WebSocket handshakes)',
  UnknownClient: 'a `clientId` the room does not know',
  NotFound: 'no such route',
  RequestTimeout: 'the request\'s head and body not complete within `REQUEST_TIMEOUT_MS` (a held poll or an open stream is never cut)',
  TextTooLong: 'text over `MAX_TEXT_LENGTH` code points',
  BodyTooLarge: 'request body over `MAX_BODY_BYTES`',
  RateLimited: 'over `SEND_RATE_LIMIT` sends of one client, or `SEND_RATE_LIMIT_PER_ADDRESS` sends from one address, in the window',
  JoinRateLimited: 'over `JOIN_RATE_LIMIT` new identities (joins, WebSockets without a known `clientId`) from one address in a minute',
  TooManyConnections: 'over `MAX_CONNECTIONS_PER_ADDRESS` open connections from one address: answered as the connection opens, then closed',
  HeadersTooLarge: `request headers over Node's \`maxHeaderSize\` (${maxHeaderSize} bytes)`,
  TeacherOnly:
    'no `Authorization: Bearer <teacher key>`, or a wrong key, on a teacher-only request (`GET /api/clients`, remove, lock, assign); debug and inspect on a client with neither the key nor a `clientSecret`',
  NotYourClient:
    'a send without the `clientSecret` of its `clientId`, or with another; a wrong secret on debug, inspect or `POST /api/class/me` (a WebSocket gets a new identity instead)',
  ClientRemoved:
    'the teacher removed this client: its own id and secret on a send, a WebSocket handshake, debug, inspect or `POST /api/class/me`; its `clientId=` on a poll or stream',
  RoomLocked:
    'the teacher locked the room: a join without the teacher key, a WebSocket without a valid `clientId` and `clientSecret` (its handshake refused with `423`)',
};

// Answers written outside the error classes; each row is checked against the file that writes it.
const OTHER_ERRORS: Array<{ status: number; code: string; file: string; when: string }> = [
  { status: 426, code: 'UPGRADE_REQUIRED', file: 'apps/server/src/routes/upgrade-required.ts', when: 'a plain `GET` on a WebSocket path (with `Upgrade: websocket` and `Sec-WebSocket-Version: 13`)' },
  { status: 503, code: 'SHUTTING_DOWN', file: 'apps/server/src/http/upgrade.ts', when: 'a WebSocket upgrade while the server shuts down' },
];

export function httpErrorRows(): Array<{ name: string; code: string; status: number }> {
  const rows: Array<{ name: string; code: string; status: number }> = [];
  for (const [name, value] of Object.entries(httpErrors)) {
    if (typeof value !== 'function' || name === 'toWireError') continue;
    const err = new (value as new (...args: unknown[]) => { code: string; statusCode: number })('x', 'y');
    rows.push({ name, code: err.code, status: err.statusCode });
  }
  return rows.sort((a, b) => a.status - b.status || a.code.localeCompare(b.code) || a.name.localeCompare(b.name));
}

function httpErrorTable(root: string): string {
  const entries: Array<{ status: number; code: string; raisedAs: string; when: string }> = [];
  for (const r of httpErrorRows()) {
    const when = HTTP_WHEN[r.name];
    if (!when) throw new Error(`HTTP error ${r.name} (${r.code}) has no description in docs/scripts/generators.ts (HTTP_WHEN)`);
    entries.push({ status: r.status, code: r.code, raisedAs: `\`${r.name}\``, when });
  }
  for (const o of OTHER_ERRORS) {
    if (!readFileSync(join(root, o.file), 'utf8').includes(`'${o.code}'`)) throw new Error(`${o.file} no longer answers ${o.code}`);
    entries.push({ status: o.status, code: o.code, raisedAs: `(written in \`${o.file.replace('apps/server/src/', '')}\`)`, when: o.when });
  }
  entries.sort((a, b) => a.status - b.status || a.code.localeCompare(b.code));
  const rows = ['| status | code | raised as (apps/server/src/errors.ts) | when |', '|---|---|---|---|'];
  for (const e of entries) rows.push(`| ${e.status} | \`${e.code}\` | ${e.raisedAs} | ${e.when} |`);
  rows.push('| 500 | `INTERNAL` | (anything else, from `toWireError`) | a bug; the message never carries details |');
  // ERROR_CODES (packages/transports/src/contract.ts) may name codes of features this server does not have yet.
  const notRaised = ERROR_CODES.filter((c) => !entries.some((e) => e.code === c));
  if (notRaised.length) {
    rows.push('', `The contract also names ${notRaised.map((c) => `\`${c}\``).join(', ')}; this server does not raise ${notRaised.length === 1 ? 'it' : 'them'} yet.`);
  }
  return rows.join('\n');
}

// --- the connection state machine ----------------------------------------------------------

function stateDiagram(): string {
  const lines = ['```mermaid', 'stateDiagram-v2', '    [*] --> OPEN: handshake done'];
  const seen = new Set<string>();
  for (const t of TRANSITIONS) {
    // Self-loops that only ignore input would clutter the drawing; the table lists them.
    if (t.from === t.to && t.action === 'ignore') continue;
    const key = `${t.from} ${t.to}`;
    const label = TRANSITIONS.filter((u) => u.from === t.from && u.to === t.to && u.action !== 'ignore').map((u) => u.event).join(', ');
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`    ${t.from} --> ${t.to}: ${label}`);
  }
  lines.push('    CLOSED --> [*]', '```');
  return lines.join('\n');
}

function stateTable(): string {
  const rows = ['| state | event | next state | what the connection does |', '|---|---|---|---|'];
  for (const t of TRANSITIONS) rows.push(`| ${t.from} | ${t.event} | ${t.to} | ${t.action} |`);
  return rows.join('\n');
}

// --- the browser client's lifecycle ---------------------------------------------------------

/** The client's states and the events between them, from CLIENT_TRANSITIONS (rows that ignore the event are left out). */
function clientDiagram(): string {
  const lines = ['```mermaid', 'stateDiagram-v2', '    [*] --> idle'];
  const edges = new Map<string, string[]>();
  for (const t of CLIENT_TRANSITIONS) {
    if (t.action === 'ignore') continue;
    const key = `${t.from} --> ${t.to}`;
    edges.set(key, [...(edges.get(key) ?? []), t.event]);
  }
  for (const [key, events] of edges) lines.push(`    ${key}: ${events.join(', ')}`);
  // Two states show as one status to an app.
  for (const [state, status] of Object.entries(CLIENT_STATE_STATUS)) {
    if (state !== status) lines.push(`    note right of ${state}: status ${status}`);
  }
  lines.push('    removed --> [*]', '    closed --> [*]', '```');
  return lines.join('\n');
}

// --- configuration ---------------------------------------------------------------------------

/** 4194304 → "4 MiB", for the byte-sized defaults. */
function binarySize(bytes: number): string | null {
  for (const [unit, size] of [['MiB', 1024 * 1024], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return null;
}

function configTable(root: string): string {
  const d = defaultConfig;
  const env: Array<[string, keyof typeof d, unknown, string]> = [
    ['HOST', 'host', d.host, 'listen address (`0.0.0.0` for a classroom)'],
    ['PORT', 'port', d.port, '`0` picks a free port'],
    ['LONG_POLL_TIMEOUT_MS', 'longPollTimeoutMs', d.longPollTimeoutMs, `long-poll hold, at most ${DEFAULTS.longPollMaxTimeoutMs}`],
    ['HISTORY_LIMIT', 'historyLimit', d.historyLimit, 'messages a newcomer gets'],
    ['RETAIN_LIMIT', 'retainLimit', d.retainLimit, 'messages kept for resume (at least `HISTORY_LIMIT`)'],
    ['MAX_TEXT_LENGTH', 'maxTextLength', d.maxTextLength, 'code points of chat text'],
    ['MAX_BODY_BYTES', 'maxBodyBytes', d.maxBodyBytes, 'HTTP request body'],
    ['WS_CHAT_MAX_BYTES', 'wsChatMaxBytes', d.wsChatMaxBytes, 'a chat WebSocket message'],
    ['WS_MAX_MESSAGE_BYTES', 'wsMaxMessageBytes', d.wsMaxMessageBytes, 'an echo WebSocket message'],
    ['SEND_RATE_LIMIT', 'sendRateLimit', `${d.sendRateLimit} per ${d.sendRateWindowMs} ms`, 'sends of one client'],
    ['SEND_RATE_LIMIT_PER_ADDRESS', 'sendRateLimitPerAddress', `${d.sendRateLimitPerAddress} per ${d.sendRateWindowMs} ms`, 'sends from one address, all its clients together'],
    ['JOIN_RATE_LIMIT', 'joinRateLimit', `${d.joinRateLimit} per 60 s`, 'new identities from one address'],
    ['MAX_CLIENTS', 'maxClients', d.maxClients, 'identities remembered'],
    ['TEACHER_KEY', 'teacherKey', d.teacherKey || '(random for each run, printed in the teacher URL)', `the teacher key: at least ${MIN_TEACHER_KEY_LENGTH} characters, no spaces`],
    ['MAX_BUFFERED_BYTES', 'maxBufferedBytes', d.maxBufferedBytes, 'bytes one peer may owe before it is dropped'],
    ['DRAIN_TIMEOUT_MS', 'drainTimeoutMs', d.drainTimeoutMs, 'written bytes must drain within this'],
    ['REQUEST_TIMEOUT_MS', 'requestTimeoutMs', d.requestTimeoutMs, 'a request\'s head and body must arrive within this'],
    ['MAX_CONNECTIONS_PER_ADDRESS', 'maxConnectionsPerAddress', d.maxConnectionsPerAddress, 'open TCP connections from one address'],
    ['ALLOWED_ORIGINS', 'allowedOrigins', d.allowedOrigins.length ? d.allowedOrigins.join(',') : '(only the server\'s own)', 'comma list, `*` for any'],
    ['ALLOWED_HOSTS', 'allowedHosts', d.allowedHosts.length ? d.allowedHosts.join(',') : '(IP addresses, localhost, this machine\'s name)', 'comma list of extra `Host` names, `*` for any'],
  ];
  // Every variable configFromEnv reads has a row.
  const source = readFileSync(join(root, 'apps/server/src/config.ts'), 'utf8');
  const read = new Set([...source.matchAll(/\benv(?:\.|, ')([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!));
  const missing = [...read].filter((name) => !env.some(([listed]) => listed === name));
  if (missing.length) throw new Error(`config.ts reads ${missing.join(', ')}: add a row to configTable in docs/scripts/generators.ts`);

  const rows = ['| variable | `AppConfig` field | default | what |', '|---|---|---|---|'];
  for (const [name, field, value, what] of env) {
    const size = typeof value === 'number' && /Bytes$/.test(field) ? binarySize(value) : null;
    const shown = typeof value === 'string' ? value : `\`${String(value)}\`${size ? ` (${size})` : ''}`;
    rows.push(`| \`${name}\` | \`${field}\` | ${shown} | ${what} |`);
  }
  rows.push(`| (none) | \`maxAnswerBytes\` | \`${d.maxAnswerBytes}\` (${binarySize(d.maxAnswerBytes)}) | a poll answer stops adding messages past this |`);
  rows.push(`| (none) | page size of a poll answer | \`${DEFAULTS.pageSize}\` | messages in one poll answer |`);
  rows.push(`| (none) | \`heartbeatMs\` | \`${d.heartbeatMs}\` | WebSocket ping interval |`);
  rows.push(`| (none) | \`sseHeartbeatMs\` | \`${d.sseHeartbeatMs}\` | SSE comment interval |`);
  return rows.join('\n');
}

// --- transcripts from the real server ----------------------------------------------------------

async function withServer<T>(run: (port: number, app: Awaited<ReturnType<typeof startApp>>) => Promise<T>): Promise<T> {
  const app = await startApp();
  try {
    return await run((app.server.address() as AddressInfo).port, app);
  } finally {
    await app.close();
  }
}

async function startApp() {
  const { buildApp } = await import('../../apps/server/src/app.ts');
  const app = buildApp({ logger: false, longPollTimeoutMs: 30_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

/** Opens a TCP connection, writes each step's bytes and waits for the bytes that step expects back. */
async function tcpSession(port: number, steps: Array<{ send: Uint8Array; expect: number }>): Promise<Uint8Array[]> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = Buffer.alloc(0);
  let waiter: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    waiter?.();
  });
  const answers: Uint8Array[] = [];
  try {
    for (const step of steps) {
      socket.write(step.send);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`transcript: waited 5 s for ${step.expect} bytes, got ${buffer.length}`)), 5_000);
        const check = () => {
          if (buffer.length >= step.expect) {
            clearTimeout(timer);
            waiter = null;
            resolve();
          }
        };
        waiter = check;
        check();
      });
      answers.push(new Uint8Array(buffer.subarray(0, step.expect)));
      buffer = buffer.subarray(step.expect);
    }
  } finally {
    socket.destroy();
  }
  return answers;
}

function printable(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes).replace(/\r\n/g, '\n').trimEnd();
}

async function wsEchoTranscript(): Promise<string> {
  return withServer(async (port) => {
    const request = text.encode(
      [
        'GET /ws/raw/echo HTTP/1.1',
        'Host: 127.0.0.1:3000',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n'),
    );
    const expectedHead = text.encode(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
    );
    const hello = encodeFrame({ opcode: OPCODES.TEXT, payload: text.encode('Hello'), mask: RFC_MASK });
    const close = encodeFrame({ opcode: OPCODES.CLOSE, payload: encodeClose(1000, 'bye'), mask: new Uint8Array([1, 2, 3, 4]) });
    const [head, echo, closeBack] = await tcpSession(port, [
      { send: request, expect: expectedHead.length },
      { send: hello, expect: 7 },
      { send: close, expect: 4 },
    ]);
    const decoder = new FrameDecoder({ role: 'client', maxPayloadBytes: 1024 });
    const [echoFrame] = decoder.push(echo!);
    const [closeFrame] = decoder.push(closeBack!);
    const code = closeFrame ? (closeFrame.payload[0]! << 8) | closeFrame.payload[1]! : NaN;
    return [
      'The client (the generator, over a plain TCP socket) sends:',
      '',
      '```http',
      printable(request),
      '```',
      '',
      '`/ws/raw/echo` answers:',
      '',
      '```http',
      printable(head!),
      '```',
      '',
      '| direction | bytes | decoded |',
      '|---|---|---|',
      `| client → server | \`${hex(hello)}\` | masked text "Hello", mask \`37 fa 21 3d\` |`,
      `| server → client | \`${hex(echo!)}\` | unmasked ${opcodeName(echoFrame!.opcode).toLowerCase()} "${new TextDecoder().decode(echoFrame!.payload)}" |`,
      `| client → server | \`${hex(close)}\` | masked close, code 1000, reason "bye" |`,
      `| server → client | \`${hex(closeBack!)}\` | unmasked close, code ${code}; then the server ends the TCP connection |`,
    ].join('\n');
  });
}

/** Per-run values seen so far, each with the placeholder it is shown as. */
interface Placeholders {
  ids: Map<string, string>;
  secrets: Map<string, string>;
}

const placeholder = (seen: Map<string, string>, value: string, prefix: string): string => {
  if (!seen.has(value)) seen.set(value, `${prefix}-${seen.size + 1}`);
  return seen.get(value)!;
};

/**
 * Replaces per-run values (ids, secrets, the epoch, clocks) in JSON so the transcript is the
 * same on every run; a secret is never printed, not even one that only lived for this run.
 */
function normalise(value: unknown, seen: Placeholders): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v, seen));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'serverTime' && typeof v === 'number') out[k] = 1_700_000_000_000 + Number(out.seq ?? 0);
      else if (k === 'epoch' && typeof v === 'string') out[k] = 'epoch-of-this-run';
      else if (k === 'clientId' && typeof v === 'string') out[k] = placeholder(seen.ids, v, 'client');
      else if (k === 'clientSecret' && typeof v === 'string') out[k] = placeholder(seen.secrets, v, 'secret-of-client');
      else out[k] = normalise(v, seen);
    }
    return out;
  }
  if (typeof value === 'string') {
    // An error message may name a client.
    let text = value;
    for (const map of [seen.ids, seen.secrets]) for (const [real, shown] of map) text = text.replaceAll(real, shown);
    return text;
  }
  return value;
}

async function roomTranscript(): Promise<string> {
  return withServer(async (_port, app) => {
    const seen: Placeholders = { ids: new Map(), secrets: new Map() };
    const parts: string[] = [];
    const step = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
      const res = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
      const body = JSON.parse(res.body) as unknown;
      parts.push(`${method} ${url}${payload === undefined ? '' : `\n${JSON.stringify(normalise(payload, seen))}`}\n\n→ ${res.statusCode}\n${JSON.stringify(normalise(body, seen), null, 1).replace(/\n\s*/g, ' ')}`);
      return body as { clientId: string; clientSecret: string };
    };
    const { clientId, clientSecret } = await step('POST', '/api/join', { name: 'ana' });
    await step('POST', '/api/messages', { clientId, clientSecret, text: 'hello', clientMsgId: 'k1', via: 'short-poll' });
    await step('POST', '/api/messages', { clientId, clientSecret, text: 'hello again?', clientMsgId: 'k1', via: 'short-poll' });
    await step('POST', '/api/messages', { clientId, clientSecret, text: 'second', clientMsgId: 'k2', via: 'long-poll' });
    await step('GET', '/api/poll?after=1');
    await step('GET', '/api/longpoll?after=2&timeout=0');
    await step('GET', '/api/poll?after=99');
    await step('GET', '/api/poll?after=1&epoch=an-earlier-room');
    await step('POST', '/api/messages', { clientId, clientSecret, text: '   ' });
    await step('POST', '/api/messages', { clientId, text: 'ana? no, mallory', clientMsgId: 'k3' });
    await step('GET', '/api/poll?after=-1');
    const text = ['```text', parts.join('\n\n'), '```'].join('\n');
    for (const secret of seen.secrets.keys()) if (text.includes(secret)) throw new Error('the room transcript would print a clientSecret');
    return text;
  });
}

// --- what `pnpm start` prints, and where students can reach the server ---------------------------

/** A teacher's laptop, described: Wi-Fi, a VPN, a container bridge and loopback. */
const EXAMPLE_MACHINE: Interfaces = {
  lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: '127.0.0.1/8' }],
  wlan0: [{ address: '192.168.1.20', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '02:00:00:00:00:01', cidr: '192.168.1.20/24' }],
  tun0: [{ address: '10.8.0.5', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: '10.8.0.5/24' }],
  docker0: [{ address: '172.17.0.1', family: 'IPv4', internal: false, netmask: '255.255.0.0', mac: '02:00:00:00:00:02', cidr: '172.17.0.1/16' }],
};
/** Shown in place of the key each start draws. */
const EXAMPLE_KEY = 'k3Y9pQ2vX7mN4tR8wB1cD6fH';

function startupTranscript(): string {
  const run = (command: string, host: string) => {
    const lines = startupLines(joinUrls({ host, port: 3000 }, EXAMPLE_MACHINE), { loopbackOnly: isLoopback(host), teacherKey: EXAMPLE_KEY });
    return ['```text', `$ ${command}`, ...lines, '```'].join('\n');
  };
  return [run('pnpm start', '127.0.0.1'), '', run('HOST=0.0.0.0 pnpm start', '0.0.0.0')].join('\n');
}

function infoJoinUrls(): string {
  const field = ([k, v]: [string, unknown]): string => `${JSON.stringify(k)}: ${JSON.stringify(v)}`;
  const urls = joinUrls({ host: '0.0.0.0', port: 3000 }, EXAMPLE_MACHINE).map((u) => `  { ${Object.entries(u).map(field).join(', ')} }`);
  return ['```json', '{ "joinUrls": [', urls.join(',\n'), '] }', '```'].join('\n');
}

// --- measured figures --------------------------------------------------------------------------

interface Measured {
  measuredAt: string;
  machine: string;
  scenario: string;
  transports: Record<string, { requests: number; bytes: number; delivered: number; idleRequests: number; idleBytes: number; latencyMedianMs: number }>;
}

function measuredTable(root: string): string {
  const data = JSON.parse(readFileSync(join(root, 'docs/data/measured.json'), 'utf8')) as Measured;
  const rows = [
    `Measured ${data.measuredAt.slice(0, 10)} on ${data.machine} by \`docs/scripts/measure.ts\`. ${data.scenario}`,
    '',
    '| transport | HTTP requests / message | bytes on the wire / message | idle: requests per minute | idle: bytes per minute | median latency (ms) |',
    '|---|---|---|---|---|---|',
  ];
  for (const [id, t] of Object.entries(data.transports)) {
    const per = (n: number) => (t.delivered ? (n / t.delivered).toFixed(2) : '–');
    rows.push(`| \`${id}\` | ${per(t.requests)} | ${t.delivered ? Math.round(t.bytes / t.delivered) : '–'} | ${t.idleRequests} | ${t.idleBytes} | ${t.latencyMedianMs.toFixed(1)} |`);
  }
  return rows.join('\n');
}

export const GENERATORS: Record<string, Generator> = {
  'handshake-steps': handshakeSteps,
  'ws-echo-transcript': wsEchoTranscript,
  'rfc-frames': rfcFrames,
  'decoded-masked-hello': decodedMaskedHello,
  'ws-errors': () => wsErrorTable('frames'),
  'ws-handshake-errors': () => wsErrorTable('handshake'),
  'close-codes': closeCodeTable,
  'http-errors': httpErrorTable,
  'state-diagram': stateDiagram,
  'client-diagram': clientDiagram,
  'state-table': stateTable,
  'config-table': configTable,
  'room-transcript': roomTranscript,
  'startup-lines': startupTranscript,
  'info-join-urls': infoJoinUrls,
  'measured-costs': measuredTable,
  // docs/data/bench-snapshot.json, distilled from a pnpm bench report by bench-snapshot.ts
  'bench-targets': (root) => renderTargets(readSnapshot(root)),
  'bench-headlines': (root) => renderHeadlines(readSnapshot(root)),
  'bench-summary': (root) => renderSummary(readSnapshot(root)),
};
