// `pnpm start`: build what changed, quietly, then run the server in this
// process. The root script is `exec node …`: pnpm's shell would otherwise be
// killed by the Ctrl+C it passes on, and pnpm would call that a failure; with
// exec, Ctrl+C reaches this process alone, and the server exits 0.
// `pnpm build` (CI) still builds everything, loudly.
import { spawn, type ChildProcess } from 'node:child_process';
import { utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isStale, startTargets, type BuildTarget } from './build-state.ts';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** pnpm itself: the one running this script when there is one. */
function pnpmCommand(): { command: string; prefix: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath && /\.[cm]?js$/.test(execPath)) return { command: process.execPath, prefix: [execPath] };
  return { command: execPath || 'pnpm', prefix: [] };
}

const builds = new Set<ChildProcess>();

/** Runs the package's build script with its output held back; resolves to that output when it fails. */
function build(target: BuildTarget): Promise<string | null> {
  const { command, prefix } = pnpmCommand();
  const child = spawn(command, [...prefix, '--filter', target.filter, 'run', 'build'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32' && command === 'pnpm',
  });
  builds.add(child);
  child.once('exit', () => builds.delete(child));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve) => {
    child.on('error', (err) => resolve(`${output}${err.message}\n`));
    child.on('close', (code) => resolve(code === 0 ? null : output));
  });
}

// Until the server has its own handlers (main.ts installs them before it
// listens), Ctrl+C ends the start quietly, and any build with it.
const quit = (): void => {
  for (const child of builds) child.kill('SIGINT');
  process.exit(0);
};
process.on('SIGINT', quit);
process.on('SIGTERM', quit);

const stale = startTargets(root).filter(isStale);
if (stale.length > 0) {
  console.log(`Building ${stale.map((t) => t.name).join(' and ')}…`);
  const startedAt = new Date();
  const failures = await Promise.all(stale.map(build));
  let failed = false;
  stale.forEach((target, i) => {
    const output = failures[i];
    if (output === null || output === undefined) {
      // Dated from the start of the build: a source edited while it ran stays newer.
      utimesSync(target.output, startedAt, startedAt);
      return;
    }
    failed = true;
    console.error(`\nBuilding ${target.name} failed (pnpm --filter ${target.filter} build):\n\n${output.trimEnd()}\n`);
  });
  if (failed) process.exit(1);
}

// Resolves once the server listens and has printed its URLs.
await import(pathToFileURL(join(root, 'apps/server/dist/main.js')).href);
process.off('SIGINT', quit);
process.off('SIGTERM', quit);
