// The teacher page's model without a browser: the key's way from the fragment to a header,
// the class list and its three actions, and the lanes' teacher identities.
import { describe, expect, it } from 'vitest';
import { TRANSPORT_IDS, type ClientsResponse, type TransportId } from '@wirebench/transports/contract';
import { ClassRoster, classCount } from '../src/model/class-roster.ts';
import { InspectorFeed } from '../src/model/inspector-feed.ts';
import { syncSchedule } from '../src/lib/store.ts';
import { forgetTeacherKey, takeTeacherKey, TEACHER_KEY_STORAGE, TeacherSession } from '../src/model/teacher.ts';
import { Workbench } from '../src/model/workbench.ts';
import { FakeClient } from './fake-client.ts';

const KEY = 'k3y-0f-the-teacher/with+odd=chars';

function fakePage(href: string) {
  const url = new URL(href);
  const stored = new Map<string, string>();
  const replaced: string[] = [];
  const page = {
    location: { hash: url.hash, pathname: url.pathname, search: url.search },
    history: {
      state: null,
      replaceState: (_state: unknown, _title: string, to: string) => {
        replaced.push(to);
        page.location.hash = to.slice(to.indexOf('#'));
      },
    },
    sessionStorage: {
      getItem: (k: string) => stored.get(k) ?? null,
      setItem: (k: string, v: string) => void stored.set(k, v),
      removeItem: (k: string) => void stored.delete(k),
    },
  };
  return { page: page as unknown as Window, stored, replaced };
}

interface Call {
  url: string;
  method: string;
  authorization: string | null;
  body: unknown;
}

function recordingFetch(answer: (call: Call) => Response) {
  const calls: Call[] = [];
  const impl = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const call: Call = {
      url: String(input),
      method: init.method ?? 'GET',
      authorization: new Headers(init.headers).get('authorization'),
      body: init.body === undefined ? undefined : JSON.parse(String(init.body)),
    };
    calls.push(call);
    return answer(call);
  }) as typeof fetch;
  return { calls, impl };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the teacher key in the page', () => {
  it('leaves the address bar for sessionStorage before anything renders, decoded', () => {
    const { page, stored, replaced } = fakePage(`http://10.0.0.5:3000/?x=1#teacher=${encodeURIComponent(KEY)}`);
    expect(takeTeacherKey(page)).toBe(KEY);
    expect(replaced).toEqual(['/?x=1#/lanes']);
    expect(stored.get(TEACHER_KEY_STORAGE)).toBe(KEY);
    expect(page.location.hash).not.toContain('teacher');
  });

  it('is kept across reloads of the tab, and forgotten on request', () => {
    const { page, replaced } = fakePage(`http://10.0.0.5:3000/#teacher=${KEY}`);
    takeTeacherKey(page);
    page.location.hash = '#/class';
    expect(takeTeacherKey(page)).toBe(KEY);
    expect(replaced).toHaveLength(1);
    forgetTeacherKey(page);
    expect(takeTeacherKey(page)).toBeNull();
  });

  it('a plain URL or an empty key is a student page', () => {
    expect(takeTeacherKey(fakePage('http://10.0.0.5:3000/').page)).toBeNull();
    expect(takeTeacherKey(fakePage('http://10.0.0.5:3000/#/docs/02-handshake').page)).toBeNull();
    const empty = fakePage('http://10.0.0.5:3000/#teacher=');
    expect(takeTeacherKey(empty.page)).toBeNull();
    // Still out of the address bar.
    expect(empty.replaced).toEqual(['/#/lanes']);
  });
});

describe('TeacherSession', () => {
  it('sends the key as a Bearer header and learns from the first answer whether the server took it', async () => {
    const { calls, impl } = recordingFetch((c) => (c.url.endsWith('/bad') ? json({ error: { code: 'TEACHER_ONLY' } }, 401) : json({})));
    const session = new TeacherSession(KEY, 'http://h', impl, syncSchedule);
    expect(session.standing.getSnapshot()).toBe('unchecked');
    await session.fetch('http://h/api/clients');
    expect(calls[0]!.authorization).toBe(`Bearer ${KEY}`);
    expect(session.standing.getSnapshot()).toBe('accepted');
    await session.fetch('http://h/bad', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(session.standing.getSnapshot()).toBe('rejected');
  });

  it("gives the lane clients the key on POST /api/join only: polls, streams and sends go without it", async () => {
    const { calls, impl } = recordingFetch(() => json({}));
    const session = new TeacherSession(KEY, 'http://h', impl, syncSchedule);
    await session.joinFetch('http://h/api/join', { method: 'POST', body: '{"name":"t"}' });
    await session.joinFetch('http://h/api/poll?after=0');
    await session.joinFetch('http://h/api/messages', { method: 'POST', body: '{"text":"x"}' });
    await session.joinFetch('http://h/api/join?x', { method: 'GET' });
    expect(calls.map((c) => [c.url, c.authorization])).toEqual([
      ['http://h/api/join', `Bearer ${KEY}`],
      ['http://h/api/poll?after=0', null],
      ['http://h/api/messages', null],
      ['http://h/api/join?x', null],
    ]);
  });

  it('makes a teacher identity for a WebSocket lane over HTTP; null when refused', async () => {
    let status = 201;
    const { calls, impl } = recordingFetch(() => json({ clientId: 'c1', clientSecret: 's1', lastSeq: 0, epoch: 'e', messages: [] }, status));
    const session = new TeacherSession(KEY, 'http://h', impl, syncSchedule);
    expect(await session.join('Ms T')).toEqual({ clientId: 'c1', clientSecret: 's1' });
    expect(calls[0]).toMatchObject({ url: 'http://h/api/join', method: 'POST', authorization: `Bearer ${KEY}`, body: { name: 'Ms T' } });
    status = 423;
    expect(await session.join('Ms T')).toBeNull();
  });
});

function client(id: string, p: Partial<ClientsResponse['clients'][number]> = {}) {
  return { clientId: id, name: `n-${id}`, transports: ['sse' as TransportId], connectedSince: 1000, sent: 0, address: '127.0.0.1', assigned: null, teacher: false, ...p };
}

describe('ClassRoster', () => {
  function setup(answers: Record<string, Response | (() => Response)>) {
    const { calls, impl } = recordingFetch((c) => {
      const a = answers[`${c.method} ${new URL(c.url).pathname}`];
      return a ? (typeof a === 'function' ? a() : a.clone()) : json({ error: { code: 'NOT_FOUND' } }, 404);
    });
    const roster = new ClassRoster({ fetch: impl, baseUrl: 'http://h', now: () => 5, schedule: syncSchedule });
    return { roster, calls };
  }

  it('lists the clients and the lock; the mode is inferred from the assignments until this page sets it', async () => {
    const { roster } = setup({ 'GET /api/clients': json({ clients: [client('a'), client('b', { assigned: 'long-poll' })], locked: true }) });
    await roster.tick();
    expect(roster.store.getSnapshot()).toMatchObject({ locked: true, mode: 'round-robin', error: null, polledAt: 5 });
    expect(roster.store.getSnapshot().clients!.map((c) => c.clientId)).toEqual(['a', 'b']);
  });

  it('removes a client by its id (path-encoded) and drops its row at once', async () => {
    const { roster, calls } = setup({
      'GET /api/clients': () => json({ clients: [client('a/b')], locked: false }),
      'POST /api/clients/a%2Fb/remove': json({ clientId: 'a/b', removed: true, closed: 1 }),
    });
    await roster.tick();
    expect(await roster.remove('a/b')).toBe(true);
    expect(calls[1]).toMatchObject({ method: 'POST', url: 'http://h/api/clients/a%2Fb/remove' });
    expect(roster.store.getSnapshot().clients).toEqual([]);
  });

  it('locks and assigns, and keeps what the server answered', async () => {
    const { roster, calls } = setup({
      'GET /api/clients': () => json({ clients: [], locked: false }),
      'POST /api/room/lock': json({ locked: true }),
      'POST /api/class/assign': json({ mode: 'round-robin', assigned: 3 }),
    });
    await roster.setLocked(true);
    await roster.assign('round-robin');
    expect(calls.filter((c) => c.method === 'POST').map((c) => [c.url, c.body])).toEqual([
      ['http://h/api/room/lock', { locked: true }],
      ['http://h/api/class/assign', { mode: 'round-robin' }],
    ]);
    expect(roster.store.getSnapshot()).toMatchObject({ locked: true, mode: 'round-robin', lastAssigned: 3 });
  });

  it('says which request failed and how', async () => {
    const { roster } = setup({ 'GET /api/clients': json({ error: { code: 'TEACHER_ONLY', message: 'x' } }, 401) });
    await roster.tick();
    expect(roster.store.getSnapshot()).toMatchObject({ clients: null, error: 'GET /api/clients: 401 TEACHER_ONLY' });
    expect(await roster.remove('zz')).toBe(false);
  });
});

describe('classCount: who is in the room, from one class list', () => {
  // Two student pages (one switched from long-poll to sse within the minute), one that left,
  // this page's three lanes (one of them seen as the teacher's by the server too), and a lane
  // of another teacher page.
  const list = [
    client('s1', { transports: ['ws-raw'] }),
    client('s2', { transports: ['long-poll', 'sse'] }),
    client('gone', { transports: [] }),
    client('own-1', { transports: ['ws-raw'], teacher: true }),
    client('own-2', { transports: ['short-poll'] }),
    client('own-old', { transports: [] }),
    client('other-teacher', { transports: ['sse'], teacher: true }),
  ];
  const own = new Set(['own-1', 'own-2', 'own-old']);

  it('counts people: student pages apart from teacher lanes, only those here now', () => {
    const count = classCount(list, own);
    expect(count).toMatchObject({ students: 2, teacherLanes: 3, ownLanes: 2, clients: 5, switched: 1 });
    expect(count.byTransport).toEqual({
      'ws-raw': { students: 1, teacherLanes: 1 },
      'ws-lib': { students: 0, teacherLanes: 0 },
      'short-poll': { students: 0, teacherLanes: 1 },
      'long-poll': { students: 1, teacherLanes: 0 },
      sse: { students: 1, teacherLanes: 1 },
    });
  });

  it('adds up: students under each transport, less the switchers, are the students; students and teacher lanes are the clients', () => {
    for (const clients of [list, list.slice(0, 3), [], list.map((c) => ({ ...c, transports: [...TRANSPORT_IDS] }))]) {
      const count = classCount(clients, own);
      const students = Object.values(count.byTransport).reduce((sum, t) => sum + t.students, 0);
      const onSeveral = clients.filter((c) => !own.has(c.clientId) && !c.teacher).reduce((sum, c) => sum + Math.max(0, c.transports.length - 1), 0);
      expect(students - onSeveral).toBe(count.students);
      expect(count.students + count.teacherLanes).toBe(count.clients);
    }
  });
});

describe('the teacher page workbench', () => {
  function setup(joinAnswer: { clientId: string; clientSecret: string } | null = { clientId: 'teacher-ws', clientSecret: 'ts' }) {
    const clients: FakeClient[] = [];
    const teacherCalls = recordingFetch(() => json({}));
    const plainCalls = recordingFetch(() => json({}));
    const joins: string[] = [];
    const wb = new Workbench({
      factory: (t, o) => {
        const c = new FakeClient(t, o);
        clients.push(c);
        return c;
      },
      fetch: plainCalls.impl,
      baseUrl: 'http://h',
      now: () => 0,
      schedule: syncSchedule,
      EventSource: undefined as unknown as typeof EventSource,
      setInterval: () => 0,
      clearInterval: () => {},
      teacherFetch: teacherCalls.impl,
      teacherJoin: async (name) => {
        joins.push(name);
        return joinAnswer;
      },
    });
    const last = (t: TransportId) => clients.filter((c) => c.transport === t).at(-1)!;
    return { wb, clients, last, joins, teacher: teacherCalls.calls, plain: plainCalls.calls };
  }

  it('debug requests carry the teacher key instead of a secret', async () => {
    const { wb, last, teacher, plain } = setup();
    wb.start(['long-poll']);
    last('long-poll').join('lp', 0);
    await wb.serverDelay('long-poll', 300);
    expect(plain.filter((c) => c.url.includes('/api/debug/'))).toEqual([]);
    expect(teacher.map((c) => [c.url, c.body])).toEqual([['http://h/api/debug/delay', { clientId: 'lp', ms: 300 }]]);
    wb.stop();
  });

  it('a WebSocket lane the locked room refused starts again as a teacher identity; an HTTP lane is left alone', async () => {
    const { wb, clients, last, joins } = setup();
    wb.setName('Ms T');
    wb.start(['ws-raw', 'short-poll']);
    const refused = last('ws-raw');
    refused.setSnap({ status: 'locked' });
    last('short-poll').setSnap({ status: 'locked' });
    await Promise.resolve();
    await Promise.resolve();
    expect(joins).toEqual(['Ms T']);
    expect(refused.calls).toContain('close');
    const again = last('ws-raw');
    expect(again).not.toBe(refused);
    expect(again.options).toMatchObject({ clientId: 'teacher-ws', clientSecret: 'ts' });
    expect(again.calls[0]).toBe('connect');
    expect(wb.lanes.getSnapshot().map((l) => l.transport)).toEqual(['ws-raw', 'short-poll']);
    expect(clients.filter((c) => c.transport === 'short-poll')).toHaveLength(1);
    // The lane that now holds an identity is not swapped again.
    again.setSnap({ status: 'locked' });
    await Promise.resolve();
    expect(joins).toHaveLength(1);
    wb.stop();
  });

  it('keeps a refused lane, saying so, when the server makes no identity either', async () => {
    const { wb, last, joins } = setup(null);
    wb.start(['ws-lib']);
    const refused = last('ws-lib');
    refused.setSnap({ status: 'locked' });
    await Promise.resolve();
    await Promise.resolve();
    expect(joins).toHaveLength(1);
    expect(wb.lane('ws-lib')!.client).toBe(refused);
    wb.stop();
  });
});

describe('InspectorFeed', () => {
  it("asks for the page's own client with its secret (an EventSource has no headers)", () => {
    const opened: string[] = [];
    class FakeSource {
      onopen: (() => void) | null = null;
      onerror: (() => void) | null = null;
      onmessage: ((e: MessageEvent<string>) => void) | null = null;
      constructor(url: string) {
        opened.push(url);
      }
      close(): void {}
    }
    const feed = new InspectorFeed('http://h', FakeSource as unknown as typeof EventSource, syncSchedule);
    feed.follow({ clientId: 'c 1', clientSecret: 's&1' });
    feed.follow({ clientId: 'c 1', clientSecret: 's&1' });
    expect(opened).toEqual(['http://h/api/inspect?clientId=c%201&clientSecret=s%261']);
    expect(feed.store.getSnapshot().clientId).toBe('c 1');
    expect(JSON.stringify(feed.store.getSnapshot())).not.toContain('s&1');
    feed.follow(null);
    expect(feed.store.getSnapshot().clientId).toBeNull();
  });
});
