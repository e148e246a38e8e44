// The i18n tooling's view of the dashboard (`pnpm --filter @wirebench/web i18n:check`, and
// test/i18n.test.ts): every key that src/ uses must exist in both languages. One namespace per
// feature, in src/i18n/locales/<language>/<namespace>.json, the files index.ts loads.
import { defineConfig } from 'i18next-cli';

export default defineConfig({
  locales: ['en', 'zh-CN'],
  extract: {
    input: ['src/**/*.{ts,tsx}'],
    output: 'src/i18n/locales/{{language}}/{{namespace}}.json',
    defaultNS: 'common',
    nsSeparator: ':',
    keySeparator: '.',
    primaryLanguage: 'en',
    // The doc comments show t() calls as examples; only real calls are keys.
    extractFromComments: false,
  },
});
