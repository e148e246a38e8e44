// What the browser must download before the dashboard can run: the module scripts and
// module preloads named in the built index.html, plus every chunk those reach through
// static `import` / `export … from` statements, followed transitively. Dynamic `import()`
// (the Docs view, markdown, mermaid) is lazy and left out. Each file is gzipped with
// node:zlib at level 9, as Vite's build report does, and the sizes are summed.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ImportType, init as lexerReady, parse as parseModule } from 'es-module-lexer';

/** The dashboard issue's budget: 250 KB gzipped, KB = 1000 bytes as in Vite's report. */
export const INITIAL_JS_BUDGET_BYTES = 250_000;

// ---------------------------------------------------------------- index.html

export interface HtmlEntries {
  /** `src` of every `<script type="module" src>`, in document order. */
  moduleScripts: string[];
  /** Source text of inline `<script type="module">` elements (their static imports load at once too). */
  inlineModules: string[];
  /** `href` of every `<link rel="modulepreload">`. */
  modulePreloads: string[];
  /** `href` of every `<link rel="stylesheet">` (reported for information, not JS). */
  stylesheets: string[];
}

/** Attributes of one start tag's inside (`type="module" src=/a.js defer`), names lower-cased. */
export function parseAttributes(inside: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const re = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  for (let m = re.exec(inside); m; m = re.exec(inside)) {
    const name = m[1]!.toLowerCase();
    if (!attrs.has(name)) attrs.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return attrs;
}

function decodeEntities(s: string): string {
  return s.replace(/&(amp|quot|#39|apos|lt|gt);/g, (_, e: string) => ({ amp: '&', quot: '"', '#39': "'", apos: "'", lt: '<', gt: '>' })[e]!);
}

/**
 * The entries a browser loads from an HTML document before any user action. Comments are
 * skipped; a classic (non-module) script is not an ES module entry and is left out.
 */
export function htmlEntries(html: string): HtmlEntries {
  const out: HtmlEntries = { moduleScripts: [], inlineModules: [], modulePreloads: [], stylesheets: [] };
  const text = html.replace(/<!--[\s\S]*?-->/g, '');
  const tag = /<(script|link)\b([^>]*)>/gi;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    const attrs = parseAttributes(m[2]!);
    if (m[1]!.toLowerCase() === 'script') {
      const close = text.toLowerCase().indexOf('</script', tag.lastIndex);
      const body = close === -1 ? '' : text.slice(tag.lastIndex, close);
      if (close !== -1) tag.lastIndex = close;
      if ((attrs.get('type') ?? '').trim().toLowerCase() !== 'module') continue;
      const src = attrs.get('src');
      if (src !== undefined && src.trim() !== '') out.moduleScripts.push(src.trim());
      else if (body.trim() !== '') out.inlineModules.push(body);
    } else {
      const rel = (attrs.get('rel') ?? '').toLowerCase().split(/\s+/);
      const href = attrs.get('href')?.trim();
      if (!href) continue;
      if (rel.includes('modulepreload')) out.modulePreloads.push(href);
      else if (rel.includes('stylesheet')) out.stylesheets.push(href);
    }
  }
  return out;
}

// ---------------------------------------------------------------- static imports

/** Static import kinds: `import … from`, `export … from`, bare `import '…'`, and the source/defer phases (fetched at once too). */
const STATIC_KINDS = new Set<ImportType>([ImportType.Static, ImportType.StaticSourcePhase, ImportType.StaticDeferPhase]);

/** The specifiers of a module's static imports and re-exports, in source order (dynamic `import()` and `import.meta` excluded). */
export async function staticImports(source: string): Promise<string[]> {
  await lexerReady;
  const [imports] = parseModule(source);
  const out: string[] = [];
  for (const im of imports) {
    if (!STATIC_KINDS.has(im.t)) continue;
    // For static imports the lexer always fills `n` (escapes decoded).
    if (im.n !== undefined) out.push(im.n);
  }
  return out;
}

// ---------------------------------------------------------------- the walk

export interface InitialFile {
  /** Path inside dist, with forward slashes (`assets/index-abc.js`). */
  path: string;
  bytes: number;
  gzipBytes: number;
  /** Why it loads: named in index.html, or the first file found importing it. */
  reason: 'module script' | 'modulepreload' | 'inline module import' | `imported by ${string}`;
}

export interface InitialGraph {
  files: InitialFile[];
  /** Specifiers that do not name a file in dist (other origins, bare names): not counted. */
  external: string[];
}

const gzipLevel9 = (buf: Buffer): number => gzipSync(buf, { level: 9 }).length;

/**
 * Resolves `specifier` as the browser would, relative to `fromPath` (a path inside dist),
 * with the page served at the root of its origin. Returns the dist-relative path, or null
 * for a URL on another origin or a bare specifier (no import map in a Vite build).
 */
export function resolveInDist(specifier: string, fromPath: string): string | null {
  const origin = 'http://dist.invalid';
  const isUrlLike = /^(\/|\.\/|\.\.\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);
  if (!isUrlLike) return null;
  let url: URL;
  try {
    url = new URL(specifier, `${origin}/${fromPath}`);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  return decodeURIComponent(url.pathname).replace(/^\/+/, '');
}

/**
 * Walks the initial JS graph of a built app: the module scripts and preloads of `index.html`,
 * the static imports of inline module scripts, and every static import from there on.
 * Throws when a file named by the HTML or an import is missing from dist.
 */
export async function initialJsGraph(distDir: string, htmlPath = 'index.html'): Promise<InitialGraph> {
  const root = resolve(distDir);
  const html = readFileSync(join(root, htmlPath), 'utf8');
  const entries = htmlEntries(html);
  const files = new Map<string, InitialFile>();
  const external: string[] = [];
  const queue: string[] = [];

  const add = (specifier: string, from: string, reason: InitialFile['reason']): void => {
    const path = resolveInDist(specifier, from);
    if (path === null) {
      if (!external.includes(specifier)) external.push(specifier);
      return;
    }
    if (files.has(path)) return;
    const abs = resolve(root, path);
    if (abs !== root && !abs.startsWith(root + sep)) throw new Error(`${specifier} (from ${from}) points outside ${root}`);
    let buf: Buffer;
    try {
      buf = readFileSync(abs);
    } catch {
      throw new Error(`${specifier} (from ${from}) is not a file in ${root}`);
    }
    files.set(path, { path, bytes: buf.length, gzipBytes: gzipLevel9(buf), reason });
    queue.push(path);
  };

  for (const src of entries.moduleScripts) add(src, htmlPath, 'module script');
  for (const href of entries.modulePreloads) add(href, htmlPath, 'modulepreload');
  for (const body of entries.inlineModules) for (const spec of await staticImports(body)) add(spec, htmlPath, 'inline module import');
  while (queue.length > 0) {
    const path = queue.shift()!;
    const source = readFileSync(resolve(root, path), 'utf8');
    for (const spec of await staticImports(source)) add(spec, path, `imported by ${path}`);
  }
  return { files: [...files.values()], external };
}

// ---------------------------------------------------------------- the report

export interface BundleReport {
  distDir: string;
  /** Modification time of dist/index.html (a --no-build run measures whatever was built last). */
  builtAt: string;
  budgetBytes: number;
  initial: { files: InitialFile[]; bytes: number; gzipBytes: number; external: string[] };
  /** Stylesheets linked from index.html, gzipped the same way (not JS: for information). */
  initialCss: { files: Array<{ path: string; bytes: number; gzipBytes: number }>; gzipBytes: number };
  /** Every .js file in dist, lazy chunks included (for information). */
  allJs: { files: number; bytes: number; gzipBytes: number };
  met: boolean;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

export async function measureBundle(distDir: string, budgetBytes = INITIAL_JS_BUDGET_BYTES): Promise<BundleReport> {
  const root = resolve(distDir);
  const graph = await initialJsGraph(root);
  const css = htmlEntries(readFileSync(join(root, 'index.html'), 'utf8'))
    .stylesheets.map((href) => resolveInDist(href, 'index.html'))
    .filter((p): p is string => p !== null)
    .map((path) => {
      const buf = readFileSync(resolve(root, path));
      return { path, bytes: buf.length, gzipBytes: gzipLevel9(buf) };
    });
  const all = listFiles(root).filter((p) => /\.m?js$/.test(p));
  let allBytes = 0;
  let allGzip = 0;
  for (const p of all) {
    const buf = readFileSync(p);
    allBytes += buf.length;
    allGzip += gzipLevel9(buf);
  }
  const gzipBytes = graph.files.reduce((s, f) => s + f.gzipBytes, 0);
  return {
    distDir: root,
    builtAt: statSync(join(root, 'index.html')).mtime.toISOString(),
    budgetBytes,
    initial: { files: graph.files, bytes: graph.files.reduce((s, f) => s + f.bytes, 0), gzipBytes, external: graph.external },
    initialCss: { files: css, gzipBytes: css.reduce((s, f) => s + f.gzipBytes, 0) },
    allJs: { files: all.length, bytes: allBytes, gzipBytes: allGzip },
    met: gzipBytes <= budgetBytes,
  };
}
