// Lessons (issue #13): the lesson file format, its parser and checker, and the one table of
// charts and figures a lesson may name. Used by the server (it serves the lessons), the docs
// checker (docs/scripts/lessons-check.ts) and the dashboard (it applies set-ups, shows reveals).
export * from './catalog.ts';
export * from './types.ts';
export { parseLesson, type ParsedLesson } from './parse.ts';
export { readStepBlock, SETUP_KEYS, type StepBlock } from './step-block.ts';
export { checkLessons, lessonFields, stepFields, type LessonFile, type LessonSet } from './check.ts';
