// The docs' two languages. English chapters are docs/NN-name.md, their Simplified Chinese
// translations docs/zh-CN/NN-name.md (the same file names). A translation keeps the English
// chapter's skeleton: the same excerpts, generated blocks, widgets and diagrams, in the same
// order. Everything else (the prose) is the translator's. No I/O here.
import { DocsError, findBlocks, type Problem } from './regions.ts';

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language's folder, relative to the English one. */
export const LANGUAGE_DIRS: Record<Language, string> = { en: '', 'zh-CN': 'zh-CN' };

export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', 'zh-CN': 'Simplified Chinese' };

/** What a generator returns: one text for both languages, or one per language. */
export type Localised = Record<Language, string>;
export type Generated = string | Localised;

/** A generator's text for one language. */
export function inLanguage(generated: Generated, language: Language): string {
  return typeof generated === 'string' ? generated : generated[language];
}

/** The parts of a chapter that a translation must keep, in order. */
export interface SkeletonPart {
  /** `excerpt path#region`, `generated name`, `widget name` or `mermaid diagram`. */
  key: string;
  line: number;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;

/**
 * The excerpts and generated blocks of a chapter, and the ```widget and ```mermaid blocks
 * written outside them (a generated diagram counts as its generated block).
 */
export function skeleton(markdown: string, docName: string): SkeletonPart[] {
  const blocks = findBlocks(markdown, docName);
  const parts: SkeletonPart[] = blocks.map((b) => ({
    key: b.kind === 'excerpt' ? `excerpt ${b.file}#${b.region}` : `generated ${b.name}`,
    line: b.line,
  }));
  const insideBlock = (offset: number) => blocks.some((b) => offset >= b.start && offset < b.end);
  const lines = markdown.split('\n');
  let offset = 0;
  let fence: { marker: string; lang: string; line: number; body: string[] } | null = null;
  lines.forEach((line, index) => {
    const at = offset;
    offset += line.length + 1;
    if (fence) {
      const close = line.trim();
      if (close.startsWith(fence.marker) && /^(`+|~+)$/.test(close) && close[0] === fence.marker[0]) {
        if (fence.lang === 'widget') parts.push({ key: `widget ${fence.body.join(' ').trim()}`, line: fence.line });
        if (fence.lang === 'mermaid') parts.push({ key: 'mermaid diagram', line: fence.line });
        fence = null;
      } else {
        fence.body.push(line);
      }
      return;
    }
    const open = FENCE_OPEN.exec(line);
    if (open && !insideBlock(at)) fence = { marker: open[1]!, lang: open[2]!.toLowerCase(), line: index + 1, body: [] };
  });
  return parts.sort((a, b) => a.line - b.line);
}

function counts(parts: SkeletonPart[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of parts) out.set(p.key, (out.get(p.key) ?? 0) + 1);
  return out;
}

/**
 * How a translation's skeleton differs from the English one: what it leaves out, what it adds,
 * or (with the same parts) the first place where the order differs. Empty when they agree.
 */
export function compareSkeletons(english: SkeletonPart[], translation: SkeletonPart[], docName: string, englishName: string): Problem[] {
  const problems: Problem[] = [];
  const want = counts(english);
  const have = counts(translation);
  for (const [key, n] of want) {
    const m = have.get(key) ?? 0;
    if (m < n) {
      const at = english.find((p) => p.key === key)!;
      problems.push({ doc: docName, line: 0, message: `${key} is in ${englishName} (line ${at.line}) ${n - m === n ? 'but not here' : `${n} times, here ${m}`}` });
    }
  }
  for (const [key, m] of have) {
    const n = want.get(key) ?? 0;
    if (m > n) {
      const at = translation.find((p) => p.key === key)!;
      problems.push({ doc: docName, line: at.line, message: `${key} is not in ${englishName}${n ? ` ${m} times (there ${n})` : ''}` });
    }
  }
  if (problems.length) return problems;
  const i = english.findIndex((p, index) => translation[index]!.key !== p.key);
  if (i >= 0) {
    problems.push({
      doc: docName,
      line: translation[i]!.line,
      message: `block ${i + 1} is ${translation[i]!.key}, but in ${englishName} it is ${english[i]!.key}: keep the English order`,
    });
  }
  return problems;
}

/**
 * Every chapter in both languages, with the same skeleton. `chapters` maps a language to its
 * chapters (file name → text); `path` names a chapter file as the problems should show it.
 */
export function checkTranslations(chapters: Record<Language, Map<string, string>>, path: (language: Language, name: string) => string): Problem[] {
  const problems: Problem[] = [];
  const names = new Set(LANGUAGES.flatMap((l) => [...chapters[l].keys()]));
  for (const name of [...names].sort()) {
    const missing = LANGUAGES.filter((l) => !chapters[l].has(name));
    if (missing.length) {
      const [present] = LANGUAGES.filter((l) => chapters[l].has(name));
      for (const l of missing) {
        problems.push({ doc: path(present!, name), line: 0, message: `exists in ${LANGUAGE_NAMES[present!]} only: ${path(l, name)} (${LANGUAGE_NAMES[l]}) is missing` });
      }
      continue;
    }
    let english: SkeletonPart[];
    try {
      english = skeleton(chapters.en.get(name)!, path('en', name));
    } catch {
      continue; // an unbalanced marker is reported by the sync itself
    }
    for (const l of LANGUAGES) {
      if (l === 'en') continue;
      let translated: SkeletonPart[];
      try {
        translated = skeleton(chapters[l].get(name)!, path(l, name));
      } catch (err) {
        if (!(err instanceof DocsError)) throw err;
        continue;
      }
      problems.push(...compareSkeletons(english, translated, path(l, name), path('en', name)));
      if (UNSPACED.includes(l)) problems.push(...brokenParagraphs(chapters[l].get(name)!, path(l, name)));
    }
  }
  return problems;
}

/** Languages written without spaces between words: a paragraph is written on one line. */
const UNSPACED: readonly Language[] = ['zh-CN'];

/** A Chinese character or full-width punctuation at the end of a line. */
const ENDS_CHINESE = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]$/u;
const QUOTE = /^ {0,3}> ?/;
/** A line that begins a block of its own rather than going on with the line above. */
const STARTS_BLOCK = /^ {0,3}(#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\||<!--|`{3,}|~{3,})/;

/**
 * Chinese prose written over several lines: a browser renders the newline between two lines
 * of a paragraph as a space, which reads as a stray gap between Chinese characters. Reports
 * every prose line that ends in a Chinese character and whose paragraph goes on on the next
 * line (code fences, tables, headings and the excerpts and generated blocks aside).
 */
export function brokenParagraphs(markdown: string, docName: string): Problem[] {
  let blocks: ReturnType<typeof findBlocks>;
  try {
    blocks = findBlocks(markdown, docName);
  } catch {
    return []; // an unbalanced marker is reported by the sync itself
  }
  const problems: Problem[] = [];
  const lines = markdown.split('\n');
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 1;
  }
  const insideBlock = (at: number) => blocks.some((b) => at >= b.start && at < b.end);
  let fence: string | null = null;
  lines.forEach((line, i) => {
    const open = FENCE_OPEN.exec(line);
    if (fence !== null) {
      if (open && line.trim().startsWith(fence) && /^(`+|~+)$/.test(line.trim())) fence = null;
      return;
    }
    if (open) {
      fence = open[1]!;
      return;
    }
    // Inside a block quote, the lines of its paragraph each begin with `>`.
    const quoted = QUOTE.test(line) && QUOTE.test(lines[i + 1] ?? '');
    const next = quoted ? lines[i + 1]!.replace(QUOTE, '') : lines[i + 1];
    if (next === undefined || next.trim() === '' || insideBlock(starts[i]!)) return;
    const text = quoted ? line.replace(QUOTE, '').trimEnd() : line.trimEnd();
    if (/^ {0,3}(#{1,6}\s|\||<!--)/.test(text) || STARTS_BLOCK.test(next)) return;
    if (ENDS_CHINESE.test(text.replace(/[*_]+$/, ""))) { // closing emphasis counts as the character it closes
      problems.push({ doc: docName, line: i + 1, message: `a Chinese paragraph goes on on line ${i + 2}: write it on one line (the newline shows as a space)` });
    }
  });
  return problems;
}
