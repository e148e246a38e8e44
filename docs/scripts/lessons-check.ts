// `pnpm docs:check` (lessons): every lesson in docs/lessons/ and its translation in
// docs/zh-CN/lessons/ parse, name only charts, figures, lanes and settings that exist,
// exist in both languages, and agree on every language-independent field.
// The rules are in packages/transports/src/lessons/; this file only reads the folders.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLessons, LESSON_DIRS, LESSON_LANGUAGES, type LessonFile, type LessonSet } from '../../packages/transports/src/lessons/index.ts';

/** Every lesson file under a docs folder, in both languages. */
export function readLessonFiles(docsDir: string): LessonFile[] {
  const files: LessonFile[] = [];
  for (const language of LESSON_LANGUAGES) {
    const dir = join(docsDir, LESSON_DIRS[language]);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
      const path = join(dir, name);
      files.push({ language, path: relative(docsDir, path), text: readFileSync(path, 'utf8') });
    }
  }
  return files;
}

export function checkLessonFolder(docsDir: string): LessonSet {
  return checkLessons(readLessonFiles(docsDir));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
  const { lessons, problems } = checkLessonFolder(docsDir);
  for (const p of problems) console.error(`docs/${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
  if (problems.length > 0 || lessons.en.length === 0) {
    console.error(problems.length > 0 ? `lessons: ${problems.length} problem(s)` : 'lessons: no lesson found in docs/lessons/');
    process.exit(1);
  }
  console.log(`lessons: ${lessons.en.length} lessons, in ${LESSON_LANGUAGES.join(' and ')}, all consistent`);
}
