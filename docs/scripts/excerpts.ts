// pnpm docs:check  - fails (exit 1) when an excerpt or generated block in docs/*.md is out of
//                    date, names a region that does not exist, or a region marker is unbalanced.
// pnpm docs:sync   - rewrites every block from the source and the generators.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DocsError, extractRegions, findBlocks, syncMarkdown, type Problem } from './regions.ts';
import type { Generator } from './generators.ts';

export interface RunOptions {
  root: string;
  /** Directory of the chapters, relative to root. */
  docsDir: string;
  write: boolean;
  generators: Record<string, Generator>;
}

export interface RunResult {
  problems: Problem[];
  stale: Problem[];
  written: string[];
}

export async function runDocs(options: RunOptions): Promise<RunResult> {
  const { root, write, generators } = options;
  const dir = join(root, options.docsDir);
  const chapters = readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
  const sources = new Map<string, string>();
  for (const name of chapters) sources.set(name, readFileSync(join(dir, name), 'utf8'));

  // Run each generator a chapter uses, once.
  const generated = new Map<string, string>();
  const generatorErrors: Problem[] = [];
  for (const [name, text] of sources) {
    let blocks;
    try {
      blocks = findBlocks(text, name);
    } catch {
      continue; // reported by syncMarkdown below
    }
    for (const b of blocks) {
      if (b.kind !== 'generated' || generated.has(b.name) || !generators[b.name]) continue;
      try {
        generated.set(b.name, await generators[b.name]!(root));
      } catch (err) {
        generatorErrors.push({ doc: name, line: b.line, message: `generator "${b.name}" failed: ${(err as Error).message}` });
        generated.set(b.name, b.inner);
      }
    }
  }

  const regionCache = new Map<string, Map<string, string> | DocsError>();
  const regions = (file: string): Map<string, string> => {
    if (!regionCache.has(file)) {
      const path = resolve(root, file);
      if (!path.startsWith(resolve(root) + '/')) throw new DocsError(`excerpt path ${file} is outside the repository`);
      let result: Map<string, string> | DocsError;
      try {
        result = extractRegions(readFileSync(path, 'utf8'), file);
      } catch (err) {
        result = err instanceof DocsError ? err : new DocsError(`cannot read ${file}: ${(err as Error).message}`);
      }
      regionCache.set(file, result);
    }
    const hit = regionCache.get(file)!;
    if (hit instanceof DocsError) throw hit;
    return hit;
  };

  const problems: Problem[] = [...generatorErrors];
  const stale: Problem[] = [];
  const written: string[] = [];
  for (const [name, text] of sources) {
    const result = syncMarkdown(text, `${options.docsDir}/${name}`, {
      regions,
      generated: (g) => generated.get(g),
    });
    problems.push(...result.problems);
    stale.push(...result.stale);
    if (write && result.text !== text) {
      writeFileSync(join(dir, name), result.text);
      written.push(name);
    }
  }
  return { problems, stale, written };
}

function format(p: Problem): string {
  return `  ${p.doc}:${p.line}: ${p.message}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  if (!write && !args.includes('--check')) {
    console.error('usage: excerpts.ts --check | --write');
    process.exit(2);
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const { GENERATORS } = await import('./generators.ts');
  const result = await runDocs({ root, docsDir: 'docs', write, generators: GENERATORS });
  if (result.problems.length) {
    console.error(`docs: ${result.problems.length} problem(s):\n${result.problems.map(format).join('\n')}`);
  }
  if (write) {
    console.log(result.written.length ? `docs: rewrote ${result.written.join(', ')}` : 'docs: every block was up to date');
  } else if (result.stale.length) {
    console.error(`docs: ${result.stale.length} block(s) out of date:\n${result.stale.map(format).join('\n')}`);
  } else if (!result.problems.length) {
    console.log('docs: every excerpt and generated block is up to date');
  }
  process.exit(result.problems.length || (!write && result.stale.length) ? 1 : 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
