import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDocs } from './excerpts.ts';
import { DocsError, extractRegions, findBlocks, renderExcerpt, syncMarkdown } from './regions.ts';

const SOURCE = [
  'const a = 1;',
  '  // #region outer',
  '  function f() {',
  '    // #region inner',
  '    return 2;',
  '    // #endregion inner',
  '  }',
  '  // #endregion outer',
  '',
].join('\n');

describe('extractRegions', () => {
  it('returns each region dedented, nested markers left out', () => {
    const regions = extractRegions(SOURCE, 'x.ts');
    expect(regions.get('outer')).toBe('function f() {\n  return 2;\n}');
    expect(regions.get('inner')).toBe('return 2;');
    expect(regions.size).toBe(2);
  });

  it('rejects an #endregion without its #region', () => {
    expect(() => extractRegions('// #endregion lost\n', 'x.ts')).toThrow(/x.ts:1: "#endregion lost" has no matching/);
  });

  it('rejects a region that is never closed', () => {
    expect(() => extractRegions('a\n// #region open\nb\n', 'x.ts')).toThrow(DocsError);
    expect(() => extractRegions('a\n// #region open\nb\n', 'x.ts')).toThrow(/x.ts:2: region "open" is never closed/);
  });

  it('rejects a region opened twice', () => {
    expect(() => extractRegions('// #region a\n// #endregion a\n// #region a\n// #endregion a\n', 'x.ts')).toThrow(/opened twice/);
  });
});

describe('findBlocks', () => {
  it('finds excerpts and generated blocks with their lines', () => {
    const md = 'intro\n<!-- excerpt: src/x.ts#outer -->\nold\n<!-- /excerpt -->\n\n<!-- generated: table -->\n<!-- /generated -->\n';
    const blocks = findBlocks(md, 'c.md');
    expect(blocks.map((b) => [b.kind, b.line])).toEqual([['excerpt', 2], ['generated', 6]]);
    expect(blocks[0]).toMatchObject({ file: 'src/x.ts', region: 'outer', inner: '\nold\n' });
  });

  it('rejects a block without its closing marker', () => {
    expect(() => findBlocks('<!-- excerpt: a.ts#r -->\n<!-- generated: g -->\n<!-- /generated -->', 'c.md')).toThrow(/c.md:1: "excerpt: a.ts#r" has no "<!-- \/excerpt -->"/);
  });
});

describe('syncMarkdown', () => {
  const resolvers = {
    regions: (file: string) => {
      if (file !== 'src/x.ts') throw new DocsError(`cannot read ${file}`);
      return extractRegions(SOURCE, file);
    },
    generated: (name: string) => (name === 'table' ? '| a |\n|---|' : undefined),
  };

  it('fills blocks and reports them stale until they match', () => {
    const md = 'x\n<!-- excerpt: src/x.ts#inner -->\n<!-- /excerpt -->\n<!-- generated: table -->\n<!-- /generated -->\n';
    const first = syncMarkdown(md, 'c.md', resolvers);
    expect(first.problems).toEqual([]);
    expect(first.stale.map((s) => s.message)).toEqual([
      'excerpt src/x.ts#inner is out of date (run pnpm docs:sync)',
      'generated block "table" is out of date (run pnpm docs:sync)',
    ]);
    expect(first.text).toContain(renderExcerpt('src/x.ts', 'inner', 'return 2;'));
    expect(first.text).toContain('\n| a |\n|---|\n<!-- /generated -->');
    const second = syncMarkdown(first.text, 'c.md', resolvers);
    expect(second.stale).toEqual([]);
    expect(second.text).toBe(first.text);
  });

  it('reports a missing region, a missing file and an unknown generator by name', () => {
    const md = '<!-- excerpt: src/x.ts#gone -->\n<!-- /excerpt -->\n<!-- excerpt: src/y.ts#a -->\n<!-- /excerpt -->\n<!-- generated: nope -->\n<!-- /generated -->';
    const { problems } = syncMarkdown(md, 'c.md', resolvers);
    expect(problems.map((p) => `${p.line} ${p.message}`)).toEqual([
      '1 excerpt names region "gone" that does not exist in src/x.ts',
      '3 cannot read src/y.ts',
      '5 no generator named "nope"',
    ]);
  });
});

describe('runDocs on a temporary repository', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'wirebench-docs-'));
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'src', 'code.ts'), SOURCE);
    writeFileSync(join(root, 'docs', '01-a.md'), '# A\n<!-- excerpt: src/code.ts#inner -->\n<!-- /excerpt -->\n<!-- generated: two -->\n<!-- /generated -->\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const generators = { two: () => String(1 + 1) };

  it('check finds stale blocks, write fixes them, check then passes', async () => {
    const check1 = await runDocs({ root, docsDir: 'docs', write: false, generators });
    expect(check1.stale).toHaveLength(2);
    expect(check1.written).toEqual([]);
    const write = await runDocs({ root, docsDir: 'docs', write: true, generators });
    expect(write.written).toEqual(['01-a.md']);
    expect(readFileSync(join(root, 'docs', '01-a.md'), 'utf8')).toContain('return 2;');
    const check2 = await runDocs({ root, docsDir: 'docs', write: false, generators });
    expect(check2.stale).toEqual([]);
    expect(check2.problems).toEqual([]);
  });

  it('a changed source makes the excerpt stale', async () => {
    await runDocs({ root, docsDir: 'docs', write: true, generators });
    writeFileSync(join(root, 'src', 'code.ts'), SOURCE.replace('return 2;', 'return 3;'));
    const check = await runDocs({ root, docsDir: 'docs', write: false, generators });
    expect(check.stale.map((s) => `${s.doc}:${s.line} ${s.message}`)).toEqual([
      'docs/01-a.md:2 excerpt src/code.ts#inner is out of date (run pnpm docs:sync)',
    ]);
  });

  it('a deleted region and an unbalanced marker are problems naming file and region', async () => {
    writeFileSync(join(root, 'src', 'code.ts'), 'const x = 1;\n');
    let check = await runDocs({ root, docsDir: 'docs', write: false, generators });
    expect(check.problems.map((p) => p.message)).toEqual(['excerpt names region "inner" that does not exist in src/code.ts']);
    writeFileSync(join(root, 'src', 'code.ts'), '// #region inner\nreturn 2;\n');
    check = await runDocs({ root, docsDir: 'docs', write: false, generators });
    expect(check.problems.map((p) => p.message)).toEqual(['src/code.ts:1: region "inner" is never closed (no "#endregion inner")']);
  });

  it('a failing generator is reported with its name', async () => {
    const check = await runDocs({ root, docsDir: 'docs', write: false, generators: { two: () => { throw new Error('boom'); } } });
    expect(check.problems.map((p) => p.message)).toEqual(['generator "two" failed: boom']);
  });
});
