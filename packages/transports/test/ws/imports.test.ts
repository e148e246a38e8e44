// STYLE §1: the protocol core does no I/O. This test reads the source of src/ws and
// src/polling and fails on imports of sockets, HTTP, streams, fastify or ws, on node:crypto
// outside the handshake, and on Node's Buffer or DOM globals.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  const files = [...sourceFiles('ws'), ...sourceFiles('polling')];

  it('finds the core source files', () => {
    expect(files.some((f) => f.endsWith(join('ws', 'decoder.ts')))).toBe(true);
    expect(files.some((f) => f.endsWith(join('ws', 'handshake.ts')))).toBe(true);
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

  it('the browser entry does not reach the handshake', () => {
    const index = readFileSync(join(srcRoot, 'ws', 'index.ts'), 'utf8');
    expect(importedModules(index).some((spec) => spec.includes('handshake'))).toBe(false);
  });
});
