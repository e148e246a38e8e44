import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDocs } from './excerpts.ts';
import { checkTranslations, skeleton } from './languages.ts';
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
    mkdirSync(join(root, 'docs', 'zh-CN'), { recursive: true });
    writeFileSync(join(root, 'src', 'code.ts'), SOURCE);
    writeFileSync(join(root, 'docs', '01-a.md'), '# A\n<!-- excerpt: src/code.ts#inner -->\n<!-- /excerpt -->\n<!-- generated: two -->\n<!-- /generated -->\n');
    writeFileSync(join(root, 'docs', 'zh-CN', '01-a.md'), '# 甲\n\n<!-- excerpt: src/code.ts#inner -->\n<!-- /excerpt -->\n说明。\n<!-- generated: two -->\n<!-- /generated -->\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const generators = { two: () => String(1 + 1) };

  it('check finds stale blocks, write fixes them, check then passes', async () => {
    const check1 = await runDocs({ root, docsDir: 'docs', write: false, generators });
    expect(check1.stale).toHaveLength(4);
    expect(check1.written).toEqual([]);
    const write = await runDocs({ root, docsDir: 'docs', write: true, generators });
    expect(write.written).toEqual(['01-a.md', 'zh-CN/01-a.md']);
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
      'docs/zh-CN/01-a.md:3 excerpt src/code.ts#inner is out of date (run pnpm docs:sync)',
    ]);
  });

  it('a deleted region and an unbalanced marker are problems naming file and region', async () => {
    writeFileSync(join(root, 'src', 'code.ts'), 'const x = 1;\n');
    let check = await runDocs({ root, docsDir: 'docs', write: false, generators });
    expect(check.problems.map((p) => `${p.doc} ${p.message}`)).toEqual([
      'docs/01-a.md excerpt names region "inner" that does not exist in src/code.ts',
      'docs/zh-CN/01-a.md excerpt names region "inner" that does not exist in src/code.ts',
    ]);
    writeFileSync(join(root, 'src', 'code.ts'), '// #region inner\nreturn 2;\n');
    check = await runDocs({ root, docsDir: 'docs', write: false, generators });
    expect(new Set(check.problems.map((p) => p.message))).toEqual(new Set(['src/code.ts:1: region "inner" is never closed (no "#endregion inner")']));
  });

  it('a failing generator is reported with its name', async () => {
    const check = await runDocs({ root, docsDir: 'docs', write: false, generators: { two: () => { throw new Error('boom'); } } });
    expect(check.problems.map((p) => p.message)).toEqual(['generator "two" failed: boom']);
  });
});

describe('two languages', () => {
  let root: string;
  const en = (name: string, text: string) => writeFileSync(join(root, 'docs', name), text);
  const zh = (name: string, text: string) => writeFileSync(join(root, 'docs', 'zh-CN', name), text);
  const read = (path: string) => readFileSync(join(root, 'docs', path), 'utf8');
  const check = async (generators: Record<string, () => string | { en: string; 'zh-CN': string }> = {}) =>
    (await runDocs({ root, docsDir: 'docs', write: false, generators })).problems.map((p) => `${p.doc}:${p.line} ${p.message}`);
  const CHAPTER = [
    '# A',
    '<!-- excerpt: src/code.ts#inner -->',
    '<!-- /excerpt -->',
    '```mermaid',
    'graph LR; a --> b',
    '```',
    '<!-- generated: table -->',
    '<!-- /generated -->',
    '```widget',
    'frame-decoder',
    '```',
    '',
  ].join('\n');

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'wirebench-docs-i18n-'));
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'docs', 'zh-CN'), { recursive: true });
    writeFileSync(join(root, 'src', 'code.ts'), SOURCE + '// #region other\nconst other = 1;\n// #endregion other\n');
    en('01-a.md', CHAPTER);
    // The translation: other prose and a translated diagram label, the same skeleton.
    zh('01-a.md', CHAPTER.replace('# A', '# 甲\n\n这是译文。').replace('a --> b', '甲 --> 乙'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const table = () => ({ en: '| step |\n|---|', 'zh-CN': '| 步骤 |\n|---|' });

  it('sync fills each language with its own rendering, the excerpt with the same code, and keeps the prose', async () => {
    const write = await runDocs({ root, docsDir: 'docs', write: true, generators: { table } });
    expect(write.problems).toEqual([]);
    expect(write.written).toEqual(['01-a.md', 'zh-CN/01-a.md']);
    expect(read('01-a.md')).toContain('\n| step |\n|---|\n<!-- /generated -->');
    expect(read('zh-CN/01-a.md')).toContain('\n| 步骤 |\n|---|\n<!-- /generated -->');
    expect(read('zh-CN/01-a.md')).not.toContain('| step |');
    for (const path of ['01-a.md', 'zh-CN/01-a.md']) expect(read(path)).toContain(renderExcerpt('src/code.ts', 'inner', 'return 2;'));
    expect(read('zh-CN/01-a.md')).toContain('# 甲\n\n这是译文。');
    expect(read('zh-CN/01-a.md')).toContain('甲 --> 乙');
    // A language-neutral generator gives both the same text.
    await runDocs({ root, docsDir: 'docs', write: true, generators: { table: () => '```json\n{}\n```' } });
    expect(read('zh-CN/01-a.md')).toContain('<!-- generated: table -->\n```json\n{}\n```\n<!-- /generated -->');
    expect(read('01-a.md')).toContain('<!-- generated: table -->\n```json\n{}\n```\n<!-- /generated -->');
  });

  it('a named chapter is the only one rewritten', async () => {
    const write = await runDocs({ root, docsDir: 'docs', write: true, only: ['zh-CN/01-a.md'], generators: { table } });
    expect(write.written).toEqual(['zh-CN/01-a.md']);
    expect(read('01-a.md')).toBe(CHAPTER);
  });

  it('fails when a chapter exists in English only', async () => {
    en('02-b.md', '# B\n');
    expect(await check({ table })).toEqual(['docs/02-b.md:0 exists in English only: docs/zh-CN/02-b.md (Simplified Chinese) is missing']);
  });

  it('fails when a chapter exists in Chinese only', async () => {
    zh('03-c.md', '# 丙\n');
    expect(await check({ table })).toEqual(['docs/zh-CN/03-c.md:0 exists in Simplified Chinese only: docs/03-c.md (English) is missing']);
  });

  it('fails when the translation quotes another region', async () => {
    zh('01-a.md', CHAPTER.replace('#inner', '#other'));
    expect(await check({ table })).toEqual([
      'docs/zh-CN/01-a.md:0 excerpt src/code.ts#inner is in docs/01-a.md (line 2) but not here',
      'docs/zh-CN/01-a.md:2 excerpt src/code.ts#other is not in docs/01-a.md',
    ]);
  });

  it('fails when the translation leaves out a generated block, a widget or a diagram', async () => {
    zh('01-a.md', CHAPTER.replace('<!-- generated: table -->\n<!-- /generated -->\n', ''));
    expect(await check({ table })).toEqual(['docs/zh-CN/01-a.md:0 generated table is in docs/01-a.md (line 7) but not here']);
    zh('01-a.md', CHAPTER.replace('```widget\nframe-decoder\n```\n', ''));
    expect(await check({ table })).toEqual(['docs/zh-CN/01-a.md:0 widget frame-decoder is in docs/01-a.md (line 9) but not here']);
    zh('01-a.md', CHAPTER.replace('```mermaid\ngraph LR; a --> b\n```\n', ''));
    expect(await check({ table })).toEqual(['docs/zh-CN/01-a.md:0 mermaid diagram is in docs/01-a.md (line 4) but not here']);
  });

  it('fails when the translation quotes a block twice', async () => {
    zh('01-a.md', `${CHAPTER}\n<!-- excerpt: src/code.ts#inner -->\n<!-- /excerpt -->\n`);
    expect(await check({ table })).toEqual(['docs/zh-CN/01-a.md:2 excerpt src/code.ts#inner is not in docs/01-a.md 2 times (there 1)']);
  });

  it('fails when the translation has the same blocks in another order', async () => {
    const swapped = CHAPTER.replace('<!-- excerpt: src/code.ts#inner -->\n<!-- /excerpt -->\n', '').replace(
      '<!-- /generated -->\n',
      '<!-- /generated -->\n<!-- excerpt: src/code.ts#inner -->\n<!-- /excerpt -->\n',
    );
    zh('01-a.md', swapped);
    expect(await check({ table })).toEqual([
      'docs/zh-CN/01-a.md:2 block 1 is mermaid diagram, but in docs/01-a.md it is excerpt src/code.ts#inner: keep the English order',
    ]);
  });

  it('fails when a Chinese paragraph is written over several lines (the newline would show as a space)', async () => {
    const prose = [
      '',
      '这一段写成了',
      '两行。',
      '',
      '- 一个列表项写成了',
      '  两行；',
      '- 下一项在自己的一行上。',
      '',
      '> 引文也是一段，',
      '> 也写成了两行。',
      '',
      '强调结束在行尾的*按钮*',
      '也算中文结尾。',
      '',
    ].join('\n');
    zh('01-a.md', CHAPTER.replace('# A', `# 甲\n${prose}`));
    expect(await check({ table })).toEqual([
      'docs/zh-CN/01-a.md:3 a Chinese paragraph goes on on line 4: write it on one line (the newline shows as a space)',
      'docs/zh-CN/01-a.md:6 a Chinese paragraph goes on on line 7: write it on one line (the newline shows as a space)',
      'docs/zh-CN/01-a.md:10 a Chinese paragraph goes on on line 11: write it on one line (the newline shows as a space)',
      'docs/zh-CN/01-a.md:13 a Chinese paragraph goes on on line 14: write it on one line (the newline shows as a space)',
    ]);
  });

  it('a Chinese paragraph on one line passes, and so do lines that are not prose or end in Latin letters', async () => {
    const fine = [
      '',
      '这一段在一行里。下一行是另一个块：',
      '- 列表项',
      '- 另一项',
      '',
      '| 列 | 说明 |',
      '|---|---|',
      '| 甲 | 中文 |',
      '',
      '## 小标题',
      '正文紧跟在标题后面。',
      '',
      '这一行以英文结尾 Chromium',
      '里的测试：拉丁字母和汉字之间的空格本来就有。',
      '',
      '```text',
      '代码块里的中文',
      '可以换行',
      '```',
      '',
    ].join('\n');
    zh('01-a.md', CHAPTER.replace('# A', `# 甲\n${fine}`));
    expect(await check({ table })).toEqual([]);
    // English chapters are not held to it.
    en('01-a.md', CHAPTER.replace('# A', '# A\n\nA line about 中文\nthat goes on.\n'));
    expect(await check({ table })).toEqual([]);
  });

  it('a translation that agrees passes', async () => {
    await runDocs({ root, docsDir: 'docs', write: true, generators: { table } });
    const result = await runDocs({ root, docsDir: 'docs', write: false, generators: { table } });
    expect(result.problems).toEqual([]);
    expect(result.stale).toEqual([]);
  });
});

describe('skeleton', () => {
  it('lists excerpts, generated blocks, widgets and hand-written diagrams in order; a generated diagram is its block', () => {
    const md = [
      '```widget',
      'live-lane',
      '```',
      '<!-- generated: state-diagram -->',
      '```mermaid',
      'stateDiagram-v2',
      '```',
      '<!-- /generated -->',
      '````md',
      '```mermaid',
      'not a diagram: inside a longer fence',
      '```',
      '````',
      '~~~mermaid',
      'graph TD; x',
      '~~~',
      '<!-- excerpt: a.ts#r -->',
      '```ts',
      '```',
      '<!-- /excerpt -->',
    ].join('\n');
    expect(skeleton(md, 'c.md')).toEqual([
      { key: 'widget live-lane', line: 1 },
      { key: 'generated state-diagram', line: 4 },
      { key: 'mermaid diagram', line: 14 },
      { key: 'excerpt a.ts#r', line: 17 },
    ]);
  });

  it('checkTranslations names both files of every chapter', () => {
    const problems = checkTranslations(
      { en: new Map([['01.md', '# x\n'], ['02.md', '```widget\nframe-decoder\n```\n']]), 'zh-CN': new Map([['02.md', '# 二\n']]) },
      (l, n) => `${l}/${n}`,
    );
    expect(problems.map((p) => `${p.doc} ${p.message}`)).toEqual([
      'en/01.md exists in English only: zh-CN/01.md (Simplified Chinese) is missing',
      'zh-CN/02.md widget frame-decoder is in en/02.md (line 1) but not here',
    ]);
  });
});
