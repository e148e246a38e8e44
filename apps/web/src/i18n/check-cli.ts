// `pnpm --filter @wirebench/web i18n:check`: check.ts's two checks, for a person at a terminal.
import { localeProblems, LOCALE_LANGUAGES, readLocales, toolStatus } from './check.ts';

let failed = false;
for (const language of LOCALE_LANGUAGES) {
  const answer = toolStatus(language);
  if (!answer.ok) {
    failed = true;
    console.log(`i18next-cli status ${language}:\n${answer.output}`);
  }
}
const problems = localeProblems(readLocales());
for (const p of problems) console.log(p);
if (problems.length > 0) failed = true;
console.log(failed ? 'i18n check: FAILED' : 'i18n check: every key in both languages, each translated');
process.exitCode = failed ? 1 : 0;
