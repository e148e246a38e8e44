// The sender: one client that sends numbered bench messages, on the transport's own way in
// (a WebSocket stack's chat socket, or POST /api/messages with the transport as its via).
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { TRANSPORTS, type TransportId } from '@wirebench/transports/contract';
import { benchText, type Command, type SendResult } from '../protocol.ts';
import { now, sleep } from './clock.ts';
import { postJson, wsBase } from './http.ts';

type SendCommand = Extract<Command, { cmd: 'send' }>;

/** A connected sender: sends message k stamped `at`, resolves when the server took it. */
interface SendLink {
  send: (k: number, at: number) => Promise<void>;
  close: () => void;
}

/** Reports a message the server refused. */
type Refused = (detail: string) => void;

const webSocketSender =
  (path: string) =>
  async (c: SendCommand, refused: Refused): Promise<SendLink> => {
    const ws = new WebSocket(`${wsBase(c.base)}${path}?after=999999999`, { perMessageDeflate: false });
    const waiting = new Map<string, () => void>();
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data: Buffer) => {
        const s = data.toString();
        if (s.startsWith('{"type":"welcome"')) resolve();
        else if (s.includes('"type":"ack"') || s.includes('"type":"error"')) {
          const m = /"clientMsgId":"([^"]+)"/.exec(s);
          if (s.includes('"type":"error"')) refused(s);
          const done = m ? waiting.get(m[1]!) : undefined;
          if (m && done) {
            waiting.delete(m[1]!);
            done();
          }
        }
      });
    });
    return {
      send: (k, at) =>
        new Promise<void>((resolve) => {
          const id = `${c.tag}-${k}`;
          waiting.set(id, resolve);
          ws.send(JSON.stringify({ type: 'send', text: benchText(c.tag, k, at, c.padTo), clientMsgId: id }));
        }),
      close: () => ws.terminate(),
    };
  };

async function httpSender(c: SendCommand, refused: Refused): Promise<SendLink> {
  const joined = await postJson(`${c.base}/api/join`, { name: 'bench-sender' });
  // clientSecret: CONTRACT v2; a server without secrets gives none and needs none.
  const { clientId, clientSecret } = JSON.parse(joined.body) as { clientId: string; clientSecret?: string };
  return {
    send: async (k, at) => {
      const res = await postJson(`${c.base}/api/messages`, {
        clientId,
        clientSecret,
        text: benchText(c.tag, k, at, c.padTo),
        clientMsgId: `${c.tag}-${k}`,
        via: c.transport,
      });
      if (res.status !== 201) refused(`${res.status} ${res.body}`);
    },
    close: () => {},
  };
}

export const SENDERS: Record<TransportId, (c: SendCommand, refused: Refused) => Promise<SendLink>> = {
  'ws-raw': webSocketSender(TRANSPORTS['ws-raw'].path),
  'ws-lib': webSocketSender(TRANSPORTS['ws-lib'].path),
  'short-poll': httpSender,
  'long-poll': httpSender,
  sse: httpSender,
};

export async function runSend(c: SendCommand): Promise<SendResult> {
  let sent = 0;
  let errors = 0;
  let firstError: string | null = null;
  let firstSentAt = NaN;
  let lastSentAt = NaN;
  const link = await SENDERS[c.transport](c, (detail) => {
    errors++;
    firstError ??= detail;
  });
  const sendOne = (k: number): Promise<void> => {
    const at = now();
    if (Number.isNaN(firstSentAt)) firstSentAt = at;
    lastSentAt = at;
    return link.send(k, at);
  };

  try {
    if (c.spacingMs > 0) {
      const t0 = performance.now();
      const inFlight: Promise<void>[] = [];
      for (let k = 0; k < c.count; k++) {
        const due = t0 + k * c.spacingMs;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        inFlight.push(sendOne(k).then(() => void sent++));
      }
      await Promise.all(inFlight);
    } else {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < c.count) {
          const k = next++;
          await sendOne(k);
          sent++;
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, c.window) }, lane));
    }
  } finally {
    link.close();
  }
  return { sent, firstSentAt, lastSentAt, errors, firstError };
}
