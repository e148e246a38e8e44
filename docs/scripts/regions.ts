// The pure half of the docs build: named regions in source files, and the marked blocks in
// Markdown that are filled from them (excerpts) or from code (generated blocks). No I/O here;
// excerpts.ts reads and writes the files.
//
// In a source file:      // #region accept          ...        // #endregion accept
// In a chapter:          <!-- excerpt: packages/transports/src/ws/handshake.ts#accept -->
//                        ```ts  (filled in by the script)  ```
//                        <!-- /excerpt -->
//                        <!-- generated: close-codes -->  (filled in)  <!-- /generated -->

export class DocsError extends Error {}

const REGION_LINE = /^\s*(?:\/\/|#|\/\*|\{\/\*)\s*#(region|endregion)\s+([A-Za-z0-9_.-]+)\s*(?:\*\/\}?)?\s*$/;

/** Every `#region name` … `#endregion name` of a source file, dedented, marker lines of nested regions left out. */
export function extractRegions(source: string, file: string): Map<string, string> {
  const lines = source.split(/\r?\n/);
  const open = new Map<string, number>();
  const bodies = new Map<string, string[]>();
  const done = new Set<string>();
  lines.forEach((line, index) => {
    const m = REGION_LINE.exec(line);
    if (m) {
      const [, kind, name] = m as unknown as [string, string, string];
      if (kind === 'region') {
        if (open.has(name) || done.has(name)) throw new DocsError(`${file}:${index + 1}: region "${name}" is opened twice`);
        open.set(name, index + 1);
        bodies.set(name, []);
      } else {
        if (!open.has(name)) throw new DocsError(`${file}:${index + 1}: "#endregion ${name}" has no matching "#region ${name}"`);
        open.delete(name);
        done.add(name);
      }
      return;
    }
    for (const name of open.keys()) bodies.get(name)!.push(line);
  });
  for (const [name, line] of open) {
    throw new DocsError(`${file}:${line}: region "${name}" is never closed (no "#endregion ${name}")`);
  }
  const out = new Map<string, string>();
  for (const [name, body] of bodies) out.set(name, dedent(body));
  return out;
}

function dedent(lines: string[]): string {
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  let indent = Infinity;
  for (const line of lines) {
    if (line.trim() === '') continue;
    indent = Math.min(indent, line.length - line.trimStart().length);
  }
  if (!Number.isFinite(indent)) indent = 0;
  return lines.map((l) => (l.trim() === '' ? '' : l.slice(indent))).join('\n');
}

export type Block =
  | { kind: 'excerpt'; file: string; region: string; start: number; end: number; inner: string; line: number }
  | { kind: 'generated'; name: string; start: number; end: number; inner: string; line: number };

// Markers count only on a line of their own, so a chapter can mention them in running text.
const OPEN = /^<!--\s*(excerpt|generated):\s*(\S+?)\s*-->[ \t]*$/gm;
const NEXT_OPEN = /^<!--\s*(excerpt|generated):/m;

/** The marked blocks of a chapter, in order. `start`/`end` delimit the inner text (between the markers). */
export function findBlocks(markdown: string, docName: string): Block[] {
  const blocks: Block[] = [];
  OPEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = OPEN.exec(markdown))) {
    const kind = m[1] as 'excerpt' | 'generated';
    const target = m[2]!;
    const line = markdown.slice(0, m.index).split('\n').length;
    const closeTag = `<!-- /${kind} -->`;
    const start = m.index + m[0].length;
    const closeMatch = new RegExp(`^${closeTag.replace(/[/]/g, '\\/')}[ \\t]*$`, 'm').exec(markdown.slice(start));
    const end = closeMatch ? start + closeMatch.index : -1;
    const nextOpen = markdown.slice(start).search(NEXT_OPEN);
    if (end < 0 || (nextOpen >= 0 && start + nextOpen < end)) {
      throw new DocsError(`${docName}:${line}: "${kind}: ${target}" has no "${closeTag}" before the next block`);
    }
    if (kind === 'excerpt') {
      const hash = target.lastIndexOf('#');
      if (hash <= 0 || hash === target.length - 1) {
        throw new DocsError(`${docName}:${line}: an excerpt names "path#region", got "${target}"`);
      }
      blocks.push({ kind, file: target.slice(0, hash), region: target.slice(hash + 1), start, end, inner: markdown.slice(start, end), line });
    } else {
      blocks.push({ kind, name: target, start, end, inner: markdown.slice(start, end), line });
    }
    OPEN.lastIndex = end + closeTag.length;
  }
  return blocks;
}

const LANGS: Record<string, string> = { ts: 'ts', tsx: 'tsx', js: 'js', mjs: 'js', cjs: 'js', json: 'json', py: 'python', sh: 'sh' };

/** The Markdown an excerpt block holds: a fenced listing that names its source. */
export function renderExcerpt(file: string, region: string, code: string): string {
  const ext = file.slice(file.lastIndexOf('.') + 1);
  const fence = code.includes('```') ? '````' : '```';
  return `\n${fence}${LANGS[ext] ?? ''}\n// ${file} (region "${region}")\n${code}\n${fence}\n`;
}

/** A generated block's content is wrapped so it always starts and ends on its own line. */
export function wrapGenerated(content: string): string {
  return `\n${content.trim()}\n`;
}

export interface Problem {
  doc: string;
  line: number;
  message: string;
}

export interface SyncResult {
  text: string;
  problems: Problem[];
  /** Blocks whose content differed from what they should hold. */
  stale: Problem[];
}

export interface Resolvers {
  /** The regions of a repository file, or a DocsError (file missing, unbalanced markers). */
  regions(file: string): Map<string, string>;
  /** A generated block's content; undefined when no generator has that name, null to leave the block as it is. */
  generated(name: string): string | null | undefined;
}

/** Fills every block of a chapter; reports what was missing and what was out of date. */
export function syncMarkdown(markdown: string, docName: string, resolve: Resolvers): SyncResult {
  const problems: Problem[] = [];
  const stale: Problem[] = [];
  let blocks: Block[];
  try {
    blocks = findBlocks(markdown, docName);
  } catch (err) {
    return { text: markdown, problems: [{ doc: docName, line: 0, message: (err as Error).message }], stale };
  }
  let out = '';
  let pos = 0;
  for (const block of blocks) {
    let want: string | undefined;
    if (block.kind === 'excerpt') {
      let regions: Map<string, string> | undefined;
      try {
        regions = resolve.regions(block.file);
      } catch (err) {
        problems.push({ doc: docName, line: block.line, message: (err as Error).message });
      }
      if (regions) {
        const code = regions.get(block.region);
        if (code === undefined) {
          problems.push({ doc: docName, line: block.line, message: `excerpt names region "${block.region}" that does not exist in ${block.file}` });
        } else {
          want = renderExcerpt(block.file, block.region, code);
        }
      }
    } else {
      const content = resolve.generated(block.name);
      if (content === undefined) {
        problems.push({ doc: docName, line: block.line, message: `no generator named "${block.name}"` });
      } else if (content !== null) {
        want = wrapGenerated(content);
      }
    }
    out += markdown.slice(pos, block.start);
    if (want !== undefined && want !== block.inner) {
      const what = block.kind === 'excerpt' ? `excerpt ${block.file}#${block.region}` : `generated block "${block.name}"`;
      stale.push({ doc: docName, line: block.line, message: `${what} is out of date (run pnpm docs:sync)` });
    }
    out += want ?? block.inner;
    pos = block.end;
  }
  out += markdown.slice(pos);
  return { text: out, problems, stale };
}
