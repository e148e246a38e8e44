// The lesson runner (the teacher's side) and follower (a student's side) with fakes: a real
// Workbench over scripted clients, a fake server for the lesson endpoints. Set-ups are applied
// through the workbench and leave nothing behind when stepping back; the measured truth is read
// from the dashboard's own figures.
import { describe, expect, it } from 'vitest';
import type { AssignmentMode, InspectFrame, LessonInfo, LessonSignal, LessonStepInfo, LessonView, TransportId } from '@wirebench/transports/contract';
import type { ChartId } from '@wirebench/transports/lessons/catalog';
import { syncSchedule } from '../src/lib/store.ts';
import { figureValue, measuredTruth, requestsPerMinute } from '../src/model/lesson-figures.ts';
import { LessonFollower, onLessonSignal } from '../src/model/lesson-follower.ts';
import { LessonRunner, setupAt } from '../src/model/lesson-runner.ts';
import { Workbench } from '../src/model/workbench.ts';
import { delivered, FakeClient, message } from './fake-client.ts';

const lanesQuestion: NonNullable<LessonStepInfo['question']> = {
  id: 'most-requests',
  kind: 'choice',
  prompt: 'Which lane asks most?',
  choices: [
    { id: 'short-poll', text: 'Short polling' },
    { id: 'sse', text: 'SSE' },
    { id: 'ws-raw', text: 'WebSocket' },
  ],
  measured: { figure: 'requests-per-minute', pick: 'max' },
};

const STEPS: LessonStepInfo[] = [
  {
    title: 'Silence',
    narration: 'Put the phones down.',
    notes: 'Collect answers.',
    minutes: 2,
    setup: { lanes: ['short-poll', 'sse', 'ws-raw'], pollIntervalMs: 1000, autoSend: 'off', delay: { sse: 300 }, assignment: 'round-robin', chart: 'requests', reset: true },
    question: lanesQuestion,
    reveal: { chart: 'requests-rate', caption: 'Short polling climbs.' },
  },
  {
    title: 'Slower',
    narration: 'Every five seconds.',
    notes: '',
    minutes: 1,
    setup: { pollIntervalMs: 5000, chart: 'latency', cut: 'ws-raw' },
    question: {
      id: 'gaps',
      kind: 'number',
      prompt: 'How many gaps?',
      choices: [],
      unit: 'messages',
      min: 0,
      max: 1000,
      tolerance: 0,
      measured: { figure: 'seq-gaps' },
    },
  },
  { title: 'Talk', narration: 'Why?', notes: '', minutes: 1, setup: {} },
];

const LESSON: LessonInfo = { id: 'asking', title: 'Asking', summary: '', minutes: 4, steps: STEPS };

/** A fake server for the lesson endpoints, and a recorder of every other POST (debug, assign). */
function fakeServer() {
  let state = { lessonId: null as string | null, step: 0, revealed: false, measured: null as string | number | null, revision: 1 };
  const posts: Array<{ path: string; body: Record<string, unknown> }> = [];
  const gets: string[] = [];
  const view = (): LessonView => ({
    lessonId: state.lessonId,
    step: state.step,
    steps: state.lessonId ? STEPS.length : 0,
    title: state.lessonId ? LESSON.title : null,
    revealed: state.revealed,
    answers: 0,
    revision: state.revision,
    ...(state.revealed && state.measured !== null ? { truth: { measured: state.measured } } : {}),
  });
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    const path = new URL(url).pathname;
    const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (init?.method === 'POST') {
      const body = JSON.parse(String(init.body)) as Record<string, unknown>;
      posts.push({ path, body });
      if (path === '/api/lesson') {
        state = {
          lessonId: body.lessonId as string | null,
          step: body.step as number,
          revealed: body.revealed === true,
          measured: (body.measured as string | number | undefined) ?? null,
          revision: state.revision + 1,
        };
        return json(view());
      }
      return json({});
    }
    gets.push(url);
    if (path === '/api/lessons') return json({ lessons: [LESSON] });
    if (path === '/api/lesson') return json(view());
    return json({}, 404);
  }) as typeof fetch;
  return { fetch: fetchImpl, posts, gets, view };
}

function setup() {
  let clock = 100_000;
  const clients: FakeClient[] = [];
  const server = fakeServer();
  const wb = new Workbench({
    factory: (t, o) => {
      const c = new FakeClient(t, o);
      clients.push(c);
      return c;
    },
    fetch: server.fetch,
    baseUrl: 'http://x',
    now: () => clock,
    schedule: syncSchedule,
    EventSource: undefined as unknown as typeof EventSource,
    setInterval: () => ({}),
    clearInterval: () => undefined,
  });
  const charts: ChartId[] = [];
  const assigned: AssignmentMode[] = [];
  const runner = new LessonRunner({
    workbench: wb,
    fetch: server.fetch,
    baseUrl: 'http://x',
    lang: () => 'en',
    assign: async (mode) => void assigned.push(mode),
    setChart: (c) => void charts.push(c),
    now: () => clock,
    schedule: syncSchedule,
    setInterval: () => ({}),
    clearInterval: () => undefined,
  });
  const client = (t: TransportId) => clients.filter((c) => c.transport === t).at(-1)!;
  const lanes = () => wb.lanes.getSnapshot().map((l) => l.transport);
  return { wb, runner, server, clients, client, lanes, charts, assigned, tick: (ms: number) => (clock += ms) };
}

/** Lets promises queued behind the runner's fetches run. */
const settle = () => new Promise((done) => setTimeout(done, 0));

describe('setupAt: what is in force at a step', () => {
  it("folds every earlier step's settings, later ones winning, and keeps only the step's own actions", () => {
    expect(setupAt(STEPS, 0)).toEqual({
      settings: { lanes: ['short-poll', 'sse', 'ws-raw'], pollIntervalMs: 1000, autoSend: 'off', delay: { sse: 300 }, assignment: 'round-robin', chart: 'requests' },
      actions: { reset: true },
    });
    const second = setupAt(STEPS, 1);
    expect(second.settings).toMatchObject({ pollIntervalMs: 5000, chart: 'latency', lanes: ['short-poll', 'sse', 'ws-raw'] });
    expect(second.actions).toEqual({ cut: 'ws-raw' });
    // A step without a set-up keeps what the steps before it set, and does nothing of its own.
    expect(setupAt(STEPS, 2).settings.pollIntervalMs).toBe(5000);
    expect(setupAt(STEPS, 2).actions).toEqual({});
  });
});

describe('LessonRunner', () => {
  it('opens a lesson: the server is told, the set-up is applied through the workbench', async () => {
    const { wb, runner, server, client, lanes, charts, assigned } = setup();
    wb.start(['ws-raw', 'long-poll']);
    const firstWs = client('ws-raw');
    runner.start();
    await runner.open('asking');
    expect(server.posts.find((p) => p.path === '/api/lesson')?.body).toEqual({ lessonId: 'asking', step: 0, revealed: false });
    expect(runner.state).toMatchObject({ lessonId: 'asking', step: 0, revealed: false });
    // Exactly the lanes it names; the reset gave the kept lane a fresh client.
    expect(lanes()).toEqual(['ws-raw', 'short-poll', 'sse']);
    expect(client('ws-raw')).not.toBe(firstWs);
    expect(firstWs.calls).toContain('close');
    expect(charts.at(-1)).toBe('requests');
    expect(assigned).toEqual(['round-robin']);
    expect(wb.settings.getSnapshot().autoSend.running).toBe(false);
    // The delay waits for the lane's identity, then goes to the server (SSE 300 ms; the others already 0).
    expect(server.posts.filter((p) => p.path === '/api/debug/delay')).toEqual([]);
    client('sse').join('id-sse', 0);
    await runner.setupDone();
    expect(server.posts.filter((p) => p.path === '/api/debug/delay').map((p) => p.body)).toEqual([{ clientId: 'id-sse', clientSecret: 'secret-of-id-sse', ms: 300 }]);
    expect(wb.lane('sse')!.store.getSnapshot().serverDelayMs).toBe(300);
    wb.stop();
  });

  it('stepping forward cuts once the lane is open; stepping back restores the settings and runs the actions again', async () => {
    const { wb, runner, server, client, charts } = setup();
    wb.start(['short-poll', 'sse', 'ws-raw']);
    runner.start();
    await runner.open('asking');
    for (const t of ['short-poll', 'sse', 'ws-raw'] as const) client(t).join(`id-${t}`, 0);
    await runner.setupDone();
    await runner.go(1);
    expect(wb.settings.getSnapshot().pollIntervalMs).toBe(5000);
    expect(charts.at(-1)).toBe('latency');
    await runner.setupDone();
    expect(server.posts.filter((p) => p.path === '/api/debug/cut').map((p) => p.body)).toEqual([{ clientId: 'id-ws-raw', clientSecret: 'secret-of-id-ws-raw' }]);

    const clientsBefore = client('short-poll');
    await runner.go(0);
    // Back at step 0: its interval and chart again, and its reset again (fresh clients).
    expect(wb.settings.getSnapshot().pollIntervalMs).toBe(1000);
    expect(charts.at(-1)).toBe('requests');
    expect(client('short-poll')).not.toBe(clientsBefore);
    expect(runner.state).toMatchObject({ step: 0, revealed: false, measured: null });
    // Out of range: nothing happens.
    const before = server.posts.length;
    await runner.go(-1);
    await runner.go(STEPS.length);
    expect(server.posts.length).toBe(before);
    wb.stop();
  });

  it('forward reveals with the measured truth, then goes on; back hides, then goes back; nothing stale is kept', async () => {
    const { wb, runner, server, client, charts, tick } = setup();
    wb.start(['short-poll', 'sse', 'ws-raw']);
    runner.start();
    await runner.open('asking');
    for (const t of ['short-poll', 'sse', 'ws-raw'] as const) client(t).join(`id-${t}`, 0);
    // Ten seconds: short polling asks every second, the streams once.
    for (let s = 0; s < 10; s++) {
      wb.sampler.countRequest('short-poll', s + 0.5);
      if (s === 0) {
        wb.sampler.countRequest('sse', 0.2);
        wb.sampler.countRequest('ws-raw', 0.1);
      }
    }
    tick(10_000);
    wb.sampleCounters();

    await runner.forward();
    const reveal = server.posts.filter((p) => p.path === '/api/lesson').at(-1)!.body;
    expect(reveal).toEqual({ lessonId: 'asking', step: 0, revealed: true, measured: 'short-poll' });
    expect(runner.state).toMatchObject({ step: 0, revealed: true, measured: 'short-poll' });
    expect(runner.state.view?.truth).toEqual({ measured: 'short-poll' });
    expect(charts.at(-1)).toBe('requests-rate');

    await runner.back();
    expect(runner.state).toMatchObject({ step: 0, revealed: false, measured: null });
    expect(runner.state.view?.truth).toBeUndefined();
    expect(charts.at(-1)).toBe('requests');

    await runner.forward();
    await runner.forward();
    expect(runner.state).toMatchObject({ step: 1, revealed: false, measured: null });
    // Step 2 has neither a question nor a reveal: forward goes straight on, then stops at the end.
    await runner.forward();
    await runner.forward();
    await runner.forward();
    expect(runner.state.step).toBe(2);
    await runner.back();
    expect(runner.state).toMatchObject({ step: 1, revealed: false });

    await runner.close();
    expect(runner.state.lessonId).toBeNull();
    expect(server.posts.filter((p) => p.path === '/api/lesson').at(-1)!.body).toEqual({ lessonId: null, step: 0 });
    wb.stop();
  });

  it('a page that reloads mid-lesson takes the lesson up, its settings but not its actions', async () => {
    const { wb, runner, server, client, lanes } = setup();
    wb.start(['ws-raw']);
    const ws = client('ws-raw');
    await server.fetch('http://x/api/lesson', { method: 'POST', body: JSON.stringify({ lessonId: 'asking', step: 1 }) });
    runner.start();
    await settle();
    await settle();
    expect(runner.state).toMatchObject({ lessonId: 'asking', step: 1 });
    expect(wb.settings.getSnapshot().pollIntervalMs).toBe(5000);
    expect(lanes()).toEqual(['ws-raw', 'short-poll', 'sse']);
    // No reset, no cut.
    expect(client('ws-raw')).toBe(ws);
    ws.join('id-ws', 0);
    client('sse').join('id-sse', 0);
    await runner.setupDone();
    expect(server.posts.filter((p) => p.path === '/api/debug/cut')).toEqual([]);
    wb.stop();
  });

  it('says which request failed, and changes nothing', async () => {
    const { wb, runner } = setup();
    const refusing = new LessonRunner({
      workbench: wb,
      fetch: (async () => new Response(JSON.stringify({ error: { code: 'TEACHER_ONLY', message: 'no' } }), { status: 401 })) as typeof fetch,
      baseUrl: 'http://x',
      lang: () => 'en',
      assign: async () => undefined,
      setChart: () => undefined,
      now: () => 0,
      schedule: syncSchedule,
    });
    await refusing.open('asking');
    expect(refusing.state).toMatchObject({ lessonId: null, error: 'POST /api/lesson: 401 TEACHER_ONLY' });
    expect(runner.state.lessonId).toBeNull();
  });
});

describe('the measured figures', () => {
  it('requests per minute: the last 60 s, or the rate times 60 while the run is shorter', () => {
    expect(requestsPerMinute([])).toBeNull();
    expect(requestsPerMinute([null, null])).toBeNull();
    expect(requestsPerMinute([2, 1, 1, 1, null])).toBe(75);
    expect(requestsPerMinute([...Array(30).fill(5), ...Array(60).fill(1)])).toBe(60);
  });

  it('reads latency percentiles, bytes, gaps and duplicates, reconnects and the newest frame from the dashboard', () => {
    const { wb, client } = setup();
    wb.start(['ws-raw', 'short-poll', 'long-poll']);
    for (const t of ['ws-raw', 'short-poll', 'long-poll'] as const) client(t).join(`id-${t}`, 0);
    const sentAt = 100_000;
    for (const [seq, late] of [
      [1, 10],
      [2, 30],
      [3, 20],
    ] as const) {
      const id = wb.send('ws-raw', `m${seq}`)!;
      const m = message(seq, { clientMsgId: id, clientId: 'id-ws-raw', via: 'ws-raw' });
      client('ws-raw').emit('message', m, sentAt + late, delivered());
      client('short-poll').emit('message', m, sentAt + late * 10, delivered());
    }
    // long-poll saw 1 and 4 (2 and 3 missing), and 4 twice.
    for (const seq of [1, 4, 4]) client('long-poll').emit('message', message(seq), sentAt + 5, delivered());
    expect(figureValue(wb, 'latency-p50', 'ws-raw')).toBe(20);
    expect(figureValue(wb, 'latency-p50', 'short-poll')).toBe(200);
    expect(figureValue(wb, 'seq-gaps', 'long-poll')).toBe(2);
    expect(figureValue(wb, 'seq-duplicates', 'long-poll')).toBe(1);
    expect(figureValue(wb, 'latency-p50', 'sse')).toBeNaN();

    const counters = { ...client('short-poll').getSnapshot().counters, messages: 4, headerBytesUp: 1200, headerBytesDown: 800, payloadBytesUp: 100, payloadBytesDown: 300, reconnects: 2 };
    client('short-poll').setSnap({ counters });
    expect(figureValue(wb, 'bytes-per-message', 'short-poll')).toBe(600);
    expect(figureValue(wb, 'header-bytes-per-message', 'short-poll')).toBe(500);
    expect(figureValue(wb, 'payload-bytes-per-message', 'short-poll')).toBe(100);
    expect(figureValue(wb, 'reconnects', 'short-poll')).toBe(2);
    expect(figureValue(wb, 'handshake', null)).toBeNull();

    const frame = (direction: 'in' | 'out', payloadLength: number, lengthForm: 7 | 16 | 64, masked: boolean): InspectFrame => ({
      kind: 'frame', connectionId: 1, at: 0, direction, fin: true, rsv: [false, false, false], opcode: 1, opcodeName: 'text',
      masked, maskKeyHex: masked ? '01020304' : null, lengthForm, payloadLength, headerHex: '', wireHex: '', payloadHex: '', truncated: false,
    });
    expect(figureValue(wb, 'frame-payload-length', null)).toBeNaN();
    wb.inspector.store.set({ ...wb.inspector.store.getSnapshot(), frames: [frame('in', 300, 16, true), frame('out', 90, 7, false)] });
    expect(figureValue(wb, 'frame-payload-length', null)).toBe(300);
    expect(figureValue(wb, 'frame-header-length', null)).toBe(8);

    // A number without a lane is the sum over the lanes; pick min among the lanes that have a figure.
    const gapsQuestion = STEPS[1]!.question!;
    expect(measuredTruth(wb, gapsQuestion)).toBe(2);
    const fastest = { ...lanesQuestion, choices: [{ id: 'ws-raw', text: '' }, { id: 'short-poll', text: '' }, { id: 'sse', text: '' }], measured: { figure: 'latency-p50' as const, pick: 'min' as const } };
    expect(measuredTruth(wb, fastest)).toBe('ws-raw');
    expect(measuredTruth(wb, { ...fastest, measured: { figure: 'latency-p50', pick: 'max' } })).toBe('short-poll');
    expect(measuredTruth(wb, { ...gapsQuestion, measured: { figure: 'latency-p95', lane: 'short-poll' } })).toBe(300);
    expect(measuredTruth(wb, { ...gapsQuestion, measured: { figure: 'latency-p95', lane: 'sse' } })).toBeNull();
    expect(measuredTruth(wb, { ...gapsQuestion, measured: undefined })).toBeNull();
    wb.stop();
  });
});

describe('LessonFollower', () => {
  function follower(answerStatus = 201) {
    let view: LessonView = { lessonId: 'asking', step: 0, steps: 3, title: 'Asking', revealed: false, answers: 0, revision: 5, question: { id: 'q1', kind: 'choice', prompt: '?', choices: [{ id: 'a', text: 'A' }] } };
    const gets: string[] = [];
    const answers: unknown[] = [];
    const fetchImpl = (async (url: string, init?: RequestInit) => {
      if (init?.method === 'POST') {
        answers.push(JSON.parse(String(init.body)));
        return new Response('{}', { status: answerStatus });
      }
      gets.push(url);
      return new Response(JSON.stringify(view), { status: 200 });
    }) as typeof fetch;
    const f = new LessonFollower({ fetch: fetchImpl, baseUrl: 'http://x', lang: () => 'zh-CN', identity: () => ({ clientId: 'me', clientSecret: 's' }), schedule: syncSchedule });
    return { f, gets, answers, setView: (v: Partial<LessonView>) => (view = { ...view, ...v }) };
  }
  const signal = (p: Partial<LessonSignal>): LessonSignal => ({ type: 'lesson', revision: 5, lessonId: 'asking', step: 0, revealed: false, answers: 0, ...p });

  it('fetches the view in its language when the revision is new, or when answers come in after the reveal', async () => {
    const { f, gets, setView } = follower();
    await f.refresh();
    expect(gets).toEqual(['http://x/api/lesson?lang=zh-CN']);
    f.signal(signal({}));
    f.signal(signal({ answers: 3 }));
    expect(gets).toHaveLength(1);
    setView({ revision: 6, revealed: true, answers: 3 });
    f.signal(signal({ revision: 6, revealed: true, answers: 3 }));
    await f.refresh();
    await settle();
    expect(f.state.view?.revealed).toBe(true);
    const n = gets.length;
    f.signal(signal({ revision: 6, revealed: true, answers: 3 }));
    expect(gets).toHaveLength(n);
    f.signal(signal({ revision: 6, revealed: true, answers: 4 }));
    expect(gets).toHaveLength(n + 1);
  });

  it('answers with its own secret, remembers the answer, forgets it with another lesson; 409 says closed', async () => {
    const { f, answers, setView } = follower();
    await f.refresh();
    await f.answer('a');
    expect(answers).toEqual([{ clientId: 'me', clientSecret: 's', questionId: 'q1', choice: 'a' }]);
    expect(f.state.mine).toEqual({ q1: 'a' });
    setView({ lessonId: 'other', revision: 9 });
    await f.refresh();
    expect(f.state.mine).toEqual({});

    const closed = follower(409);
    await closed.f.refresh();
    await closed.f.answer('a');
    expect(closed.f.state).toMatchObject({ problem: 'closed', mine: {} });
  });

  it("hears the client's lesson event until unsubscribed", () => {
    const withEvent = new FakeClient('sse');
    const heard: number[] = [];
    (withEvent as unknown as { handlers: Map<string, Set<unknown>> }).handlers = new Map();
    const off = onLessonSignal(withEvent, (s) => heard.push(s.revision));
    (withEvent.emit as (e: string, ...a: unknown[]) => void)('lesson', signal({ revision: 7 }));
    off();
    (withEvent.emit as (e: string, ...a: unknown[]) => void)('lesson', signal({ revision: 8 }));
    expect(heard).toEqual([7]);
  });
});
