// Transcripts of a real server run: a WebSocket echo over a plain TCP socket (chapter 2) and a
// walk through the room's HTTP API (chapter 7). Ids, secrets, the epoch and clocks are replaced
// by placeholders, so every run prints the same.
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { FrameDecoder, OPCODES, encodeClose, encodeFrame, opcodeName } from '../../../packages/transports/src/ws/index.ts';
import type { Localised } from '../languages.ts';
import { hex, localised } from './text.ts';
import { RFC_MASK } from './websocket.ts';

const text = new TextEncoder();

async function withServer<T>(run: (port: number, app: Awaited<ReturnType<typeof startApp>>) => Promise<T>): Promise<T> {
  const app = await startApp();
  try {
    return await run((app.server.address() as AddressInfo).port, app);
  } finally {
    await app.close();
  }
}

async function startApp() {
  const { buildApp } = await import('../../../apps/server/src/app.ts');
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

export async function wsEchoTranscript(): Promise<Localised> {
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
    const echoed = `${opcodeName(echoFrame!.opcode).toLowerCase()} "${new TextDecoder().decode(echoFrame!.payload)}"`;
    const words = {
      en: {
        sends: 'The client (the generator, over a plain TCP socket) sends:',
        answers: '`/ws/raw/echo` answers:',
        head: '| direction | bytes | decoded |',
        up: 'client → server',
        down: 'server → client',
        hello: 'masked text "Hello", mask `37 fa 21 3d`',
        echo: `unmasked ${echoed}`,
        close: 'masked close, code 1000, reason "bye"',
        closeBack: `unmasked close, code ${code}; then the server ends the TCP connection`,
      },
      'zh-CN': {
        sends: '客户端（这里是生成文档的脚本，用一个普通的 TCP socket）发送：',
        answers: '`/ws/raw/echo` 的回答：',
        head: '| 方向 | 字节 | 解码结果 |',
        up: '客户端 → 服务器',
        down: '服务器 → 客户端',
        hello: '加了掩码的文本 "Hello"，掩码 `37 fa 21 3d`',
        echo: `不加掩码的 ${echoed}`,
        close: '加了掩码的 close，关闭码 1000，原因 "bye"',
        closeBack: `不加掩码的 close，关闭码 ${code}；随后服务器结束 TCP 连接`,
      },
    };
    return localised((l) => {
      const w = words[l];
      return [
        w.sends,
        '',
        '```http',
        printable(request),
        '```',
        '',
        w.answers,
        '',
        '```http',
        printable(head!),
        '```',
        '',
        w.head,
        '|---|---|---|',
        `| ${w.up} | \`${hex(hello)}\` | ${w.hello} |`,
        `| ${w.down} | \`${hex(echo!)}\` | ${w.echo} |`,
        `| ${w.up} | \`${hex(close)}\` | ${w.close} |`,
        `| ${w.down} | \`${hex(closeBack!)}\` | ${w.closeBack} |`,
      ].join('\n');
    });
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

/** HTTP requests and JSON answers: the same in both languages. */
export async function roomTranscript(): Promise<string> {
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

