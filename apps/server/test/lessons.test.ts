// CONTRACT v2 "lessons": the four endpoints driven as the teacher's dashboard, a student's page
// and a student trying to take over the lesson would drive them; the lessons are the repository's
// own (docs/lessons/), and a made-up one where a limit is tested.
import { afterEach, describe, expect, it } from 'vitest';
import { catalogOf } from '../src/lessons/catalog.ts';
import { MemoryLessonStore } from '../src/lessons/memory-store.ts';
import { LessonService } from '../src/lessons/service.ts';
import { WiredSignal } from '../src/lessons/signal.ts';
import { appPool, asTeacher, call, expectError, fetchJson, join, type Json } from './helpers/contract.ts';

const pool = appPool();
afterEach(() => pool.closeAll());

const control = (app: Parameters<typeof call>[0], body: unknown, headers = asTeacher) => call(app, 'POST', '/api/lesson', body, headers);
const view = (app: Parameters<typeof call>[0], query = '', headers: Record<string, string> = {}) => call(app, 'GET', `/api/lesson${query}`, undefined, headers);
const answer = (app: Parameters<typeof call>[0], body: Record<string, unknown>) => call(app, 'POST', '/api/lesson/answer', body);

describe('GET /api/lessons', () => {
  it('lists the lessons of docs/lessons in either language, with the same ids and set-ups', async () => {
    const app = pool.fresh();
    const en = await call(app, 'GET', '/api/lessons?lang=en');
    const zh = await call(app, 'GET', '/api/lessons?lang=zh-CN');
    expect(en.status).toBe(200);
    expect(zh.status).toBe(200);
    const ids = en.body.lessons.map((l: Json) => l.id);
    expect(ids).toEqual(['asking-costs', 'how-late-is-late', 'what-travels', 'handshake-by-hand', 'frame-by-hand', 'nothing-lost']);
    expect(zh.body.lessons.map((l: Json) => l.id)).toEqual(ids);
    const [first] = en.body.lessons;
    expect(first.title).toBe('Asking costs');
    expect(zh.body.lessons[0].title).toBe('询问是有代价的');
    expect(first.steps[0]).toMatchObject({ title: 'A silent room', setup: { lanes: ['short-poll', 'long-poll', 'sse', 'ws-raw'], pollIntervalMs: 1000 } });
    expect(zh.body.lessons[0].steps[0].setup).toEqual(first.steps[0].setup);
    expect(first.minutes).toBeGreaterThanOrEqual(5);
    // Without the key, no fixed answers; with it, the teacher sees them.
    const travels = (body: Json) => body.lessons.find((l: Json) => l.id === 'what-travels').steps[3].question;
    expect(travels(en.body).answer).toBeUndefined();
    expect(travels((await call(app, 'GET', '/api/lessons', undefined, asTeacher)).body).answer).toBe('grow');
    expect((await call(app, 'GET', '/api/lessons')).body).toEqual(en.body);
  });

  it('refuses a language it does not have, or two: 400 INVALID_QUERY', async () => {
    const app = pool.fresh();
    expectError(await call(app, 'GET', '/api/lessons?lang=fr'), 400, 'INVALID_QUERY');
    expectError(await call(app, 'GET', '/api/lesson?lang=en&lang=zh-CN'), 400, 'INVALID_QUERY');
  });
});

describe('POST /api/lesson (teacher only) and GET /api/lesson', () => {
  it('with no lesson running, says so', async () => {
    const app = pool.fresh();
    const now = await view(app);
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ lessonId: null, step: 0, title: null, revealed: false });
    expect(now.body.tally).toBeUndefined();
    expect(typeof now.body.revision).toBe('number');
  });

  it('the teacher sets the step; the class sees it in its language, the question without its answer', async () => {
    const app = pool.fresh();
    const set = await control(app, { lessonId: 'asking-costs', step: 0 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ lessonId: 'asking-costs', step: 0, steps: 4, revealed: false, notes: expect.any(String), setup: expect.any(Object) });
    const en = await view(app, '?lang=en');
    expect(en.body).toMatchObject({
      lessonId: 'asking-costs',
      step: 0,
      steps: 4,
      title: 'Asking costs',
      stepTitle: 'A silent room',
      revealed: false,
      answers: 0,
      question: { id: 'idle-most-requests', kind: 'choice', prompt: 'While nobody types, which lane sends the most requests?' },
    });
    expect(en.body.question.choices.map((c: Json) => c.id)).toEqual(['short-poll', 'long-poll', 'sse', 'ws-raw']);
    for (const hidden of ['tally', 'reveal', 'truth', 'notes', 'setup']) expect(en.body[hidden]).toBeUndefined();
    const zh = await view(app, '?lang=zh-CN');
    expect(zh.body).toMatchObject({ title: '询问是有代价的', question: { id: 'idle-most-requests', prompt: '没有人打字的时候，哪条通道发出的请求最多？' } });
    expect(zh.body.revision).toBe(en.body.revision);
    const next = await control(app, { lessonId: 'asking-costs', step: 1 });
    expect(next.body.revision).not.toBe(en.body.revision);
    expect((await view(app)).body).toMatchObject({ step: 1, question: { id: 'idle-short-poll-per-minute', kind: 'number', unit: 'requests/min', min: 0 } });
    const stop = await control(app, { lessonId: null, step: 0 });
    expect(stop.body).toMatchObject({ lessonId: null, title: null });
  });

  it('a student cannot control the lesson: no key, their own secret as a key, a wrong key → 401 TEACHER_ONLY, nothing changes', async () => {
    const app = pool.fresh();
    await control(app, { lessonId: 'asking-costs', step: 0 });
    const before = (await view(app)).body;
    const student = await join(app, { name: 'ana' });
    for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${student.clientSecret}` }, { authorization: 'Bearer contract-test-teacher-kez' }, { authorization: 'contract-test-teacher-key' }]) {
      expectError(await control(app, { lessonId: 'asking-costs', step: 2, revealed: true }, headers), 401, 'TEACHER_ONLY');
      expectError(await control(app, { lessonId: 'asking-costs', step: 2, clientId: student.clientId, clientSecret: student.clientSecret }, headers), 401, 'TEACHER_ONLY');
    }
    expect((await view(app)).body).toEqual(before);
  });

  it('bad control input → 400 INVALID_BODY, nothing changes', async () => {
    const app = pool.fresh();
    await control(app, { lessonId: 'what-travels', step: 1 });
    const before = (await view(app)).body;
    const bad: unknown[] = [
      { lessonId: 'no-such-lesson', step: 0 },
      { lessonId: 'what-travels', step: 4 },
      { lessonId: 'what-travels', step: -1 },
      { lessonId: 'what-travels', step: 1.5 },
      { lessonId: 'what-travels', step: '1' },
      { lessonId: 'what-travels' },
      { step: 0 },
      { lessonId: 'what-travels', step: 1, revealed: 'yes' },
      { lessonId: 'what-travels', step: 1, measured: 300 }, // a measurement without the reveal
      { lessonId: 'what-travels', step: 3, revealed: true, measured: 'grow' }, // a fixed answer is not measured
      { lessonId: 'what-travels', step: 1, revealed: true, measured: 'lots' }, // a number question
      { lessonId: 'asking-costs', step: 0, revealed: true, measured: 'ws-lib' }, // not one of the choices
      { lessonId: null, step: 0, revealed: true },
      [],
      'nope',
    ];
    for (const body of bad) expectError(await control(app, body), 400, 'INVALID_BODY');
    expectError(await call(app, 'POST', '/api/lesson', '{"lessonId":', { ...asTeacher }), 400, 'INVALID_BODY');
    expect((await view(app)).body).toEqual(before);
  });
});

describe('POST /api/lesson/answer', () => {
  it('one answer per client per question, a later one replaces it; the tally only once revealed; the stage sees it live', async () => {
    const app = pool.fresh();
    await control(app, { lessonId: 'asking-costs', step: 0 });
    const [ana, ben, cai] = [await join(app, { name: 'ana' }), await join(app, { name: 'ben' }), await join(app, { name: 'cai' })];
    const first = await answer(app, { clientId: ana.clientId, questionId: 'idle-most-requests', choice: 'ws-raw' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ questionId: 'idle-most-requests', choice: 'ws-raw', replaced: false });
    const again = await answer(app, { clientId: ana.clientId, questionId: 'idle-most-requests', choice: 'short-poll' });
    expect(again.status).toBe(201);
    expect(again.body.replaced).toBe(true);
    await answer(app, { clientId: ben.clientId, questionId: 'idle-most-requests', choice: 'short-poll' });
    await answer(app, { clientId: cai.clientId, questionId: 'idle-most-requests', choice: 'sse' });

    const student = await view(app);
    expect(student.body.answers).toBe(3);
    expect(student.body.tally).toBeUndefined();
    const stage = await view(app, '', asTeacher);
    expect(stage.body.tally).toEqual({ total: 3, counts: { 'short-poll': 2, 'long-poll': 0, sse: 1, 'ws-raw': 0 } });

    // The dashboard reveals with what it measured in the room.
    const revealed = await control(app, { lessonId: 'asking-costs', step: 0, revealed: true, measured: 'short-poll' });
    expect(revealed.status).toBe(200);
    const after = await view(app);
    expect(after.body).toMatchObject({
      revealed: true,
      reveal: { chart: 'requests', caption: expect.stringContaining('Short polling') },
      truth: { measured: 'short-poll' },
      tally: { total: 3, counts: { 'short-poll': 2, sse: 1 }, right: 2 },
    });
    // Revealed: answers are closed.
    expectError(await answer(app, { clientId: cai.clientId, questionId: 'idle-most-requests', choice: 'short-poll' }), 409, 'QUESTION_CLOSED');
    expect((await view(app)).body.tally.counts.sse).toBe(1);
  });

  it('numeric questions: a number in range; the tally gives each value, the median and who was right', async () => {
    const app = pool.fresh();
    await control(app, { lessonId: 'handshake-by-hand', step: 1 });
    const votes = [28, 28, 20, 40, 27.5];
    for (const [i, choice] of votes.entries()) {
      const c = await join(app, { name: `s${i}` });
      expect((await answer(app, { clientId: c.clientId, questionId: 'handshake-accept-length', choice })).status).toBe(201);
    }
    await control(app, { lessonId: 'handshake-by-hand', step: 1, revealed: true });
    expect((await view(app, '?lang=zh-CN')).body).toMatchObject({
      truth: { answer: 28 },
      tally: { total: 5, median: 28, right: 2, values: [{ value: 20, count: 1 }, { value: 27.5, count: 1 }, { value: 28, count: 2 }, { value: 40, count: 1 }] },
    });
  });

  it('a question asked again in a later step keeps its answers; starting the lesson anew clears them', async () => {
    const app = pool.fresh();
    await control(app, { lessonId: 'nothing-lost', step: 1 });
    const ana = await join(app);
    await answer(app, { clientId: ana.clientId, questionId: 'lost-long-poll', choice: 5 });
    await control(app, { lessonId: 'nothing-lost', step: 2 });
    expect((await view(app)).body).toMatchObject({ question: { id: 'lost-long-poll' }, answers: 1 });
    await control(app, { lessonId: 'nothing-lost', step: 2, revealed: true, measured: 0 });
    expect((await view(app)).body).toMatchObject({ truth: { measured: 0 }, tally: { total: 1, right: 0 } });
    await control(app, { lessonId: 'asking-costs', step: 0 });
    await control(app, { lessonId: 'nothing-lost', step: 2 });
    expect((await view(app)).body.answers).toBe(0);
  });

  it('bad answers: wrong or missing secret 403, unknown client 404, wrong question 409, bad choice 400 — nothing stored', async () => {
    const app = pool.fresh();
    await control(app, { lessonId: 'asking-costs', step: 0 });
    const ana = await join(app);
    const ben = await join(app);
    const q = 'idle-most-requests';
    expectError(await answer(app, { clientId: ana.clientId, clientSecret: ben.clientSecret, questionId: q, choice: 'sse' }), 403, 'NOT_YOUR_CLIENT');
    expectError(await answer(app, { clientId: ana.clientId, clientSecret: null, questionId: q, choice: 'sse' }), 400, 'INVALID_BODY');
    expectError(await call(app, 'POST', '/api/lesson/answer', JSON.stringify({ clientId: ana.clientId, questionId: q, choice: 'sse' })), 403, 'NOT_YOUR_CLIENT');
    expectError(await answer(app, { clientId: 'nobody', clientSecret: 'x', questionId: q, choice: 'sse' }), 404, 'UNKNOWN_CLIENT');
    expectError(await answer(app, { clientId: ana.clientId, questionId: 'idle-long-poll-per-minute', choice: 2 }), 409, 'QUESTION_CLOSED');
    expectError(await answer(app, { clientId: ana.clientId, questionId: 'no-such-question', choice: 2 }), 400, 'INVALID_BODY');
    for (const choice of ['ws-lib', 3, true, null, ['sse'], { id: 'sse' }, 'x'.repeat(300)]) {
      expectError(await answer(app, { clientId: ana.clientId, questionId: q, choice }), 400, 'INVALID_BODY');
    }
    expectError(await answer(app, { clientId: ana.clientId, choice: 'sse' }), 400, 'INVALID_BODY');
    await control(app, { lessonId: 'asking-costs', step: 1 });
    for (const choice of [-1, 100_001, 'sixty', Number.MAX_VALUE]) {
      expectError(await answer(app, { clientId: ana.clientId, questionId: 'idle-short-poll-per-minute', choice }), 400, 'INVALID_BODY');
    }
    // A removed student's secret stops working for answers too.
    expect((await call(app, 'POST', `/api/clients/${ben.clientId}/remove`, undefined, asTeacher)).status).toBe(200);
    expectError(await answer(app, { clientId: ben.clientId, questionId: 'idle-short-poll-per-minute', choice: 60 }), 403, 'CLIENT_REMOVED');
    expect((await view(app, '', asTeacher)).body.tally).toEqual({ total: 0, values: [] });
  });

  it('answers per question are bounded by the clients the room can know', async () => {
    const app = pool.fresh({ maxClients: 2 });
    await control(app, { lessonId: 'asking-costs', step: 0 });
    const [a, b] = [await join(app), await join(app)];
    for (const c of [a, b]) expect((await answer(app, { clientId: c.clientId, questionId: 'idle-most-requests', choice: 'sse' })).status).toBe(201);
    const c = await join(app); // the room forgets the oldest idle identity to make room
    const third = await answer(app, { clientId: c.clientId, questionId: 'idle-most-requests', choice: 'sse' });
    expectError(third, 429, 'RATE_LIMITED');
    expect((await answer(app, { clientId: b.clientId, questionId: 'idle-most-requests', choice: 'ws-raw' })).status).toBe(201);
    expect((await view(app, '', asTeacher)).body.tally.total).toBe(2);
  });
});

describe('over real sockets', () => {
  it('a teacher and two students walk a step forward and back; the view never shows the other step', async () => {
    const { url } = await pool.listening();
    const teacher = { authorization: asTeacher.authorization! };
    const ana = (await fetchJson(`${url}/api/join`, { name: 'ana' })).body;
    const ben = (await fetchJson(`${url}/api/join`, { name: 'ben' })).body;
    for (const step of [0, 1, 0, 1]) {
      const set = await fetchJson(`${url}/api/lesson?lang=zh-CN`, { lessonId: 'how-late-is-late', step }, teacher);
      expect(set.status).toBe(200);
      const seen = (await fetchJson(`${url}/api/lesson?lang=zh-CN`)).body;
      expect(seen.step).toBe(step);
      expect(seen.question.id).toBe(step === 0 ? 'latency-slowest' : 'latency-short-poll-1s');
      expect(seen.tally).toBeUndefined();
    }
    expect((await fetchJson(`${url}/api/lesson/answer`, { clientId: ana.clientId, questionId: 'latency-short-poll-1s', choice: 500 })).status).toBe(201);
    expect((await fetchJson(`${url}/api/lesson/answer`, { clientId: ben.clientId, questionId: 'latency-short-poll-1s', choice: 1000 })).status).toBe(201);
    expect((await fetchJson(`${url}/api/lesson`, { lessonId: 'how-late-is-late', step: 1, revealed: true, measured: 540 }, { authorization: `Bearer ${ana.clientSecret}` })).status).toBe(401);
    expect((await fetchJson(`${url}/api/lesson`, { lessonId: 'how-late-is-late', step: 1, revealed: true, measured: 540 }, teacher)).status).toBe(200);
    const seen = (await fetchJson(`${url}/api/lesson`)).body;
    expect(seen).toMatchObject({ revealed: true, truth: { measured: 540 }, tally: { total: 2, median: 750, right: 1 }, reveal: { figure: 'latency-p50' } });
  });
});

describe('the lesson signal', () => {
  it('is sent at once for a new step, and answers are gathered into one signal', async () => {
    const timers: Array<() => void> = [];
    const store = new MemoryLessonStore(() => 1000);
    const service = new LessonService(
      catalogOf(
        ['en', 'zh-CN'].map((language) => ({
          language: language as 'en' | 'zh-CN',
          path: `${language === 'en' ? '' : 'zh-CN/'}lessons/01-one.md`,
          text: `# ${language === 'en' ? 'One' : '一'}\n\n## S\n\n${language === 'en' ? 'Say it.' : '说。'}\n\n\`\`\`step\nminutes: 5\nnotes: ${language === 'en' ? 'n' : '注'}\nquestion:\n  id: q\n  prompt: ${language === 'en' ? 'p' : '问'}\n  choices:\n    - { id: a, text: A }\n    - { id: b, text: B }\n  answer: a\nreveal:\n  figure: handshake\n  caption: ${language === 'en' ? 'c' : '看'}\n\`\`\``,
        })),
      ),
      store,
      { maxAnswers: 10, timers: { setTimeout: (fn) => timers.push(fn), clearTimeout: () => {} } },
    );
    await service.ready;
    const seen: Json[] = [];
    service.subscribe((s) => seen.push(s.signal));
    expect(service.signal.signal).toEqual({ type: 'lesson', revision: 1000, lessonId: null, step: 0, revealed: false, answers: 0 });
    await service.control({ lessonId: 'one', step: 0 }, 'en');
    await service.ready;
    expect(seen).toEqual([{ type: 'lesson', revision: 1001, lessonId: 'one', step: 0, revealed: false, answers: 0 }]);
    for (const id of ['c1', 'c2', 'c3']) await service.answer(id, 'q', 'b');
    expect(seen).toHaveLength(1);
    expect(timers).toHaveLength(1);
    timers.shift()!();
    await service.ready;
    expect(seen.at(-1)).toEqual({ type: 'lesson', revision: 1001, lessonId: 'one', step: 0, revealed: false, answers: 3 });
    service.close();
  });

  it('has one form per wire: a WebSocket text frame, a named SSE event, a poll answer field', () => {
    const wired = new WiredSignal({ type: 'lesson', revision: 7, lessonId: 'asking-costs', step: 2, revealed: true, answers: 12 });
    const json = '{"type":"lesson","revision":7,"lessonId":"asking-costs","step":2,"revealed":true,"answers":12}';
    expect(wired.form('json')).toBe(json);
    expect(wired.form('sse')).toBe(`event: lesson\ndata: ${json}\n\n`);
    expect(wired.pollField).toBe(`,"lesson":${json}`);
    const frame = wired.form('frame') as Uint8Array;
    // RFC 6455 5.2: FIN + text opcode, unmasked (a server never masks), a 7-bit length.
    expect([frame[0], frame[1]]).toEqual([0x81, json.length]);
    expect(decodeFrames(frame)).toEqual([json]);
  });
});

// Reads the text frames a server wrote (unmasked, as RFC 6455 5.1 requires of a server).
function decodeFrames(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    let length = bytes[i + 1]! & 0x7f;
    let at = i + 2;
    if (length === 126) {
      length = (bytes[at]! << 8) | bytes[at + 1]!;
      at += 2;
    }
    out.push(new TextDecoder().decode(bytes.subarray(at, at + length)));
    i = at + length;
  }
  return out;
}
