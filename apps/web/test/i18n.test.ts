// Issue 12, "no key left untranslated, checked by the i18n tooling": the pinned i18next-cli finds
// every key apps/web/src uses and must find each in English and in Chinese; the locale files of
// every namespace must hold the same keys, none empty, none left in English. Made-up projects
// and files show that each check fails when it should. The same checks run as
// `pnpm --filter @wirebench/web i18n:check`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localeProblems, LOCALE_LANGUAGES, readLocales, toolStatus, type Locales } from '../src/i18n/check.ts';

const made: string[] = [];

/** A made-up project: its files by path, an i18next config like apps/web's. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wirebench-i18n-'));
  made.push(dir);
  const all: Record<string, string> = {
    'package.json': '{ "type": "module" }',
    'i18next.config.js': `export default { locales: ['en', 'zh-CN'], extract: { input: ['src/**/*.tsx'], output: 'locales/{{language}}/{{namespace}}.json', defaultNS: 'common', extractFromComments: false } };`,
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const PAGE = `import { useTranslation } from 'react-i18next';
export function Page() {
  const { t } = useTranslation('demo');
  return <p>{t('greeting')} {t('made.up.key')}</p>;
}
`;

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('the i18n tooling on apps/web', () => {
  for (const language of LOCALE_LANGUAGES) {
    it(`i18next-cli finds every key src/ uses in ${language}`, () => {
      const answer = toolStatus(language);
      expect(answer.ok, answer.output).toBe(true);
    });
  }

  it('every namespace has the same keys in both languages, none empty, none left in English', () => {
    const locales = readLocales();
    expect(Object.keys(locales.en ?? {})).toContain('student');
    expect(localeProblems(locales)).toEqual([]);
  });
});

describe('the checks fail when they should (made-up projects)', () => {
  it('i18next-cli fails on a key the code uses that no file holds, and names it', () => {
    const dir = project({
      'src/page.tsx': PAGE,
      'locales/en/demo.json': '{ "greeting": "Hello" }',
      'locales/zh-CN/demo.json': '{ "greeting": "你好" }',
    });
    for (const language of LOCALE_LANGUAGES) {
      const answer = toolStatus(language, dir, 'i18next.config.js');
      expect(answer.ok, answer.output).toBe(false);
      expect(answer.output).toMatch(/made\.up\.key\s+\(absent\)/);
    }
  });

  it('i18next-cli fails on a key missing or empty in Chinese alone, and passes once it is there', () => {
    const missing = project({
      'src/page.tsx': PAGE,
      'locales/en/demo.json': '{ "greeting": "Hello", "made": { "up": { "key": "Made up" } } }',
      'locales/zh-CN/demo.json': '{ "greeting": "你好", "made": { "up": { "key": "" } } }',
    });
    expect(toolStatus('en', missing, 'i18next.config.js').ok).toBe(true);
    const zh = toolStatus('zh-CN', missing, 'i18next.config.js');
    expect(zh.ok, zh.output).toBe(false);
    expect(zh.output).toContain('made.up.key');

    const whole = project({
      'src/page.tsx': PAGE,
      'locales/en/demo.json': '{ "greeting": "Hello", "made": { "up": { "key": "Made up" } } }',
      'locales/zh-CN/demo.json': '{ "greeting": "你好", "made": { "up": { "key": "编的" } } }',
    });
    for (const language of LOCALE_LANGUAGES) {
      const answer = toolStatus(language, whole, 'i18next.config.js');
      expect(answer.ok, answer.output).toBe(true);
    }
  });

  it('the file comparison reports a missing key, an empty value, English left in Chinese and a lone namespace', () => {
    const locales: Locales = {
      en: {
        demo: { greeting: 'Hello', only: { english: 'Only here' }, blank: 'Blank', same: 'Same words', term: 'WebSocket', pair: '{{a}} / {{b}}' },
        solo: { a: 'A' },
      },
      'zh-CN': {
        demo: { greeting: '你好', blank: ' ', same: 'Same words', term: 'WebSocket', pair: '{{a}} / {{b}}', extra: '多出来的' },
      },
    };
    expect(localeProblems(locales).sort()).toEqual(
      [
        'zh-CN/demo: only.english: missing (en has it)',
        'zh-CN/demo: blank: empty',
        'zh-CN/demo: same: the English text, untranslated ("Same words")',
        'en/demo: extra: missing (zh-CN has it)',
        'zh-CN/solo: missing (en/solo.json exists)',
      ].sort(),
    );
  });

  it('plural forms differ by language without being reported', () => {
    const locales: Locales = {
      en: { demo: { count_one: '{{count}} message', count_other: '{{count}} messages' } },
      'zh-CN': { demo: { count_other: '{{count}} 条消息' } },
    };
    expect(localeProblems(locales)).toEqual([]);
  });
});
