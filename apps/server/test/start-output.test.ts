// What a teacher sees after `pnpm start`: a few plain lines (the student URL,
// the teacher URL with the key the server really checks, and what to do when
// students cannot reach it), no log line, and a quiet exit 0 on Ctrl+C, also
// through pnpm. Plus its build step (scripts/start.ts) in a stand-in workspace.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WsClient from 'ws';
import { isStale, newestMtime } from '../../../scripts/build-state.ts';

const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const rootPackage = join(repoRoot, 'package.json');
const LOOPBACK_SENTENCE =
  'Students cannot reach this address: it only works on this computer. To let them in, stop with Ctrl+C and run: HOST=0.0.0.0 pnpm start';

interface Run {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stdout holds a line matching `pattern`. */
  line: (pattern: RegExp) => Promise<RegExpExecArray>;
}

const started: Array<{ proc: ChildProcess; group: boolean }> = [];
const tempDirs: string[] = [];
afterEach(() => {
  for (const { proc, group } of started.splice(0)) {
    if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) continue;
    // A detached start is its own process group (pnpm and the server): end both.
    process.kill(group ? -proc.pid : proc.pid, 'SIGKILL');
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function run(command: string, args: string[], env: Record<string, string | undefined>, options: { cwd?: string; group?: boolean } = {}): Run {
  const group = options.group === true;
  const proc = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  started.push({ proc, group });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  proc.stdout!.on('data', (d) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const line = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within 30 s; stdout: ${out} stderr: ${err}`)), 30_000);
      const check = () => {
        const m = new RegExp(pattern.source, `${pattern.flags.replace('m', '')}m`).exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        } else waiters.push(check);
      };
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`exited before a line matching ${pattern}; stdout: ${out} stderr: ${err}`));
      });
      check();
    });
  return { proc, stdout: () => out, stderr: () => err, exited, line };
}

/** The built server, as `pnpm start` runs it, with its log on (LOG unset) unlike the other process tests. */
function startServer(env: Record<string, string | undefined> = {}): Run {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: run 'pnpm --filter @wirebench/server build' first`);
  return run(process.execPath, [mainJs], { HOST: '127.0.0.1', PORT: '0', LOG: undefined, STATIC_DIR: '/nonexistent', TEACHER_KEY: undefined, ...env });
}

/** pnpm, as the test runner was started by it (or from PATH). */
function pnpm(args: string[]): [string, string[]] {
  const execPath = process.env.npm_execpath;
  return execPath && /\.[cm]?js$/.test(execPath) ? [process.execPath, [execPath, ...args]] : [execPath || 'pnpm', args];
}

async function clientsStatus(base: string, key?: string): Promise<number> {
  const res = await fetch(`${base}/api/clients`, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
  await res.arrayBuffer();
  return res.status;
}

describe('pnpm start: the lines it prints', () => {
  it('bound to 127.0.0.1 with TEACHER_KEY: exactly the student URL, the teacher URL with that key, and the loopback sentence; SIGINT exits 0, quietly', async () => {
    const key = 'class-7b_Quiet-Harbour-42';
    const server = startServer({ TEACHER_KEY: key });
    const [, base] = await server.line(/^Wirebench listening on (http:\/\/127\.0\.0\.1:\d+)$/);
    await server.line(/HOST=0\.0\.0\.0 pnpm start$/);
    expect(server.stdout()).toBe(
      [
        `Wirebench listening on ${base}`,
        `Students: ${base}`,
        `Teacher:  ${base}/#teacher=${key}  (keep this link to yourself)`,
        LOOPBACK_SENTENCE,
        '',
      ].join('\n'),
    );

    // The key printed is the key the server checks.
    expect(await clientsStatus(base!, key)).toBe(200);
    expect(await clientsStatus(base!)).toBe(401);
    expect(await clientsStatus(base!, `${key}x`)).toBe(401);

    const info = await (await fetch(`${base}/api/info`)).json();
    expect(info).toMatchObject({
      joinUrls: [{ url: base, label: 'this machine only', primary: true, reachable: false }],
      loopbackOnly: true,
      locked: false,
    });

    const before = server.stdout();
    server.proc.kill('SIGINT');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    // No shutdown line, no log line (a 401 above included), no stack.
    expect(server.stdout()).toBe(before);
    expect(server.stderr()).toBe('');
  });

  it('without TEACHER_KEY: a random key of at least 128 bits, a new one each start, and it is the one the server checks', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 2; i++) {
      const server = startServer();
      const [, base] = await server.line(/^Wirebench listening on (http:\/\/\S+)$/);
      const [, url, key] = await server.line(/^Teacher: +(\S+)\/#teacher=(\S+) {2}\(keep this link to yourself\)$/);
      expect(url).toBe(base);
      expect(key).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      expect(await clientsStatus(base!, key)).toBe(200);
      keys.push(key!);
      server.proc.kill('SIGINT');
      expect((await server.exited).code).toBe(0);
    }
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('a TEACHER_KEY too short: one readable line, exit 2, no stack', async () => {
    const server = startServer({ TEACHER_KEY: 'short' });
    expect((await server.exited).code).toBe(2);
    expect(server.stderr().trim().split('\n')).toEqual([expect.stringMatching(/^wirebench: TEACHER_KEY must be at least 16 characters/)]);
    expect(server.stdout()).toBe('');
  });

  it('the port taken: one line that says what to do', async () => {
    const first = startServer();
    const [, port] = await first.line(/^Wirebench listening on http:\/\/127\.0\.0\.1:(\d+)$/);
    const second = startServer({ PORT: port });
    expect((await second.exited).code).toBe(1);
    expect(second.stderr().trim().split('\n')).toEqual([expect.stringMatching(/EADDRINUSE.*PORT=0 picks a free port\)$/)]);
    first.proc.kill('SIGINT');
    expect((await first.exited).code).toBe(0);
  });
});

describe('Ctrl+C', () => {
  it('SIGINT twice at once (the terminal, and pnpm passing it on): WebSockets still closed 1001, exit 0', async () => {
    const server = startServer();
    const [, base] = await server.line(/^Wirebench listening on (http:\/\/\S+)$/);
    const ws = new WsClient(`${base!.replace('http', 'ws')}/ws/lib`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    server.proc.kill('SIGINT');
    server.proc.kill('SIGINT');
    expect(await closed).toBe(1001);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toBe('');
  });

  it('through pnpm, as `pnpm start` runs it (exec node …): the whole process group interrupted, pnpm exits 0 and reports no failure', async () => {
    const script = JSON.parse(readFileSync(rootPackage, 'utf8')).scripts.start as string;
    expect(script).toMatch(/^exec node /);

    // A package whose start script has the root script's form, around the built server.
    const dir = mkdtempSync(join(tmpdir(), 'wirebench-start-'));
    tempDirs.push(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'start-probe', private: true, scripts: { start: `exec node ${JSON.stringify(mainJs)}` } }));
    const [command, args] = pnpm(['start']);
    const start = run(command, args, { HOST: '127.0.0.1', PORT: '0', STATIC_DIR: '/nonexistent', TEACHER_KEY: undefined, LOG: undefined }, { cwd: dir, group: true });
    await start.line(/HOST=0\.0\.0\.0 pnpm start$/);

    // Ctrl+C in a terminal signals the foreground process group: pnpm and the server.
    process.kill(-start.proc.pid!, 'SIGINT');
    expect(await start.exited).toEqual({ code: 0, signal: null });
    expect(start.stdout() + start.stderr()).not.toMatch(/ELIFECYCLE|Command failed|Error|\n\s+at /);
  });
});

describe('pnpm start: rebuild only when sources changed (by modification time)', () => {
  function tree(): { root: string; at: (seconds: number, ...path: string[]) => string } {
    const root = mkdtempSync(join(tmpdir(), 'wirebench-build-state-'));
    tempDirs.push(root);
    const at = (seconds: number, ...path: string[]) => {
      const file = join(root, ...path);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, 'x');
      const t = new Date(Date.UTC(2030, 0, 1, 0, 0, seconds));
      utimesSync(file, t, t);
      return file;
    };
    return { root, at };
  }

  it('an output newer than every source is fresh; a source edited after it, however deep, makes it stale', () => {
    const { root, at } = tree();
    at(10, 'src', 'a.ts');
    at(12, 'src', 'deep', 'er', 'b.ts');
    const output = at(20, 'dist', 'main.js');
    const target = { output, sources: [join(root, 'src'), join(root, 'package.json')] };
    expect(newestMtime(target.sources)).toBe(Date.UTC(2030, 0, 1, 0, 0, 12));
    expect(isStale(target)).toBe(false);
    at(30, 'src', 'deep', 'er', 'b.ts');
    expect(isStale(target)).toBe(true);
  });

  it('installed packages, build outputs and dot folders under a source folder are not sources', () => {
    const { root, at } = tree();
    at(10, 'pkg', 'src', 'a.ts');
    const output = at(20, 'pkg', 'dist', 'index.html');
    at(30, 'pkg', 'node_modules', 'dep', 'index.js');
    at(30, 'pkg', '.cache', 'x');
    expect(isStale({ output, sources: [join(root, 'pkg')] })).toBe(false);
  });

  it('a missing output is stale (first start, or a build that failed half way)', () => {
    const { root, at } = tree();
    at(10, 'src', 'a.ts');
    expect(isStale({ output: join(root, 'dist', 'main.js'), sources: [join(root, 'src')] })).toBe(true);
  });
});

// Several nested pnpm runs each: slow on a busy machine.
describe('pnpm start in a workspace of its shape (scripts/start.ts, stand-in builds and server)', { timeout: 120_000 }, () => {
  // Each stand-in build chatters like Vite, can fail or take its time, and
  // leaves its pid behind; the stand-in server prints a line and exits 0 on
  // SIGINT. No socket is opened.
  const BUILD = `
import { mkdirSync, writeFileSync } from 'node:fs';
const which = process.argv[2];
writeFileSync('build.pid', String(process.pid));
console.log('vite v8.3.8 building client environment for production... transforming... 1626 modules');
if (process.env.FAIL_BUILD === which) {
  console.error('error during build: Could not resolve ./missing.ts');
  process.exit(1);
}
await new Promise((resolve) => setTimeout(resolve, Number(process.env.BUILD_MS ?? 0)));
mkdirSync('dist', { recursive: true });
if (which === 'web') writeFileSync('dist/index.html', '<!doctype html>');
else writeFileSync('dist/main.js', "process.on('SIGINT', () => process.exit(0)); console.log('stand-in server ready'); setInterval(() => {}, 1000);");
`;

  function workspace(): { root: string; edit: (path: string) => void } {
    const root = mkdtempSync(join(tmpdir(), 'wirebench-start-ws-'));
    tempDirs.push(root);
    const write = (path: string, text: string) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    const rootScripts = JSON.parse(readFileSync(rootPackage, 'utf8')).scripts as Record<string, string>;
    write('package.json', JSON.stringify({ name: 'probe', private: true, type: 'module', scripts: { start: rootScripts.start } }));
    write('pnpm-workspace.yaml', 'packages:\n  - apps/*\n  - packages/*\n');
    for (const file of ['start.ts', 'build-state.ts']) {
      mkdirSync(join(root, 'scripts'), { recursive: true });
      copyFileSync(join(repoRoot, 'scripts', file), join(root, 'scripts', file));
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
    write('build.mjs', BUILD);
    for (const app of ['web', 'server']) {
      write(`apps/${app}/package.json`, JSON.stringify({ name: `@wirebench/${app}`, private: true, scripts: { build: `node ../../build.mjs ${app}` } }));
      write(`apps/${app}/src/main.ts`, 'export {};');
    }
    write('packages/transports/src/contract.ts', 'export {};');
    // Sources dated in the past: a build made now is newer.
    const past = new Date(Date.now() - 60_000);
    for (const path of ['apps/web/src/main.ts', 'apps/server/src/main.ts', 'packages/transports/src/contract.ts']) utimesSync(join(root, path), past, past);
    return { root, edit: (path) => write(path, `export const edited = ${Date.now()};`) };
  }

  function start(root: string, env: Record<string, string> = {}): Run {
    const [command, args] = pnpm(['start']);
    return run(command, args, env, { cwd: root, group: true });
  }

  /** Whether the process ends (or is left a zombie for its parent to reap) within 5 s. */
  async function gone(pid: number): Promise<boolean> {
    for (let i = 0; i < 50; i++) {
      let state: string;
      try {
        state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]!;
      } catch {
        return true;
      }
      if (state === 'Z' || state === 'X') return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  async function interrupt(started: Run): Promise<void> {
    process.kill(-started.proc.pid!, 'SIGINT');
    expect(await started.exited).toEqual({ code: 0, signal: null });
    expect(started.stdout() + started.stderr()).not.toMatch(/ELIFECYCLE|Command failed|vite v8/);
  }

  it('builds both quietly the first time, nothing the second, only the dashboard after a change to it', async () => {
    const { root, edit } = workspace();
    const first = start(root);
    await first.line(/^stand-in server ready$/);
    expect(first.stdout()).toMatch(/^Building the dashboard and the server…\nstand-in server ready\n$/m);
    await interrupt(first);

    const second = start(root);
    await second.line(/^stand-in server ready$/);
    expect(second.stdout()).not.toContain('Building');
    await interrupt(second);

    edit('apps/web/src/lessons.ts');
    const third = start(root);
    await third.line(/^stand-in server ready$/);
    expect(third.stdout()).toMatch(/^Building the dashboard…\nstand-in server ready\n$/m);
    await interrupt(third);
  });

  it('a failed build shows its output and stops; the next start tries again', async () => {
    const { root } = workspace();
    const failed = start(root, { FAIL_BUILD: 'server' });
    const { code } = await failed.exited;
    expect(code).not.toBe(0);
    expect(failed.stderr()).toContain('Building the server failed (pnpm --filter @wirebench/server build):');
    expect(failed.stderr()).toContain('error during build: Could not resolve ./missing.ts');
    expect(failed.stdout()).not.toContain('stand-in server ready');

    const retried = start(root);
    await retried.line(/^stand-in server ready$/);
    expect(retried.stdout()).toMatch(/^Building the server…$/m);
    await interrupt(retried);
  });

  it('Ctrl+C while building: exit 0 at once, no failure reported, no build left running', async () => {
    const { root } = workspace();
    const building = start(root, { BUILD_MS: '60000' });
    await building.line(/^Building the dashboard and the server…$/);
    // Both stand-in builds have started once both have written their pid.
    const pidFiles = ['apps/web/build.pid', 'apps/server/build.pid'].map((p) => join(root, p));
    for (let i = 0; i < 150 && !pidFiles.every((f) => existsSync(f)); i++) await new Promise((r) => setTimeout(r, 100));
    const pids = pidFiles.map((f) => Number(readFileSync(f, 'utf8')));
    const t0 = Date.now();
    await interrupt(building);
    expect(Date.now() - t0).toBeLessThan(10_000);
    for (const pid of pids) expect(await gone(pid)).toBe(true);
  });
});
