// `pnpm start`'s process: prints its URL, and on SIGTERM / SIGINT answers held
// polls, closes WebSockets with 1001, ends SSE streams and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WsClient from 'ws';

const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

function start(env: Record<string, string> = {}): Promise<{ url: string; proc: ChildProcess }> {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: run 'pnpm build' first`);
  const proc = spawn(process.execPath, [mainJs], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG: '0', STATIC_DIR: '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, proc });
    });
    proc.once('exit', (code) => reject(new Error(`server exited early with ${code}: ${out}`)));
  });
}

const exited = (proc: ChildProcess) => new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

function wsClosed(url: string): Promise<{ opened: Promise<void>; closed: Promise<number> }> {
  const ws = new WsClient(url);
  const opened = new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return Promise.resolve({ opened, closed });
}

describe('the server process', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal}: held poll answered empty, WebSockets closed 1001, SSE ended, exit 0`, async () => {
      const { url, proc } = await start();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const host = url.replace('http://', '');
      const raw = await wsClosed(`ws://${host}/ws/raw`);
      const lib = await wsClosed(`ws://${host}/ws/lib`);
      await Promise.all([raw.opened, lib.opened]);

      const heldPoll = fetch(`${url}/api/longpoll?after=0&timeout=60000`).then((r) => r.json());
      const sseEnded = new Promise<string>((resolve, reject) => {
        request(`${url}/api/events`, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve(body));
        })
          .on('error', reject)
          .end();
      });
      // Let the poll be held and the stream open before the signal.
      await new Promise((r) => setTimeout(r, 300));
      const exit = exited(proc);
      proc.kill(signal);

      expect(await heldPoll).toEqual({ messages: [], lastSeq: 0, epoch: expect.any(String) });
      expect(await raw.closed).toBe(1001);
      expect(await lib.closed).toBe(1001);
      expect(await sseEnded).toContain('event: state');
      expect(await exit).toBe(0);
    });
  }

  it('refuses a bad configuration with a readable message and exit 2', async () => {
    const proc = spawn(process.execPath, [mainJs], { env: { ...process.env, PORT: '0', LONG_POLL_TIMEOUT_MS: '90000' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let err = '';
    proc.stderr!.on('data', (d) => (err += d));
    expect(await exited(proc)).toBe(2);
    expect(err).toContain('LONG_POLL_TIMEOUT_MS must be between 0 and 60000');
  });
});
