// Whether `pnpm start` must build first. By modification time, not by hash:
// a target is stale when its output is missing or older than the newest of its
// sources. A checkout or an edit only makes sources newer, so the one way to
// fool it is a copy that keeps old times (`cp -p`, an archive): `pnpm build`
// then builds by hand.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface BuildTarget {
  /** What the newcomer is told is being built. */
  name: string;
  /** The workspace package whose `build` script makes it. */
  filter: string;
  /** A file every successful build writes. */
  output: string;
  /** Files and folders it is built from; missing ones are skipped. */
  sources: string[];
}

// Never sources: installed packages, build outputs, editor and git state.
const SKIPPED = new Set(['node_modules', 'dist', 'test-results']);

/** The newest modification time under the given paths, in ms (0 when there are none). */
export function newestMtime(paths: string[]): number {
  let newest = 0;
  const visit = (path: string): void => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (!stat.isDirectory()) {
      newest = Math.max(newest, stat.mtimeMs);
      return;
    }
    for (const entry of readdirSync(path)) {
      if (!SKIPPED.has(entry) && !entry.startsWith('.')) visit(join(path, entry));
    }
  };
  for (const path of paths) visit(path);
  return newest;
}

export function isStale(target: Pick<BuildTarget, 'output' | 'sources'>): boolean {
  let built: number;
  try {
    built = statSync(target.output).mtimeMs;
  } catch {
    return true;
  }
  return newestMtime(target.sources) > built;
}

/** The two builds `pnpm start` serves, relative to the workspace root. */
export function startTargets(root: string): BuildTarget[] {
  const at = (...parts: string[]) => join(root, ...parts);
  const transports = [at('packages/transports/src'), at('packages/transports/package.json')];
  const lockfile = at('pnpm-lock.yaml');
  return [
    {
      name: 'the dashboard',
      filter: '@wirebench/web',
      output: at('apps/web/dist/index.html'),
      sources: [
        at('apps/web/src'),
        at('apps/web/public'),
        at('apps/web/index.html'),
        at('apps/web/vite.config.ts'),
        at('apps/web/package.json'),
        // The docs view bundles the chapters (docs/*.md).
        at('docs'),
        ...transports,
        lockfile,
      ],
    },
    {
      name: 'the server',
      filter: '@wirebench/server',
      output: at('apps/server/dist/main.js'),
      sources: [at('apps/server/src'), at('apps/server/package.json'), ...transports, lockfile],
    },
  ];
}
