// The i18n check (issue 12: "no key left untranslated, checked by the i18n tooling"), run by
// `pnpm --filter @wirebench/web i18n:check` (check-cli.ts) and by test/i18n.test.ts. Node only;
// the pages never import it.
//  1. The pinned i18next-cli, configured by i18next.config.ts: `status <language>` finds every
//     key that src/ uses and fails when one is absent or empty in that language.
//  2. The locale files themselves: both languages hold the same namespaces and keys (plural
//     forms aside: English has _one and _other, Chinese _other only), no value is empty, and no
//     Chinese value is the English one word for word, but for the terms in SAME_IN_BOTH.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOCALE_LANGUAGES = ['en', 'zh-CN'] as const;

/** apps/web: where i18next.config.ts sits. */
export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LOCALES_DIR = join(WEB_ROOT, 'src', 'i18n', 'locales');

/**
 * Values that stay the same in Chinese: protocol terms and names a Chinese course writes in
 * Latin letters too. A value without any letter (a placeholder, a number, a symbol) may also
 * stay. Keep this short: anything else identical is English left in the Chinese file.
 */
export const SAME_IN_BOTH: ReadonlySet<string> = new Set([
  'Wirebench',
  'WebSocket',
  'SSE',
  'HTTP',
  'JSON',
  'seq',
  'clientId',
  'clientMsgId',
  'Last-Event-ID',
  'VPN',
  'p50',
  'p95',
  'p99',
]);

/** language → namespace → the file's parsed JSON. */
export type Locales = Record<string, Record<string, unknown>>;

export function readLocales(dir: string = LOCALES_DIR): Locales {
  const out: Locales = {};
  for (const language of readdirSync(dir, { withFileTypes: true })) {
    if (!language.isDirectory()) continue;
    const namespaces: Record<string, unknown> = (out[language.name] = {});
    for (const file of readdirSync(join(dir, language.name))) {
      if (!file.endsWith('.json')) continue;
      namespaces[file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(join(dir, language.name, file), 'utf8')) as unknown;
    }
  }
  return out;
}

/** Leaves of a namespace as dotted keys; a leaf that is not a string is returned as such. */
function leaves(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const withoutPlural = (key: string) => key.replace(PLURAL, '');

function mayStayTheSame(value: string): boolean {
  return SAME_IN_BOTH.has(value.trim()) || !/\p{L}/u.test(value.replace(/\{\{[^}]*\}\}/g, ''));
}

/** Every way the files break the rules above, one line each ("zh-CN/ns: key: what"); [] when none. */
export function localeProblems(locales: Locales): string[] {
  const problems: string[] = [];
  const [en, zh] = LOCALE_LANGUAGES.map((l) => locales[l] ?? {}) as [Record<string, unknown>, Record<string, unknown>];
  for (const language of LOCALE_LANGUAGES) if (!locales[language]) problems.push(`${language}: no locale folder`);
  const namespaces = new Set([...Object.keys(en), ...Object.keys(zh)]);
  for (const ns of [...namespaces].sort()) {
    if (!(ns in en)) problems.push(`en/${ns}: missing (zh-CN/${ns}.json exists)`);
    if (!(ns in zh)) problems.push(`zh-CN/${ns}: missing (en/${ns}.json exists)`);
    const enLeaves = leaves(en[ns] ?? {});
    const zhLeaves = leaves(zh[ns] ?? {});
    for (const [language, own, other] of [
      ['en', enLeaves, zhLeaves],
      ['zh-CN', zhLeaves, enLeaves],
    ] as const) {
      const otherBases = new Set([...other.keys()].map(withoutPlural));
      for (const [key, value] of own) {
        if (typeof value !== 'string') problems.push(`${language}/${ns}: ${key}: not a string`);
        else if (value.trim() === '') problems.push(`${language}/${ns}: ${key}: empty`);
        if (ns in en && ns in zh && !otherBases.has(withoutPlural(key))) {
          problems.push(`${language === 'en' ? 'zh-CN' : 'en'}/${ns}: ${withoutPlural(key)}: missing (${language} has it)`);
        }
      }
    }
    for (const [key, value] of zhLeaves) {
      if (typeof value === 'string' && value.trim() !== '' && enLeaves.get(key) === value && !mayStayTheSame(value)) {
        problems.push(`zh-CN/${ns}: ${key}: the English text, untranslated ("${value}")`);
      }
    }
  }
  return [...new Set(problems)];
}

/** The pinned i18next-cli's entry, found through its package.json. */
function toolEntry(): string {
  const require = createRequire(join(WEB_ROOT, 'package.json'));
  const manifest = require.resolve('i18next-cli/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: string | Record<string, string> };
  return join(dirname(manifest), typeof bin === 'string' ? bin : bin['i18next-cli']!);
}

export interface ToolAnswer {
  ok: boolean;
  /** What the tool printed, without colours. */
  output: string;
}

/**
 * `i18next-cli status <language> --hide-translated` in `cwd` (with its i18next.config, or the
 * one `config` names): fails when a key src/ uses is absent or empty in `language`, and lists it.
 */
export function toolStatus(language: string, cwd: string = WEB_ROOT, config?: string): ToolAnswer {
  const shim = join(dirname(fileURLToPath(import.meta.url)), 'node20-set-methods.mjs');
  const args = ['--import', shim, toolEntry(), 'status', language, '--hide-translated', ...(config ? ['-c', config] : [])];
  const run = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  // eslint-disable-next-line no-control-regex
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}`.replace(/\u001b\[[0-9;]*m/g, '');
  return { ok: run.status === 0, output };
}
