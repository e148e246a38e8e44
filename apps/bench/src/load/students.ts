// The dashboard's class variant: simulated students, each one identity in the room that receives
// on its transport and sends as the student page's client does: a WebSocket student sends and
// receives on one chat socket, an HTTP student joins, receives with the transport's receiver and
// sends with POST /api/messages (its transport as `via`).
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { TRANSPORTS, type TransportId } from '@wirebench/transports/contract';
import { benchText, type Command, type StudentsDriveResult, type StudentsOpenResult } from '../protocol.ts';
import { now, sleep } from './clock.ts';
import { countError, scan } from './deliveries.ts';
import { getText, lastSeqOf, postJson, wsBase } from './http.ts';
import { isClosing, startOpening, track } from './receiver.ts';
import { RECEIVERS } from './receivers.ts';

/** Sends one text; resolves when the server took it, rejects with what it said otherwise. */
type Send = (text: string, clientMsgId: string) => Promise<void>;

interface Student {
  name: string;
  send: Send;
}

let students: Student[] = [];

function webSocketStudent(path: string, base: string, after: number, name: string): Promise<Student> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase(base)}${path}?after=${after}`, { perMessageDeflate: false });
    const waiting = new Map<string, { done: () => void; failed: (e: Error) => void }>();
    ws.on('message', (data: Buffer) => {
      const s = data.toString();
      if (s.startsWith('{"type":"welcome"')) {
        track({ close: () => ws.terminate() });
        resolve({ name, send });
        return;
      }
      if (s.startsWith('{"type":"message"')) {
        scan(s);
        return;
      }
      const id = /"clientMsgId":"([^"]+)"/.exec(s)?.[1];
      const w = id ? waiting.get(id) : undefined;
      if (!w) return;
      waiting.delete(id!);
      if (s.includes('"type":"ack"')) w.done();
      else w.failed(new Error(s));
    });
    ws.once('error', (err) => {
      countError();
      reject(err);
    });
    ws.once('close', () => {
      for (const w of waiting.values()) w.failed(new Error('socket closed before the ack'));
      waiting.clear();
    });
    const send: Send = (text, clientMsgId) =>
      new Promise((done, failed) => {
        if (ws.readyState !== WebSocket.OPEN) return failed(new Error('socket closed'));
        waiting.set(clientMsgId, { done, failed });
        ws.send(JSON.stringify({ type: 'send', text, clientMsgId, name }));
      });
  });
}

async function httpStudent(transport: TransportId, base: string, after: number, name: string): Promise<Student> {
  const joined = await postJson(`${base}/api/join`, { name, via: transport });
  if (joined.status !== 201) throw new Error(`join ${joined.status} ${joined.body}`);
  const { clientId, clientSecret } = JSON.parse(joined.body) as { clientId: string; clientSecret: string };
  // The browser client's defaults: a poll a second, a long poll held up to 30 s.
  await RECEIVERS[transport]({ base, after, pollIntervalMs: 1_000, longPollTimeoutMs: 30_000 });
  return {
    name,
    send: async (text, clientMsgId) => {
      const res = await postJson(`${base}/api/messages`, { clientId, clientSecret, text, clientMsgId, name, via: transport });
      if (res.status !== 201) throw new Error(`${res.status} ${res.body}`);
    },
  };
}

/** Opens one student per entry of `transports`, `concurrency` at a time, receiving from the room's current seq on. */
export async function openStudents(c: Extract<Command, { cmd: 'students-open' }>): Promise<StudentsOpenResult> {
  startOpening();
  const after = lastSeqOf((await getText(`${c.base}${TRANSPORTS['short-poll'].path}?after=0`)).body, 0);
  let opened = 0;
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const numbered = students.length;
  const lane = async (): Promise<void> => {
    while (next < c.transports.length) {
      const i = next++;
      const t = c.transports[i]!;
      const name = `student-${String(numbered + i + 1).padStart(2, '0')}`;
      try {
        const s = t === 'ws-raw' || t === 'ws-lib' ? await webSocketStudent(TRANSPORTS[t].path, c.base, after, name) : await httpStudent(t, c.base, after, name);
        students.push(s);
        opened++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(c.concurrency, c.transports.length)) }, lane));
  return { opened, failed, firstError };
}

/** Every student sends one message each `everyMs` for `durationMs`, student i offset by i/n of the period. */
export async function driveStudents(c: Extract<Command, { cmd: 'students-drive' }>): Promise<StudentsDriveResult> {
  let sent = 0;
  let errors = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const n = students.length;
  await Promise.all(
    students.map(async (s, i) => {
      const inFlight: Promise<void>[] = [];
      for (let k = 0; ; k++) {
        const due = (i / n) * c.everyMs + k * c.everyMs;
        if (due >= c.durationMs || isClosing()) break;
        const wait = t0 + due - performance.now();
        if (wait > 0) await sleep(wait);
        const id = `${c.tag}-${i}-${k}`;
        inFlight.push(
          s.send(benchText(c.tag, i * 1_000 + k, now()), id).then(
            () => void sent++,
            (err: Error) => {
              errors++;
              firstError ??= err.message;
            },
          ),
        );
      }
      await Promise.all(inFlight);
    }),
  );
  return { sent, errors, firstError };
}

export function closeStudents(): void {
  // Their sockets, polls and streams are tracked with the receivers and closed with them.
  students = [];
}
