// pnpm docs:check  - fails (exit 1) when an excerpt or generated block in the chapters is out of
//                    date, names a region that does not exist, or a region marker is unbalanced;
//                    when a chapter exists in one language only; or when a translation quotes
//                    other regions, generated blocks, widgets or diagrams than the English, or
//                    in another order (languages.ts).
// pnpm docs:sync   - rewrites every block of both languages from the source and the generators
//                    (`pnpm docs:sync docs/zh-CN/10-running.md` rewrites only the chapters named).
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DocsError, extractRegions, findBlocks, syncMarkdown, type Problem } from './regions.ts';
import { LANGUAGE_DIRS, LANGUAGES, checkTranslations, inLanguage, type Generated, type Language } from './languages.ts';
import type { Generator } from './generators.ts';

export interface RunOptions {
  root: string;
  /** Directory of the English chapters, relative to root; translations are in its LANGUAGE_DIRS. */
  docsDir: string;
  write: boolean;
  /** With write: rewrite only these chapters (paths relative to docsDir); all of them when absent. */
  only?: string[];
  generators: Record<string, Generator>;
}

export interface RunResult {
  problems: Problem[];
  stale: Problem[];
  /** Rewritten chapters, relative to docsDir (zh-CN/01-x.md for a translation). */
  written: string[];
}

/** A chapter's path relative to docsDir. */
const chapterPath = (language: Language, name: string): string => (LANGUAGE_DIRS[language] ? `${LANGUAGE_DIRS[language]}/${name}` : name);

function readChapters(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) out.set(name, readFileSync(join(dir, name), 'utf8'));
  return out;
}

export async function runDocs(options: RunOptions): Promise<RunResult> {
  const { root, write, generators } = options;
  const dir = join(root, options.docsDir);
  const chapters = Object.fromEntries(LANGUAGES.map((l) => [l, readChapters(join(dir, LANGUAGE_DIRS[l]))])) as Record<Language, Map<string, string>>;
  const all = LANGUAGES.flatMap((language) => [...chapters[language]].map(([name, text]) => ({ language, name, path: chapterPath(language, name), text })));

  // Run each generator a chapter uses, once, for both languages.
  // null: the generator failed (reported once); its blocks keep what they hold.
  const generated = new Map<string, Generated | null>();
  const generatorErrors: Problem[] = [];
  for (const { path, text } of all) {
    let blocks;
    try {
      blocks = findBlocks(text, path);
    } catch {
      continue; // reported by syncMarkdown below
    }
    for (const b of blocks) {
      if (b.kind !== 'generated' || generated.has(b.name) || !generators[b.name]) continue;
      try {
        generated.set(b.name, await generators[b.name]!(root));
      } catch (err) {
        generatorErrors.push({ doc: `${options.docsDir}/${path}`, line: b.line, message: `generator "${b.name}" failed: ${(err as Error).message}` });
        generated.set(b.name, null);
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

  const problems: Problem[] = [...generatorErrors, ...checkTranslations(chapters, (l, name) => `${options.docsDir}/${chapterPath(l, name)}`)];
  const stale: Problem[] = [];
  const written: string[] = [];
  for (const { language, path, text } of all) {
    const result = syncMarkdown(text, `${options.docsDir}/${path}`, {
      regions,
      generated: (g) => {
        const out = generated.get(g);
        return out === undefined || out === null ? out : inLanguage(out, language);
      },
    });
    problems.push(...result.problems);
    stale.push(...result.stale);
    if (write && result.text !== text && (!options.only || options.only.includes(path))) {
      writeFileSync(join(dir, path), result.text);
      written.push(path);
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
    console.error('usage: excerpts.ts --check | --write [docs/chapter.md ...]');
    process.exit(2);
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  // Chapters named on the command line (docs/zh-CN/10-running.md): only those are rewritten.
  const named = args.filter((a) => !a.startsWith('--')).map((a) => relative(join(root, 'docs'), resolve(process.env.INIT_CWD ?? process.cwd(), a)));
  const { GENERATORS } = await import('./generators.ts');
  const result = await runDocs({ root, docsDir: 'docs', write, generators: GENERATORS, ...(named.length ? { only: named } : {}) });
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
