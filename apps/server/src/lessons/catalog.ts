// The lessons the server serves: read from docs/lessons/ and docs/zh-CN/lessons/ once, at
// start, checked by the same rules as `pnpm docs:check`. A lesson with a problem in either
// language is left out (and its problems kept for the log), so a half-translated lesson never
// reaches a class.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkLessons,
  LESSON_DIRS,
  LESSON_LANGUAGES,
  type Lesson,
  type LessonFile,
  type LessonLanguage,
  type LessonProblem,
} from '@wirebench/transports/lessons';

export interface LessonCatalog {
  /** Every served lesson, per language, in order. */
  readonly lessons: Readonly<Record<LessonLanguage, readonly Lesson[]>>;
  /** What kept a lesson out. */
  readonly problems: readonly LessonProblem[];
  /** A lesson in every language, or undefined. */
  get(id: string): Readonly<Record<LessonLanguage, Lesson>> | undefined;
  /** The lesson a question id belongs to (ids are unique across lessons). */
  lessonOf(questionId: string): string | undefined;
}

export function catalogOf(files: readonly LessonFile[]): LessonCatalog {
  const { lessons, problems } = checkLessons(files);
  const byId = new Map<string, Record<LessonLanguage, Lesson>>();
  const questions = new Map<string, string>();
  for (const [i, english] of lessons.en.entries()) {
    byId.set(english.id, Object.fromEntries(LESSON_LANGUAGES.map((l) => [l, lessons[l][i]!])) as Record<LessonLanguage, Lesson>);
    for (const step of english.steps) if (step.question) questions.set(step.question.id, english.id);
  }
  return { lessons, problems, get: (id) => byId.get(id), lessonOf: (questionId) => questions.get(questionId) };
}

/**
 * The docs folder: the nearest `docs/` with a `lessons/` folder, looking up from this module
 * (the source in apps/server/src, or the built bundle in apps/server/dist), so the server
 * finds it from any working directory.
 */
export function findDocsDir(from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'docs', LESSON_DIRS.en))) return join(dir, 'docs');
    if (dirname(dir) === dir) return null;
  }
}

export function readLessonFiles(docsDir: string): LessonFile[] {
  return LESSON_LANGUAGES.flatMap((language) => {
    const dir = join(docsDir, LESSON_DIRS[language]);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith('.md'))
      .sort()
      .map((name) => ({ language, path: join(LESSON_DIRS[language], name), text: readFileSync(join(dir, name), 'utf8') }));
  });
}

const loaded = new Map<string, LessonCatalog>();

/** The catalog of a docs folder (default: the one found from here), read once per process. */
export function loadLessonCatalog(docsDir: string | null = findDocsDir()): LessonCatalog {
  if (docsDir === null) return catalogOf([]);
  let catalog = loaded.get(docsDir);
  if (!catalog) loaded.set(docsDir, (catalog = catalogOf(readLessonFiles(docsDir))));
  return catalog;
}

