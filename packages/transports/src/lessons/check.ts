// Checks a whole set of lesson files, in every language: each file on its own
// (parse.ts), each lesson as a whole (its length, the lanes it acts on), and
// the translations against the English (the same files, the same
// language-independent fields). No I/O: the caller lists and reads the files.
import { TRANSPORT_IDS, type TransportId } from '../contract.ts';
import { LESSON_LANGUAGES, LESSON_MINUTES, type LessonLanguage } from './catalog.ts';
import { parseLesson } from './parse.ts';
import type { Lesson, LessonProblem, Step } from './types.ts';

export interface LessonFile {
  language: LessonLanguage;
  /** The file's path as problems should name it (its base name is NN-id.md). */
  path: string;
  text: string;
}

export interface LessonSet {
  /** Every lesson that parsed, per language, in their order. */
  lessons: Record<LessonLanguage, Lesson[]>;
  problems: LessonProblem[];
}

const baseName = (file: string) => file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);

/** A step with its text left out: what every translation must keep as it is. */
export function stepFields(step: Step): unknown {
  const { question, reveal } = step;
  return {
    minutes: step.minutes,
    setup: step.setup,
    question: question && {
      id: question.id,
      kind: question.kind,
      answer: question.answer,
      measured: question.measured,
      ...(question.kind === 'choice'
        ? { choices: question.choices.map((c) => c.id) }
        : { unit: question.unit, min: question.min, max: question.max, tolerance: question.tolerance }),
    },
    reveal: reveal && { chart: reveal.chart, figure: reveal.figure },
  };
}

/** A lesson's language-independent fields, as one value. */
export function lessonFields(lesson: Lesson): unknown {
  return { id: lesson.id, order: lesson.order, steps: lesson.steps.map(stepFields) };
}

/** Plain JSON with object keys sorted, so two values compare as text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** The first paths where two values differ (at most `limit`), as `path: a vs b`. */
function differences(a: unknown, b: unknown, path: string, out: string[], limit = 5): void {
  if (out.length >= limit || canonical(a) === canonical(b)) return;
  const objects = a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!objects) {
    out.push(`${path || 'value'}: ${canonical(a) ?? 'nothing'} vs ${canonical(b) ?? 'nothing'}`);
    return;
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  for (const key of keys) {
    const next = Array.isArray(a) ? `${path}[${Number(key) + 1}]` : path ? `${path}.${key}` : key;
    differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], next, out, limit);
  }
}

const CJK = /[\u3400-\u9fff]/;

/** Rules about one lesson as a whole: its length, the lanes its steps act on, its translation's text. */
function checkLesson(lesson: Lesson, path: string): LessonProblem[] {
  const problems: LessonProblem[] = [];
  const problem = (message: string) => problems.push({ file: path, line: 0, message });
  const minutes = lesson.steps.reduce((sum, s) => sum + s.minutes, 0);
  const [min, max] = LESSON_MINUTES;
  if (minutes < min || minutes > max) problem(`the steps add up to ${minutes} minutes; a lesson takes ${min} to ${max}`);

  // The dashboard's lanes as the steps leave them: a step may only act on a lane that is there.
  let lanes: readonly TransportId[] | null = null;
  lesson.steps.forEach((step, i) => {
    const where = `step ${i + 1} "${step.title}"`;
    if (step.setup.lanes) lanes = step.setup.lanes;
    const acted: Array<[string, TransportId | undefined]> = [
      ['setup.cut', step.setup.cut],
      ['setup.send.lane', step.setup.send?.lane],
      ['setup.autoSend.target', typeof step.setup.autoSend === 'object' && step.setup.autoSend.target !== 'round-robin' ? step.setup.autoSend.target : undefined],
      ['question.measured.lane', step.question?.measured?.lane],
      ...Object.keys(step.setup.delay ?? {}).map((id): [string, TransportId] => ['setup.delay', id as TransportId]),
    ];
    if (step.question?.kind === 'choice' && step.question.measured) {
      for (const c of step.question.choices) acted.push(['question.choices', c.id as TransportId]);
    }
    for (const [field, id] of acted) {
      if (id === undefined || !(TRANSPORT_IDS as readonly string[]).includes(id)) continue;
      if (lanes === null) problem(`${where}: ${field} names lane ${id}, but no step so far set setup.lanes`);
      else if (!lanes.includes(id)) problem(`${where}: ${field} names lane ${id}, which is not among the lanes (${lanes.join(', ')})`);
    }
  });

  // A question may be asked again in a later step (a step between may act: cut a lane, send):
  // the same question, word for word; one without a reveal must get one later.
  lesson.steps.forEach((step, i) => {
    const q = step.question;
    if (!q) return;
    const later = lesson.steps.slice(i + 1).filter((s) => s.question?.id === q.id);
    const earlier = lesson.steps.slice(0, i).find((s) => s.question?.id === q.id);
    if (earlier && canonical(earlier.question) !== canonical(q)) {
      problem(`step ${i + 1} "${step.title}": question "${q.id}" is asked again but differs; a repeated question is the same word for word`);
    }
    if (!step.reveal && !later.some((s) => s.reveal)) {
      problem(`step ${i + 1} "${step.title}": question "${q.id}" is never revealed: give it a reveal here or in a later step that asks it again`);
    }
  });

  if (lesson.language === 'zh-CN') {
    const texts: Array<[string, string]> = [['title', lesson.title]];
    lesson.steps.forEach((s, i) => {
      texts.push([`step ${i + 1} narration`, s.narration], [`step ${i + 1} notes`, s.notes]);
      if (s.question) texts.push([`step ${i + 1} question.prompt`, s.question.prompt]);
      if (s.reveal) texts.push([`step ${i + 1} reveal.caption`, s.reveal.caption]);
    });
    for (const [field, text] of texts) if (!CJK.test(text)) problem(`${field} has no Chinese in it: is it translated?`);
  }
  return problems;
}

/** Checks every file: each on its own, each lesson whole, and the translations against the English. */
export function checkLessons(files: readonly LessonFile[]): LessonSet {
  const problems: LessonProblem[] = [];
  const lessons = Object.fromEntries(LESSON_LANGUAGES.map((l) => [l, [] as Lesson[]])) as Record<LessonLanguage, Lesson[]>;
  const byName = new Map<string, Partial<Record<LessonLanguage, { lesson: Lesson | null; path: string }>>>();

  for (const file of files) {
    const parsed = parseLesson(file.path, file.text, file.language);
    problems.push(...parsed.problems);
    const name = baseName(file.path);
    const entry = byName.get(name) ?? {};
    entry[file.language] = { lesson: parsed.lesson, path: file.path };
    byName.set(name, entry);
    if (!parsed.lesson) continue;
    const lessonProblems = checkLesson(parsed.lesson, file.path);
    problems.push(...lessonProblems);
  }

  for (const language of LESSON_LANGUAGES) {
    const list = [...byName.values()].flatMap((e) => (e[language]?.lesson ? [{ lesson: e[language].lesson, path: e[language].path }] : []));
    const seen = new Map<string, string>();
    const orders = new Map<number, string>();
    for (const { lesson, path } of list) {
      const sameOrder = orders.get(lesson.order);
      if (sameOrder) problems.push({ file: path, line: 0, message: `lessons ${sameOrder} and ${lesson.id} share the number ${lesson.order}` });
      orders.set(lesson.order, lesson.id);
      if (list.some((o) => o.lesson !== lesson && o.lesson.id === lesson.id)) {
        problems.push({ file: path, line: 0, message: `another lesson file has the id ${lesson.id}` });
      }
      for (const step of lesson.steps) {
        if (!step.question) continue;
        const other = seen.get(step.question.id);
        // Asked again in the same lesson: the same question, its answers carried over.
        if (other === lesson.id) continue;
        if (other !== undefined) {
          problems.push({ file: path, line: 0, message: `question id "${step.question.id}" is used in ${other} too; ids are unique across lessons` });
        }
        seen.set(step.question.id, lesson.id);
      }
    }
  }

  for (const [name, entry] of byName) {
    const missing = LESSON_LANGUAGES.filter((l) => !entry[l]);
    const present = LESSON_LANGUAGES.find((l) => entry[l])!;
    for (const language of missing) {
      problems.push({ file: entry[present]!.path, line: 0, message: `${name} exists in ${present} but not in ${language}: every lesson exists in every language` });
    }
    const english = entry.en?.lesson;
    if (!english) continue;
    for (const language of LESSON_LANGUAGES) {
      const other = entry[language];
      if (language === 'en' || !other?.lesson) continue;
      const found: string[] = [];
      differences(lessonFields(english), lessonFields(other.lesson), '', found);
      for (const d of found) {
        problems.push({ file: other.path, line: 0, message: `differs from the English in a language-independent field: ${d} (en vs ${language})` });
      }
    }
  }
  // A lesson is served only when every language of it is free of problems.
  const broken = new Set(problems.map((p) => p.file));
  for (const language of LESSON_LANGUAGES) {
    lessons[language] = [...byName.values()]
      .filter((entry) => LESSON_LANGUAGES.every((l) => entry[l]?.lesson && !broken.has(entry[l].path)))
      .map((entry) => entry[language]!.lesson!)
      .sort((a, b) => a.order - b.order);
  }
  return { lessons, problems };
}
