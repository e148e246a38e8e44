// STYLE §1: the protocol core does no I/O. This test reads the source of src/ws, src/polling
// and src/sse and fails on imports of sockets, HTTP, streams, fastify or ws, on node:crypto
// outside ws/handshake.ts, and on Node's Buffer or DOM globals. And the browser-safe half of
// the WebSocket core (its entry, index.ts, with the handshake's rules) and the SSE encoding
// reach nothing of Node; node:zlib enters through the adapter ws/zlib.ts alone.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcRoot = join(dirname(fileURLToPath(import.meta.url)), '../../src');

const FORBIDDEN = [/^(node:)?net$/, /^(node:)?http$/, /^(node:)?https$/, /^(node:)?stream(\/.*)?$/, /^fastify$/, /^@fastify\//, /^ws$/];
const CRYPTO = /^(node:)?crypto$/;

function sourceFiles(folder: string): string[] {
  const dir = join(srcRoot, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name));
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function importedModules(source: string): string[] {
  const code = stripComments(source);
  const found: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[\w*{}\s,]+\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[\w*{}\s,]+\s+from\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[1]!);
  return found;
}

function violations(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const code = stripComments(source);
  const problems: string[] = [];
  for (const spec of importedModules(source)) {
    if (FORBIDDEN.some((re) => re.test(spec))) problems.push(`imports ${spec}`);
    if (CRYPTO.test(spec) && !file.endsWith(join('ws', 'handshake.ts'))) problems.push(`imports ${spec}`);
  }
  if (/\bBuffer\b/.test(code)) problems.push('uses Buffer');
  if (/\b(window|document|XMLHttpRequest)\b/.test(code)) problems.push('uses a DOM global');
  return problems;
}

describe('1. the protocol core does no I/O', () => {
  const files = [...sourceFiles('ws'), ...sourceFiles('polling'), ...sourceFiles('sse')];

  it('finds the core source files', () => {
    expect(files.some((f) => f.endsWith(join('ws', 'decoder.ts')))).toBe(true);
    expect(files.some((f) => f.endsWith(join('ws', 'handshake.ts')))).toBe(true);
    expect(files.some((f) => f.endsWith(join('sse', 'encode.ts')))).toBe(true);
  });

  it.each(files.map((f) => [f.slice(srcRoot.length + 1), f]))('%s imports no I/O module', (_name, file) => {
    expect(violations(file)).toEqual([]);
  });

  it('the scanner itself catches what it should', () => {
    expect(importedModules(`import net from 'node:net';\nimport { x } from "ws";\nexport * from './a.ts';\nconst c = await import('fastify');`)).toEqual([
      'node:net',
      'ws',
      './a.ts',
      'fastify',
    ]);
    expect(importedModules(`// import net from 'node:net'`)).toEqual([]);
    expect(FORBIDDEN.some((re) => re.test('node:stream/web'))).toBe(true);
    expect(FORBIDDEN.some((re) => re.test('./wsx.ts'))).toBe(false);
  });

});

const NODE_BUILTINS = new Set(builtinModules);

function isNodeModule(spec: string): boolean {
  return spec.startsWith('node:') || NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(spec.split('/')[0]!);
}

/** Every source file `entry` reaches through relative imports, itself included, with what each imports. */
function importClosure(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const specs = importedModules(readFileSync(file, 'utf8'));
    seen.set(file, specs);
    for (const spec of specs) if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
  };
  visit(entry);
  return seen;
}

/** The Node modules a file's import closure reaches, as "file: module". */
function nodeImports(entry: string): string[] {
  const found: string[] = [];
  for (const [file, specs] of importClosure(entry)) {
    for (const spec of specs) if (isNodeModule(spec)) found.push(`${file.slice(srcRoot.length + 1)}: ${spec}`);
  }
  return found;
}

describe('1. the browser-safe half of the WebSocket core imports nothing from Node', () => {
  const ws = (name: string) => join(srcRoot, 'ws', name);

  it('the handshake\'s rules (GUID, key, checks, with SHA-1 passed in) import nothing from Node, directly or not', () => {
    expect(importClosure(ws('handshake-rules.ts')).size).toBeGreaterThan(1);
    expect(nodeImports(ws('handshake-rules.ts'))).toEqual([]);
  });

  it('the browser entry reaches every file of the core but handshake.ts and zlib.ts, and nothing from Node', () => {
    const reached = [...importClosure(ws('index.ts')).keys()].map((f) => f.slice(srcRoot.length + 1)).sort();
    const all = sourceFiles('ws').map((f) => f.slice(srcRoot.length + 1)).sort();
    const nodeOnly = [join('ws', 'handshake.ts'), join('ws', 'zlib.ts')];
    expect(reached).toEqual(all.filter((f) => !nodeOnly.includes(f)));
    expect(nodeImports(ws('index.ts'))).toEqual([]);
  });

  it('node:crypto comes in through handshake.ts alone, which is where the rule would catch it', () => {
    expect(nodeImports(ws('handshake.ts'))).toEqual([`${join('ws', 'handshake.ts')}: node:crypto`]);
  });

  it('node:zlib comes in through zlib.ts alone, the Node adapter behind DeflateEngine (./ws/zlib)', () => {
    expect(nodeImports(ws('zlib.ts'))).toEqual([`${join('ws', 'zlib.ts')}: node:zlib`]);
    const core = sourceFiles('ws').filter((f) => !f.endsWith(join('ws', 'zlib.ts')));
    for (const file of core) expect(importedModules(readFileSync(file, 'utf8')).filter((spec) => /zlib/.test(spec))).toEqual([]);
  });

  it('the check sees a Node module however it is named', () => {
    for (const spec of ['node:crypto', 'crypto', 'fs/promises', 'node:fs/promises']) expect(isNodeModule(spec)).toBe(true);
    for (const spec of ['./handshake-rules.ts', 'fast-check', '@wirebench/transports/ws']) expect(isNodeModule(spec)).toBe(false);
  });
});

describe('1. the SSE encoding imports nothing from Node', () => {
  it('its entry reaches every file of src/sse, and nothing from Node', () => {
    const entry = join(srcRoot, 'sse', 'index.ts');
    const reached = [...importClosure(entry).keys()].sort();
    expect(reached).toEqual(sourceFiles('sse').sort());
    expect(nodeImports(entry)).toEqual([]);
  });
});
