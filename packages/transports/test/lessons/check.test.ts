// The lesson checker against made-up lessons: one that is right, then one broken way each,
// and the repository's own lessons.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLessons, LESSON_DIRS, LESSON_LANGUAGES, parseLesson, type LessonFile } from '../../src/lessons/index.ts';

const BLOCK_EN = `minutes: 3
notes: Wait for answers.
setup:
  lanes: [short-poll, ws-raw]
  pollIntervalMs: 1000
  chart: requests
question:
  id: q-most
  prompt: Which lane asks most?
  choices:
    - { id: short-poll, text: Short polling }
    - { id: ws-raw, text: WebSocket }
  measured: { figure: requests-per-minute, pick: max }
reveal:
  chart: requests-rate
  caption: Short polling climbs.`;

const BLOCK2_EN = `minutes: 3
notes: Read the figure.
setup:
  cut: ws-raw
question:
  id: q-number
  prompt: How many requests per minute?
  number: { unit: requests/min, min: 0, max: 1000, tolerance: 5 }
  measured: { figure: requests-per-minute, lane: short-poll }
reveal:
  figure: requests-per-minute
  caption: About sixty.`;

function lesson(title: string, narration: string, blocks: string[]): string {
  return [`# ${title}`, '', 'What this lesson is.', ...blocks.flatMap((b, i) => [``, `## Step ${i + 1}`, '', narration, '', '```step', b, '```'])].join('\n');
}

/** The Chinese lesson: the same blocks with the text translated (text fields only). */
function zh(block: string): string {
  return block
    .replace('Wait for answers.', '等大家作答。')
    .replace('Read the figure.', '读数字。')
    .replace('Which lane asks most?', '哪条通道问得最多？')
    .replace('How many requests per minute?', '每分钟多少个请求？')
    .replace('Short polling }', '短轮询 }')
    .replace('Short polling climbs.', '短轮询一路上升。')
    .replace('About sixty.', '大约六十。');
}

function files(en: string[] = [BLOCK_EN, BLOCK2_EN], zhBlocks = en.map(zh), name = '01-sample.md'): LessonFile[] {
  return [
    { language: 'en', path: `lessons/${name}`, text: lesson('Sample', 'Say this to the class.', en) },
    { language: 'zh-CN', path: `zh-CN/lessons/${name}`, text: lesson('样例', '对全班这样说。', zhBlocks) },
  ];
}

const messages = (fs: LessonFile[]) => checkLessons(fs).problems.map((p) => p.message);

describe('lesson checker', () => {
  it('accepts a lesson that is right in both languages, and reads it whole', () => {
    const set = checkLessons(files());
    expect(set.problems).toEqual([]);
    expect(set.lessons.en).toHaveLength(1);
    const [en] = set.lessons.en;
    expect(en).toMatchObject({ id: 'sample', order: 1, title: 'Sample', summary: 'What this lesson is.' });
    expect(en!.steps[0]).toMatchObject({
      title: 'Step 1',
      narration: 'Say this to the class.',
      minutes: 3,
      setup: { lanes: ['short-poll', 'ws-raw'], pollIntervalMs: 1000, chart: 'requests' },
      question: { kind: 'choice', id: 'q-most', choices: [{ id: 'short-poll', text: 'Short polling' }, { id: 'ws-raw', text: 'WebSocket' }] },
      reveal: { chart: 'requests-rate', caption: 'Short polling climbs.' },
    });
    expect(set.lessons['zh-CN'][0]!.steps[1]!.question).toMatchObject({ kind: 'number', unit: 'requests/min', tolerance: 5, prompt: '每分钟多少个请求？' });
  });

  it('fails a chart that does not exist (set-up and reveal)', () => {
    const bad = BLOCK_EN.replace('chart: requests\n', 'chart: throughput\n').replace('chart: requests-rate', 'chart: pie');
    const found = messages(files([bad, BLOCK2_EN]));
    expect(found.some((m) => m.includes('setup.chart: unknown chart "throughput"'))).toBe(true);
    expect(found.some((m) => m.includes('reveal.chart: unknown chart "pie"'))).toBe(true);
    expect(checkLessons(files([bad, BLOCK2_EN])).lessons.en).toEqual([]);
  });

  it('fails a figure that does not exist, and a picture used as a number', () => {
    const found = messages(files([BLOCK_EN, BLOCK2_EN.replace('figure: requests-per-minute\n  caption', 'figure: speedometer\n  caption')]));
    expect(found.some((m) => m.includes('reveal.figure: unknown figure "speedometer"'))).toBe(true);
    const picture = messages(files([BLOCK_EN, BLOCK2_EN.replace('measured: { figure: requests-per-minute, lane: short-poll }', 'measured: { figure: handshake }')]));
    expect(picture.some((m) => m.includes('"handshake" is a picture, not a number'))).toBe(true);
  });

  it('fails a lane that does not exist, and one that is not on the dashboard', () => {
    const unknown = messages(files([BLOCK_EN.replace('[short-poll, ws-raw]', '[short-poll, websocket]'), BLOCK2_EN]));
    expect(unknown.some((m) => m.includes('setup.lanes: unknown lane "websocket"'))).toBe(true);
    const absent = messages(files([BLOCK_EN, BLOCK2_EN.replace('cut: ws-raw', 'cut: sse')]));
    expect(absent).toContain('step 2 "Step 2": setup.cut names lane sse, which is not among the lanes (short-poll, ws-raw)');
  });

  it('fails a setting that does not exist, and one out of its range', () => {
    const found = messages(files([BLOCK_EN.replace('pollIntervalMs: 1000', 'pollInterval: 1000'), BLOCK2_EN]));
    expect(found.some((m) => m.includes('unknown setting "pollInterval"'))).toBe(true);
    const range = messages(files([BLOCK_EN.replace('pollIntervalMs: 1000', 'pollIntervalMs: 10'), BLOCK2_EN]));
    expect(range.some((m) => m.includes('setup.pollIntervalMs must be a whole number from 50 to 60000, got 10'))).toBe(true);
  });

  it('fails a lesson that exists in one language only', () => {
    const onlyEnglish = files().filter((f) => f.language === 'en');
    expect(messages(onlyEnglish)).toEqual(['01-sample.md exists in en but not in zh-CN: every lesson exists in every language']);
    expect(checkLessons(onlyEnglish).lessons.en).toEqual([]);
    const onlyChinese = files().filter((f) => f.language === 'zh-CN');
    expect(messages(onlyChinese)).toEqual(['01-sample.md exists in zh-CN but not in en: every lesson exists in every language']);
  });

  it('fails when the languages differ in a language-independent field', () => {
    const zhBlocks = [zh(BLOCK_EN).replace('pollIntervalMs: 1000', 'pollIntervalMs: 5000'), zh(BLOCK2_EN).replace('tolerance: 5', 'tolerance: 50')];
    const found = messages(files([BLOCK_EN, BLOCK2_EN], zhBlocks));
    expect(found).toContain('differs from the English in a language-independent field: steps[1].setup.pollIntervalMs: 1000 vs 5000 (en vs zh-CN)');
    expect(found).toContain('differs from the English in a language-independent field: steps[2].question.tolerance: 5 vs 50 (en vs zh-CN)');
    const choiceId = messages(files([BLOCK_EN, BLOCK2_EN], [zh(BLOCK_EN).replace('{ id: ws-raw,', '{ id: ws-lib,'), zh(BLOCK2_EN)]));
    expect(choiceId.some((m) => m.includes('steps[1].question.choices[2]: "ws-raw" vs "ws-lib"'))).toBe(true);
    const steps = messages(files([BLOCK_EN, BLOCK2_EN], [zh(BLOCK_EN)]));
    expect(steps.some((m) => m.includes('steps[2]'))).toBe(true);
  });

  it('fails a translation left in English', () => {
    const found = messages(files([BLOCK_EN, BLOCK2_EN], [BLOCK_EN, BLOCK2_EN]));
    expect(found).toContain('step 1 notes has no Chinese in it: is it translated?');
  });

  it('fails a broken file: no block, two blocks, bad YAML, no narration, a misspelt field', () => {
    const noBlock = files();
    noBlock[0] = { ...noBlock[0]!, text: `${noBlock[0]!.text}\n\n## Step 3\n\nJust talk.\n` };
    expect(messages(noBlock)).toContain('step 3 "Step 3" has 0 step blocks; each "## " step has exactly one');
    const yaml = messages(files([BLOCK_EN.replace('minutes: 3', 'minutes: [3'), BLOCK2_EN]));
    expect(yaml.some((m) => m.includes('YAML:'))).toBe(true);
    const typo = messages(files([BLOCK_EN.replace('reveal:', 'reveel:'), BLOCK2_EN]));
    expect(typo.some((m) => m.includes('unknown field "reveel"'))).toBe(true);
    const silent = files();
    silent[0] = { ...silent[0]!, text: silent[0]!.text.replaceAll('Say this to the class.', '') };
    expect(messages(silent).some((m) => m.includes('has no narration'))).toBe(true);
    const name = messages(files(undefined, undefined, 'sample.md'));
    expect(name.some((m) => m.includes('named NN-id.md'))).toBe(true);
  });

  it('fails questions that cannot be answered or checked', () => {
    const pickNotLanes = BLOCK_EN.replace('{ id: short-poll, text: Short polling }', '{ id: yes, text: Short polling }');
    expect(messages(files([pickNotLanes, BLOCK2_EN])).some((m) => m.includes('choices yes are not lanes'))).toBe(true);
    const unrevealed = BLOCK2_EN.replace(/reveal:[\s\S]*$/, '');
    expect(messages(files([BLOCK_EN, unrevealed])).some((m) => m.includes('"q-number" is never revealed'))).toBe(true);
    const wrongAnswer = BLOCK_EN.replace('  measured: { figure: requests-per-minute, pick: max }', '  answer: sse');
    expect(messages(files([wrongAnswer, BLOCK2_EN])).some((m) => m.includes('question.answer "sse" is not one of the choices'))).toBe(true);
    const unit = BLOCK2_EN.replace('unit: requests/min', 'unit: ms');
    expect(messages(files([BLOCK_EN, unit])).some((m) => m.includes('figure "requests-per-minute" is in requests/min'))).toBe(true);
  });

  it('fails a lesson that is too short or too long, and question ids used by two lessons', () => {
    expect(messages(files([BLOCK_EN.replace('minutes: 3', 'minutes: 0.5'), BLOCK2_EN])).some((m) => m.includes('add up to 3.5 minutes'))).toBe(true);
    const two = [...files(), ...files(undefined, undefined, '02-other.md')];
    expect(messages(two).some((m) => m.includes('question id "q-most" is used in sample too'))).toBe(true);
  });

  it('lets a question be asked again in a later step, word for word, and revealed there', () => {
    const ask = BLOCK2_EN.replace(/reveal:[\s\S]*$/, '').replace('  cut: ws-raw\n', '  chart: latency\n');
    const again = BLOCK2_EN;
    expect(messages(files([BLOCK_EN, ask, again]))).toEqual([]);
    const changed = again.replace('How many requests per minute?', 'How many, then?');
    expect(messages(files([BLOCK_EN, ask, changed], [zh(BLOCK_EN), zh(ask), zh(changed)])).some((m) => m.includes('asked again but differs'))).toBe(true);
  });

  it('a single file parses on its own, with the line of each problem', () => {
    const text = lesson('Sample', 'Say it.', [BLOCK_EN.replace('chart: requests\n', 'chart: nope\n')]);
    const parsed = parseLesson('lessons/01-sample.md', text, 'en');
    expect(parsed.lesson?.steps).toHaveLength(1);
    expect(parsed.problems).toEqual([{ file: 'lessons/01-sample.md', line: 9, message: expect.stringContaining('unknown chart "nope"') }]);
  });
});

describe("the repository's lessons", () => {
  const docs = join(dirname(fileURLToPath(import.meta.url)), '../../../../docs');
  const all: LessonFile[] = LESSON_LANGUAGES.flatMap((language) => {
    const dir = join(docs, LESSON_DIRS[language]);
    return readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => ({ language, path: join(LESSON_DIRS[language], f), text: readFileSync(join(dir, f), 'utf8') }));
  });

  it('are at least six, each 5–10 minutes, with questions revealed against the room charts and figures, in both languages', () => {
    const set = checkLessons(all);
    expect(set.problems).toEqual([]);
    expect(set.lessons.en.length).toBeGreaterThanOrEqual(6);
    expect(set.lessons['zh-CN'].map((l) => l.id)).toEqual(set.lessons.en.map((l) => l.id));
    for (const lesson of set.lessons.en) {
      const minutes = lesson.steps.reduce((s, x) => s + x.minutes, 0);
      expect(minutes).toBeGreaterThanOrEqual(5);
      expect(minutes).toBeLessThanOrEqual(10);
      // Each sets the class's predictions against a chart or figure of the room.
      expect(lesson.steps.some((s) => s.question && (s.reveal?.chart ?? s.reveal?.figure))).toBe(true);
    }
  });
});
