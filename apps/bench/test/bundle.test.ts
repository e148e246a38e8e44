import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { htmlEntries, initialJsGraph, measureBundle, parseAttributes, resolveInDist, staticImports } from '../src/scenarios/dashboard/bundle.ts';

describe('htmlEntries', () => {
  it('finds module scripts, module preloads and stylesheets in document order', () => {
    const html = `<!doctype html><html><head>
      <script type="module" crossorigin src="/assets/index-A.js"></script>
      <link rel="modulepreload" crossorigin href="/assets/runtime-B.js">
      <link rel=modulepreload href='/assets/vendor-C.js'>
      <link rel="stylesheet" href="/assets/index-D.css">
      <link rel="icon" href="data:,">
    </head><body><div id="root"></div></body></html>`;
    expect(htmlEntries(html)).toEqual({
      moduleScripts: ['/assets/index-A.js'],
      inlineModules: [],
      modulePreloads: ['/assets/runtime-B.js', '/assets/vendor-C.js'],
      stylesheets: ['/assets/index-D.css'],
    });
  });

  it('skips classic scripts, commented-out tags and links without href', () => {
    const html = `<script src="/classic.js"></script>
      <!-- <script type="module" src="/commented.js"></script> -->
      <script type="text/javascript" src="/also-classic.js"></script>
      <link rel="modulepreload">
      <SCRIPT TYPE="MODULE" SRC="/upper.js"></SCRIPT>`;
    const e = htmlEntries(html);
    expect(e.moduleScripts).toEqual(['/upper.js']);
    expect(e.modulePreloads).toEqual([]);
  });

  it('keeps the text of inline module scripts, and does not read tags inside a script body as tags', () => {
    const html = `<script type="module">import './boot.js'; const s = '<script type="module" src="/not-a-tag.js">';</script>`;
    const e = htmlEntries(html);
    expect(e.moduleScripts).toEqual([]);
    expect(e.inlineModules).toHaveLength(1);
    expect(e.inlineModules[0]).toContain("import './boot.js'");
  });

  it('parses quoted, unquoted and valueless attributes, decoding entities', () => {
    const a = parseAttributes(` type="module" src='/a&amp;b.js' defer data-x=1`);
    expect(a.get('type')).toBe('module');
    expect(a.get('src')).toBe('/a&b.js');
    expect(a.get('defer')).toBe('');
    expect(a.get('data-x')).toBe('1');
  });
});

describe('staticImports', () => {
  it('finds minified static imports, bare imports and re-exports', async () => {
    const src = `import{t as e}from"./runtime.js";import"./side.js";export{a}from"./a.js";export*from"./b.js";import * as ns from './c.js';`;
    expect(await staticImports(src)).toEqual(['./runtime.js', './side.js', './a.js', './b.js', './c.js']);
  });

  it('leaves out dynamic import(), import.meta and the word import inside strings and comments', async () => {
    const src = [
      `import{x}from"./static.js";`,
      `const lazy=()=>import("./lazy.js");`,
      `const u=new URL("./asset.png",import.meta.url);`,
      `const s="import {y} from './in-string.js'";`,
      `// import './in-comment.js'`,
      `const t=\`import "./in-template.js"\`;`,
    ].join('\n');
    expect(await staticImports(src)).toEqual(['./static.js']);
  });

  it('finds nothing in a module without imports', async () => {
    expect(await staticImports('export const a = 1;')).toEqual([]);
  });
});

describe('resolveInDist', () => {
  it('resolves root-absolute and relative specifiers the way a browser would', () => {
    expect(resolveInDist('/assets/a.js', 'index.html')).toBe('assets/a.js');
    expect(resolveInDist('./assets/a.js', 'index.html')).toBe('assets/a.js');
    expect(resolveInDist('./b.js', 'assets/a.js')).toBe('assets/b.js');
    expect(resolveInDist('../lib/c.js', 'assets/deep/a.js')).toBe('assets/lib/c.js');
    expect(resolveInDist('./d.js?v=3#x', 'assets/a.js')).toBe('assets/d.js');
    expect(resolveInDist('./with%20space.js', 'assets/a.js')).toBe('assets/with space.js');
  });
  it('returns null for other origins and bare specifiers', () => {
    expect(resolveInDist('https://cdn.example/x.js', 'index.html')).toBeNull();
    expect(resolveInDist('react', 'assets/a.js')).toBeNull();
  });
});

describe('initialJsGraph and measureBundle on a built-app fixture', () => {
  let dir: string;
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const gz = (text: string): number => gzipSync(Buffer.from(text), { level: 9 }).length;

  const files: Record<string, string> = {
    'index.html': `<!doctype html><head>
      <script type="module" crossorigin src="/assets/index.js"></script>
      <link rel="modulepreload" crossorigin href="/assets/runtime.js">
      <link rel="stylesheet" href="/assets/index.css">
      <script type="module">import "/assets/boot.js";</script>
    </head>`,
    'assets/index.js': `import{r}from"./runtime.js";import{a}from"./shared/a.js";import"https://cdn.example/analytics.js";const docs=()=>import("./docs.js");console.log(r,a,docs);`,
    'assets/runtime.js': `export const r=1;`,
    'assets/shared/a.js': `import{b}from"../b.js";export const a=b+1;`,
    // a cycle back to a.js must not loop
    'assets/b.js': `import"./shared/a.js";export const b=2;`,
    'assets/boot.js': `export const boot=true;`,
    'assets/docs.js': `import{m}from"./mermaid.js";export const docs=m;`,
    'assets/mermaid.js': `export const m="${'x'.repeat(5000)}";`,
    'assets/index.css': `body{margin:0}`,
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wirebench-bundle-'));
    for (const [p, t] of Object.entries(files)) write(p, t);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('follows static imports from the HTML entries, once per file, and leaves out lazy chunks', async () => {
    const g = await initialJsGraph(dir);
    expect(g.files.map((f) => [f.path, f.reason])).toEqual([
      ['assets/index.js', 'module script'],
      ['assets/runtime.js', 'modulepreload'],
      ['assets/boot.js', 'inline module import'],
      ['assets/shared/a.js', 'imported by assets/index.js'],
      ['assets/b.js', 'imported by assets/shared/a.js'],
    ]);
    expect(g.external).toEqual(['https://cdn.example/analytics.js']);
  });

  it('measures each file in bytes and gzip level 9 bytes', async () => {
    const g = await initialJsGraph(dir);
    for (const f of g.files) {
      expect(f.bytes).toBe(Buffer.byteLength(files[f.path]!));
      expect(f.gzipBytes).toBe(gz(files[f.path]!));
    }
  });

  it('sums the initial files, reports all chunks and the linked CSS, and compares with the budget', async () => {
    const initialPaths = ['assets/index.js', 'assets/runtime.js', 'assets/boot.js', 'assets/shared/a.js', 'assets/b.js'];
    const initialGzip = initialPaths.reduce((s, p) => s + gz(files[p]!), 0);
    const allJs = Object.keys(files).filter((p) => p.endsWith('.js'));

    const r = await measureBundle(dir, initialGzip);
    expect(r.initial.gzipBytes).toBe(initialGzip);
    expect(r.initial.bytes).toBe(initialPaths.reduce((s, p) => s + Buffer.byteLength(files[p]!), 0));
    expect(r.met).toBe(true);
    expect(r.allJs.files).toBe(allJs.length);
    expect(r.allJs.gzipBytes).toBe(allJs.reduce((s, p) => s + gz(files[p]!), 0));
    expect(r.allJs.bytes).toBeGreaterThan(r.initial.bytes + 5000);
    expect(r.initialCss.files.map((f) => f.path)).toEqual(['assets/index.css']);
    expect(r.initialCss.gzipBytes).toBe(gz(files['assets/index.css']!));

    expect((await measureBundle(dir, initialGzip - 1)).met).toBe(false);
  });

  it('fails loudly when the HTML or an import names a file that is not in dist', async () => {
    write('assets/shared/a.js', `import"./missing.js";export const a=1;`);
    await expect(initialJsGraph(dir)).rejects.toThrow(/missing\.js.*not a file/);
  });

  it('stays inside dist: dot segments clamp at the root, encoded slashes are refused', async () => {
    write('index.html', `<script type="module" src="../../outside.js"></script>`);
    // URL resolution clamps "../" at the root, so this names dist/outside.js, which does not exist.
    await expect(initialJsGraph(dir)).rejects.toThrow(/outside\.js.*not a file/);
    write('index.html', `<script type="module" src="/assets%2F..%2F..%2Foutside.js"></script>`);
    await expect(initialJsGraph(dir)).rejects.toThrow(/points outside/);
  });
});
