// Reading one ```step block (YAML, already parsed into plain values) into a
// typed step part, reporting every field that is missing, misspelt, out of
// range or names something the dashboard does not have. No I/O.
import { TRANSPORT_IDS, type TransportId } from '../contract.ts';
import {
  ASSIGNMENTS,
  CHARTS,
  FIGURES,
  ID_PATTERN,
  PICKS,
  SETUP_LIMITS,
  STEP_MINUTES,
  UNITS,
  type ChartId,
  type FigureId,
  type Unit,
} from './catalog.ts';
import type { Choice, Measured, Question, Reveal, Setup } from './types.ts';

/** A step's block, read: what the Markdown around it does not hold. */
export interface StepBlock {
  minutes: number;
  notes: string;
  setup: Setup;
  question?: Question;
  reveal?: Reveal;
}

type Report = (message: string) => void;
type Obj = Record<string, unknown>;

const STEP_KEYS = ['minutes', 'notes', 'setup', 'question', 'reveal'] as const;
export const SETUP_KEYS = [
  'lanes',
  'pollIntervalMs',
  'longPollTimeoutMs',
  'autoSend',
  'delay',
  'assignment',
  'chart',
  'reset',
  'cut',
  'send',
] as const satisfies readonly (keyof Setup)[];
const QUESTION_KEYS = ['id', 'prompt', 'choices', 'number', 'answer', 'measured'] as const;
const NUMBER_KEYS = ['unit', 'min', 'max', 'tolerance'] as const;
const MEASURED_KEYS = ['figure', 'lane', 'pick'] as const;
const REVEAL_KEYS = ['chart', 'figure', 'caption'] as const;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (xs: readonly string[]) => xs.join(', ');
const isLane = (v: unknown): v is TransportId => typeof v === 'string' && (TRANSPORT_IDS as readonly string[]).includes(v);
const isChart = (v: unknown): v is ChartId => typeof v === 'string' && Object.hasOwn(CHARTS, v);
const isFigure = (v: unknown): v is FigureId => typeof v === 'string' && Object.hasOwn(FIGURES, v);

function onlyKeys(value: Obj, allowed: readonly string[], where: string, report: Report, noun = 'field'): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) report(`${where}unknown ${noun} "${key}" (known: ${list(allowed)})`);
  }
}

function text(value: unknown, where: string, report: Report): string {
  if (typeof value !== 'string' || value.trim() === '') {
    report(`${where} must be some text`);
    return '';
  }
  return value.trim();
}

function numberIn(value: unknown, [min, max]: readonly [number, number], where: string, report: Report, integer = true): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    report(`${where} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value;
}

function lane(value: unknown, where: string, report: Report): TransportId | undefined {
  if (isLane(value)) return value;
  report(`${where}: unknown lane ${JSON.stringify(value)} (lanes: ${list(TRANSPORT_IDS)})`);
  return undefined;
}

function readSetup(value: unknown, report: Report): Setup {
  const setup: Setup = {};
  if (value === undefined) return setup;
  if (!isObj(value)) {
    report('setup must be a mapping of settings');
    return setup;
  }
  onlyKeys(value, SETUP_KEYS, 'setup: ', report, 'setting');
  const limits = SETUP_LIMITS;
  if (value.lanes !== undefined) {
    if (!Array.isArray(value.lanes) || value.lanes.length === 0) report('setup.lanes must be a list of lanes');
    else {
      const lanes = value.lanes.map((v) => lane(v, 'setup.lanes', report)).filter((v): v is TransportId => v !== undefined);
      if (new Set(lanes).size !== lanes.length) report('setup.lanes names a lane twice');
      setup.lanes = lanes;
    }
  }
  if (value.pollIntervalMs !== undefined) setup.pollIntervalMs = numberIn(value.pollIntervalMs, limits.pollIntervalMs, 'setup.pollIntervalMs', report);
  if (value.longPollTimeoutMs !== undefined) {
    setup.longPollTimeoutMs = numberIn(value.longPollTimeoutMs, limits.longPollTimeoutMs, 'setup.longPollTimeoutMs', report);
  }
  if (value.autoSend !== undefined) {
    const auto = value.autoSend;
    if (auto === 'off') setup.autoSend = 'off';
    else if (!isObj(auto)) report('setup.autoSend must be "off" or { intervalMs, target }');
    else {
      onlyKeys(auto, ['intervalMs', 'target'], 'setup.autoSend: ', report);
      const intervalMs = numberIn(auto.intervalMs, limits.autoSendIntervalMs, 'setup.autoSend.intervalMs', report);
      const target = auto.target === 'round-robin' ? 'round-robin' : lane(auto.target, 'setup.autoSend.target', report);
      if (intervalMs !== undefined && target !== undefined) setup.autoSend = { intervalMs, target };
    }
  }
  if (value.delay !== undefined) {
    if (!isObj(value.delay)) report('setup.delay must map lanes to milliseconds');
    else {
      const delay: Setup['delay'] = {};
      for (const [key, ms] of Object.entries(value.delay)) {
        const id = lane(key, 'setup.delay', report);
        const n = numberIn(ms, limits.delayMs, `setup.delay.${key}`, report);
        if (id !== undefined && n !== undefined) delay[id] = n;
      }
      setup.delay = delay;
    }
  }
  if (value.assignment !== undefined) {
    if ((ASSIGNMENTS as readonly unknown[]).includes(value.assignment)) setup.assignment = value.assignment as Setup['assignment'];
    else report(`setup.assignment must be one of ${list(ASSIGNMENTS)}, got ${JSON.stringify(value.assignment)}`);
  }
  if (value.chart !== undefined) {
    if (isChart(value.chart)) setup.chart = value.chart;
    else report(`setup.chart: unknown chart ${JSON.stringify(value.chart)} (charts: ${list(Object.keys(CHARTS))})`);
  }
  if (value.reset !== undefined) {
    if (value.reset === true) setup.reset = true;
    else report('setup.reset can only be true (leave it out otherwise)');
  }
  if (value.cut !== undefined) setup.cut = lane(value.cut, 'setup.cut', report);
  if (value.send !== undefined) {
    const send = value.send;
    if (!isObj(send)) report('setup.send must be { lane, text }');
    else {
      onlyKeys(send, ['lane', 'text'], 'setup.send: ', report);
      const id = lane(send.lane, 'setup.send.lane', report);
      const body = text(send.text, 'setup.send.text', report);
      const [min, max] = limits.sendTextLength;
      const length = [...body].length;
      if (length < min || length > max) report(`setup.send.text must have ${min} to ${max} characters`);
      if (id !== undefined && body !== '') setup.send = { lane: id, text: body };
    }
  }
  return setup;
}

function readChoices(value: unknown, report: Report): Choice[] {
  if (!Array.isArray(value) || value.length < 2) {
    report('question.choices must be a list of at least two { id, text }');
    return [];
  }
  const choices: Choice[] = [];
  value.forEach((item, i) => {
    const where = `question.choices[${i + 1}]`;
    if (!isObj(item)) return report(`${where} must be { id, text }`);
    onlyKeys(item, ['id', 'text'], `${where}: `, report);
    if (typeof item.id !== 'string' || !ID_PATTERN.test(item.id)) {
      return report(`${where}.id must be lower-case words joined by dashes, got ${JSON.stringify(item.id)}`);
    }
    if (choices.some((c) => c.id === item.id)) return report(`${where}.id "${item.id}" is used twice`);
    choices.push({ id: item.id, text: text(item.text, `${where}.text`, report) });
  });
  return choices;
}

function readMeasured(value: unknown, report: Report): Measured | undefined {
  if (!isObj(value)) {
    report('question.measured must be { figure, lane?, pick? }');
    return undefined;
  }
  onlyKeys(value, MEASURED_KEYS, 'question.measured: ', report);
  if (!isFigure(value.figure)) {
    report(`question.measured.figure: unknown figure ${JSON.stringify(value.figure)} (figures: ${list(Object.keys(FIGURES))})`);
    return undefined;
  }
  const measured: Measured = { figure: value.figure };
  if (FIGURES[value.figure].unit === null) report(`question.measured.figure "${value.figure}" is a picture, not a number`);
  if (value.lane !== undefined) {
    const id = lane(value.lane, 'question.measured.lane', report);
    if (id) measured.lane = id;
  }
  if (value.pick !== undefined) {
    if ((PICKS as readonly unknown[]).includes(value.pick)) measured.pick = value.pick as Measured['pick'];
    else report(`question.measured.pick must be one of ${list(PICKS)}`);
  }
  return measured;
}

function readQuestion(value: unknown, report: Report): Question | undefined {
  if (!isObj(value)) {
    report('question must be a mapping');
    return undefined;
  }
  onlyKeys(value, QUESTION_KEYS, 'question: ', report);
  const id = typeof value.id === 'string' && ID_PATTERN.test(value.id) ? value.id : undefined;
  if (!id) report(`question.id must be lower-case words joined by dashes, got ${JSON.stringify(value.id)}`);
  const prompt = text(value.prompt, 'question.prompt', report);
  const measured = value.measured === undefined ? undefined : readMeasured(value.measured, report);
  if (measured && value.answer !== undefined) report('question has both a fixed answer and a measured one: keep one');
  const hasChoices = value.choices !== undefined;
  const hasNumber = value.number !== undefined;
  if (hasChoices === hasNumber) {
    report('question needs either choices or number (one of them)');
    return undefined;
  }
  if (hasChoices) {
    const choices = readChoices(value.choices, report);
    const question: Question = { kind: 'choice', id: id ?? '', prompt, choices };
    if (value.answer !== undefined) {
      if (typeof value.answer === 'string' && choices.some((c) => c.id === value.answer)) question.answer = value.answer;
      else report(`question.answer ${JSON.stringify(value.answer)} is not one of the choices' ids`);
    }
    if (measured) {
      question.measured = measured;
      if (measured.pick === undefined) report('question.measured needs pick (max or min): the choices are lanes, and the measurement picks one');
      if (measured.lane !== undefined) report('question.measured.lane belongs to a numeric question; choices pick a lane');
      if (!FIGURES[measured.figure].perLane) report(`question.measured.figure "${measured.figure}" is not measured per lane: it cannot pick a choice`);
      const notLanes = choices.filter((c) => !isLane(c.id)).map((c) => c.id);
      if (notLanes.length > 0) report(`question.measured picks a lane, but choices ${list(notLanes)} are not lanes`);
    }
    return question;
  }
  const number = value.number;
  if (!isObj(number)) {
    report('question.number must be { unit, min, max, tolerance }');
    return undefined;
  }
  onlyKeys(number, NUMBER_KEYS, 'question.number: ', report);
  let unit: Unit = 'ms';
  if ((UNITS as readonly unknown[]).includes(number.unit)) unit = number.unit as Unit;
  else report(`question.number.unit must be one of ${list(UNITS)}, got ${JSON.stringify(number.unit)}`);
  const bound = [-1e12, 1e12] as const;
  const min = numberIn(number.min, bound, 'question.number.min', report, false) ?? 0;
  const max = numberIn(number.max, bound, 'question.number.max', report, false) ?? 0;
  if (min >= max) report('question.number.min must be below max');
  const tolerance = numberIn(number.tolerance, [0, 1e12], 'question.number.tolerance', report, false) ?? 0;
  const question: Question = { kind: 'number', id: id ?? '', prompt, unit, min, max, tolerance };
  if (value.answer !== undefined) {
    if (typeof value.answer === 'number' && value.answer >= min && value.answer <= max) question.answer = value.answer;
    else report(`question.answer must be a number from min to max, got ${JSON.stringify(value.answer)}`);
  }
  if (measured) {
    question.measured = measured;
    if (measured.pick !== undefined) report('question.measured.pick belongs to a question whose choices are lanes');
    const figureUnit = FIGURES[measured.figure].unit;
    if (figureUnit !== null && figureUnit !== unit) report(`question.number.unit is ${unit}, but figure "${measured.figure}" is in ${figureUnit}`);
  }
  return question;
}

function readReveal(value: unknown, report: Report): Reveal | undefined {
  if (!isObj(value)) {
    report('reveal must be { chart or figure, caption }');
    return undefined;
  }
  onlyKeys(value, REVEAL_KEYS, 'reveal: ', report);
  const reveal: Reveal = { caption: text(value.caption, 'reveal.caption', report) };
  if (value.chart !== undefined) {
    if (isChart(value.chart)) reveal.chart = value.chart;
    else report(`reveal.chart: unknown chart ${JSON.stringify(value.chart)} (charts: ${list(Object.keys(CHARTS))})`);
  }
  if (value.figure !== undefined) {
    if (isFigure(value.figure)) reveal.figure = value.figure;
    else report(`reveal.figure: unknown figure ${JSON.stringify(value.figure)} (figures: ${list(Object.keys(FIGURES))})`);
  }
  if (value.chart === undefined && value.figure === undefined) report('reveal needs a chart or a figure that answers the question');
  return reveal;
}

/** The block's values, checked; every problem goes to `report` (the caller adds where). */
export function readStepBlock(value: unknown, report: Report): StepBlock {
  const block: StepBlock = { minutes: 0, notes: '', setup: {} };
  if (!isObj(value)) {
    report('the step block must be a YAML mapping (minutes, notes, setup, question, reveal)');
    return block;
  }
  onlyKeys(value, STEP_KEYS, '', report);
  block.minutes = numberIn(value.minutes, STEP_MINUTES, 'minutes', report, false) ?? 0;
  block.notes = text(value.notes, 'notes', report);
  block.setup = readSetup(value.setup, report);
  if (value.question !== undefined) {
    const question = readQuestion(value.question, report);
    if (question) block.question = question;
  }
  if (value.reveal !== undefined) {
    const reveal = readReveal(value.reveal, report);
    if (reveal) block.reveal = reveal;
  }
  return block;
}
