// A lesson file is Markdown a reader understands on its own, and the lesson's
// machine-readable form at once:
//
//   # Title                      the lesson's title
//   prose                        its summary
//   ## Step title                one heading per step
//   prose                        what the teacher says to the class
//   ```step                      one block per step (YAML): minutes, notes, setup,
//   ...                          question, reveal (see step-block.ts)
//   ```
//
// No I/O: the caller reads the file and passes its name and text.
import { parseDocument } from 'yaml';
import { LESSON_FILE, type LessonLanguage } from './catalog.ts';
import { readStepBlock } from './step-block.ts';
import type { Lesson, LessonProblem, Step } from './types.ts';

export interface ParsedLesson {
  /** Null when the file is too broken to be a lesson at all. */
  lesson: Lesson | null;
  problems: LessonProblem[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;

interface Section {
  title: string;
  line: number;
  prose: string[];
  blocks: Array<{ line: number; body: string }>;
}

/** The base name of a path, whichever separator it uses. */
const baseName = (file: string) => file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);

/** Trims blank lines at both ends and joins. */
function prose(lines: string[]): string {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === '') start++;
  while (end > start && lines[end - 1]!.trim() === '') end--;
  return lines.slice(start, end).join('\n');
}

export function parseLesson(file: string, markdown: string, language: LessonLanguage): ParsedLesson {
  const problems: LessonProblem[] = [];
  const problem = (line: number, message: string) => problems.push({ file, line, message });

  const name = LESSON_FILE.exec(baseName(file));
  if (!name) problem(0, 'a lesson file is named NN-id.md (two digits, a dash, lower-case words joined by dashes)');

  let title = null as string | null;
  const summary: string[] = [];
  const sections: Section[] = [];
  let fence = null as { marker: string; step: boolean; line: number; body: string[] } | null;

  markdown.split(/\r?\n/).forEach((line, index) => {
    const at = index + 1;
    const section = sections.at(-1);
    if (fence) {
      const close = line.trim();
      if (close.startsWith(fence.marker) && /^(`+|~+)$/.test(close) && close[0] === fence.marker[0]) {
        if (fence.step) section?.blocks.push({ line: fence.line, body: fence.body.join('\n') });
        else (section ? section.prose : summary).push(line);
        fence = null;
      } else if (fence.step) fence.body.push(line);
      else (section ? section.prose : summary).push(line);
      return;
    }
    const open = FENCE.exec(line);
    if (open) {
      const step = open[2]!.toLowerCase() === 'step';
      if (step && !section) problem(at, 'a step block before the first "## " step heading');
      fence = { marker: open[1]!, step, line: at, body: [] };
      if (!step) (section ? section.prose : summary).push(line);
      return;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading && heading[1] === '#') {
      if (title !== null || section) problem(at, 'a lesson has one "# " title, at the top');
      else title = heading[2]!;
      return;
    }
    if (heading && heading[1] === '##') {
      sections.push({ title: heading[2]!, line: at, prose: [], blocks: [] });
      return;
    }
    (section ? section.prose : summary).push(line);
  });
  if (fence) problem(fence.line, 'a code block that is never closed');
  if (title === null || title.trim() === '') problem(1, 'a lesson starts with its "# " title');
  if (sections.length === 0) problem(0, 'a lesson has at least one step: a "## " heading with a ```step block');

  const steps: Step[] = [];
  for (const [i, section] of sections.entries()) {
    const where = `step ${i + 1} "${section.title}"`;
    if (section.blocks.length !== 1) {
      problem(section.line, `${where} has ${section.blocks.length} step blocks; each "## " step has exactly one`);
      continue;
    }
    const block = section.blocks[0]!;
    const report = (message: string) => problem(block.line, `${where}: ${message}`);
    const doc = parseDocument(block.body, { uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const offset = err.linePos?.[0]?.line ?? 0;
        problem(block.line + offset, `${where}: YAML: ${err.message.split('\n')[0]}`);
      }
      continue;
    }
    const read = readStepBlock(doc.toJS(), report);
    const narration = prose(section.prose);
    if (narration.trim() === '') problem(section.line, `${where} has no narration: write what the teacher says under the heading`);
    steps.push({ title: section.title, narration, ...read });
  }

  if (!name || title === null) return { lesson: null, problems };
  return {
    lesson: { id: name[2]!, order: Number(name[1]), language, title, summary: prose(summary), steps },
    problems,
  };
}
