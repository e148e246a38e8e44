// The lesson service behind the four endpoints of CONTRACT v2 "lessons": the lessons in
// each language, what the class sees now, the teacher's control and the class's answers.
// It keeps the current signal (signal.ts) for the fan-out layer and tells it of every
// change: at once for a new step or a reveal, at most every `answerSignalMs` for answers.
import type {
  LessonAnswerResponse,
  LessonControl,
  LessonInfo,
  LessonLang,
  LessonQuestionInfo,
  LessonsResponse,
  LessonTally,
  LessonView,
} from '@wirebench/transports/contract';
import type { Lesson, Question, Step } from '@wirebench/transports/lessons';
import { InvalidBody } from '../errors.ts';
import type { LessonCatalog } from './catalog.ts';
import { QuestionClosed, TooManyAnswers } from './errors.ts';
import { signalOf, WiredSignal } from './signal.ts';
import type { AnswerValue, LessonState, LessonStore } from './store.ts';

export interface LessonTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemTimers: LessonTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface LessonServiceOptions {
  /** Answers one question may hold: one per client the room can know (config.maxClients). */
  maxAnswers: number;
  /** New answers are signalled at most this often (a class answering at once is one signal, not sixty). */
  answerSignalMs?: number;
  timers?: LessonTimers;
}

const DEFAULT_ANSWER_SIGNAL_MS = 500;

function questionInfo(q: Question): LessonQuestionInfo {
  if (q.kind === 'choice') return { id: q.id, kind: 'choice', prompt: q.prompt, choices: q.choices.map((c) => ({ ...c })) };
  return { id: q.id, kind: 'number', prompt: q.prompt, choices: [], unit: q.unit, min: q.min, max: q.max, tolerance: q.tolerance };
}

function lessonInfo(lesson: Lesson, teacher: boolean): LessonInfo {
  return {
    id: lesson.id,
    title: lesson.title,
    summary: lesson.summary,
    minutes: lesson.steps.reduce((sum, s) => sum + s.minutes, 0),
    steps: lesson.steps.map((s) => ({
      title: s.title,
      narration: s.narration,
      notes: s.notes,
      minutes: s.minutes,
      setup: s.setup,
      ...(s.question && {
        question: {
          ...questionInfo(s.question),
          ...(s.question.measured && { measured: s.question.measured }),
          ...(teacher && s.question.answer !== undefined && { answer: s.question.answer }),
        },
      }),
      ...(s.reveal && { reveal: { ...s.reveal } }),
    })),
  };
}

const isRight = (q: Question, value: AnswerValue, truth: AnswerValue): boolean =>
  q.kind === 'choice' ? value === truth : typeof value === 'number' && typeof truth === 'number' && Math.abs(value - truth) <= q.tolerance;

function tallyOf(q: Question, values: readonly AnswerValue[], truth: AnswerValue | undefined): LessonTally {
  const tally: LessonTally = { total: values.length };
  if (q.kind === 'choice') {
    tally.counts = Object.fromEntries(q.choices.map((c) => [c.id, 0]));
    for (const v of values) if (typeof v === 'string' && v in tally.counts) tally.counts[v]! += 1;
  } else {
    const numbers = values.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
    const counts = new Map<number, number>();
    for (const n of numbers) counts.set(n, (counts.get(n) ?? 0) + 1);
    tally.values = [...counts].map(([value, count]) => ({ value, count }));
    if (numbers.length > 0) {
      const mid = numbers.length >> 1;
      tally.median = numbers.length % 2 ? numbers[mid]! : (numbers[mid - 1]! + numbers[mid]!) / 2;
    }
  }
  if (truth !== undefined) tally.right = values.filter((v) => isRight(q, v, truth)).length;
  return tally;
}

export class LessonService {
  private latest: WiredSignal;
  private readonly listeners = new Set<(signal: WiredSignal) => void>();
  private readonly timers: LessonTimers;
  private answerTimer: unknown = null;
  private readonly unsubscribe: () => void;
  /** Settles when the current signal reflects the store (after start and after each change). */
  ready: Promise<void>;

  constructor(
    readonly catalog: LessonCatalog,
    readonly store: LessonStore,
    private readonly options: LessonServiceOptions,
  ) {
    this.timers = options.timers ?? systemTimers;
    this.latest = new WiredSignal({ type: 'lesson', revision: 0, lessonId: null, step: 0, revealed: false, answers: 0 });
    this.unsubscribe = store.subscribe((change) => {
      if (change === 'state') {
        this.ready = this.refresh();
        return;
      }
      if (this.answerTimer !== null) return;
      this.answerTimer = this.timers.setTimeout(() => {
        this.answerTimer = null;
        this.ready = this.refresh();
      }, options.answerSignalMs ?? DEFAULT_ANSWER_SIGNAL_MS);
    });
    this.ready = this.refresh();
  }

  /** The signal for what the class sees now: for a new peer, and in every poll answer. */
  get signal(): WiredSignal {
    return this.latest;
  }

  /** Called with every new signal (the fan-out layer sends it to every peer). */
  subscribe(listener: (signal: WiredSignal) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.unsubscribe();
    if (this.answerTimer !== null) this.timers.clearTimeout(this.answerTimer);
    this.answerTimer = null;
    this.listeners.clear();
  }

  list(lang: LessonLang, teacher: boolean): LessonsResponse {
    return { lessons: this.catalog.lessons[lang].map((l) => lessonInfo(l, teacher)) };
  }

  async view(lang: LessonLang, teacher: boolean): Promise<LessonView> {
    const state = await this.store.state();
    const lesson = state.lessonId === null ? undefined : this.catalog.get(state.lessonId)?.[lang];
    const step = lesson?.steps[state.step];
    if (!lesson || !step) return { lessonId: null, step: 0, steps: 0, title: null, revealed: false, answers: 0, revision: state.revision };
    const q = step.question;
    const view: LessonView = {
      lessonId: lesson.id,
      step: state.step,
      steps: lesson.steps.length,
      title: lesson.title,
      stepTitle: step.title,
      narration: step.narration,
      minutes: step.minutes,
      revealed: state.revealed,
      answers: q ? await this.store.count(q.id) : 0,
      revision: state.revision,
    };
    if (q) view.question = questionInfo(q);
    if (state.revealed || teacher) {
      if (step.reveal) view.reveal = { ...step.reveal };
      const truth = q?.answer ?? (q && state.measured !== null ? state.measured : undefined);
      if (q?.answer !== undefined) view.truth = { answer: q.answer };
      else if (truth !== undefined) view.truth = { measured: truth };
      if (q) view.tally = tallyOf(q, await this.store.answers(q.id), truth);
    }
    if (teacher) {
      view.notes = step.notes;
      view.setup = step.setup;
    }
    return view;
  }

  /** The teacher sets what the class sees; a bad request changes nothing. */
  async control(input: LessonControl, lang: LessonLang): Promise<LessonView> {
    const revealed = input.revealed ?? false;
    const measured = input.measured ?? null;
    if (input.lessonId === null) {
      if (revealed || measured !== null) throw new InvalidBody('no lesson runs: nothing to reveal');
      await this.store.set({ lessonId: null, step: 0, revealed: false, measured: null });
      return this.view(lang, true);
    }
    const lesson = this.catalog.get(input.lessonId)?.en;
    if (!lesson) {
      throw new InvalidBody(`no lesson "${input.lessonId}" (lessons: ${this.catalog.lessons.en.map((l) => l.id).join(', ') || 'none'})`);
    }
    const step: Step | undefined = lesson.steps[input.step];
    if (!step) throw new InvalidBody(`lesson "${lesson.id}" has steps 0 to ${lesson.steps.length - 1}, not ${input.step}`);
    if (revealed && !step.reveal && !step.question) throw new InvalidBody(`step ${input.step} of "${lesson.id}" has nothing to reveal`);
    if (measured !== null) checkMeasured(step, revealed, measured);
    const before = await this.store.state();
    // Starting a lesson (another one ran, or none) starts its questions' answers again.
    const clear = before.lessonId === lesson.id ? [] : lesson.steps.flatMap((s) => (s.question ? [s.question.id] : []));
    await this.store.set({ lessonId: lesson.id, step: input.step, revealed, measured }, clear);
    return this.view(lang, true);
  }

  /** A client's answer to the open question (the caller has checked its secret). */
  async answer(clientId: string, questionId: string, choice: AnswerValue): Promise<LessonAnswerResponse> {
    const lessonId = this.catalog.lessonOf(questionId);
    if (lessonId === undefined) throw new InvalidBody(`no question "${questionId}" in any lesson`);
    const state = await this.store.state();
    const q = this.currentQuestion(state);
    if (state.lessonId !== lessonId || q?.id !== questionId) throw new QuestionClosed(questionId, 'the class is not on it');
    if (state.revealed) throw new QuestionClosed(questionId, 'its answer has been revealed');
    if (q.kind === 'choice') {
      if (typeof choice !== 'string' || !q.choices.some((c) => c.id === choice)) {
        throw new InvalidBody(`choice must be one of ${q.choices.map((c) => c.id).join(', ')}`);
      }
    } else if (typeof choice !== 'number' || !Number.isFinite(choice) || choice < q.min || choice > q.max) {
      throw new InvalidBody(`choice must be a number from ${q.min} to ${q.max}`);
    }
    const outcome = await this.store.answer(questionId, clientId, choice, state.revision, this.options.maxAnswers);
    if (outcome === 'stale') throw new QuestionClosed(questionId, 'the teacher moved on');
    if (outcome === 'full') throw new TooManyAnswers(questionId);
    return { questionId, choice, replaced: outcome === 'replaced' };
  }

  private currentQuestion(state: LessonState): Question | undefined {
    return state.lessonId === null ? undefined : this.catalog.get(state.lessonId)?.en.steps[state.step]?.question;
  }

  private async refresh(): Promise<void> {
    const state = await this.store.state();
    const q = this.currentQuestion(state);
    const next = signalOf(state, q ? await this.store.count(q.id) : 0);
    const before = this.latest.signal;
    if (next.revision === before.revision && next.answers === before.answers && next.lessonId === before.lessonId) return;
    this.latest = new WiredSignal(next);
    for (const listener of this.listeners) listener(this.latest);
  }
}

/** The measured truth the dashboard sends with a reveal: a lane (a choice's id) or a number. */
function checkMeasured(step: Step, revealed: boolean, measured: AnswerValue): void {
  const q = step.question;
  if (!revealed) throw new InvalidBody('measured goes with revealed: true');
  if (!q?.measured) throw new InvalidBody('this step has no question measured in the room');
  if (q.kind === 'choice' && (typeof measured !== 'string' || !q.choices.some((c) => c.id === measured))) {
    throw new InvalidBody(`measured must be one of ${q.choices.map((c) => c.id).join(', ')}`);
  }
  if (q.kind === 'number' && (typeof measured !== 'number' || !Number.isFinite(measured))) throw new InvalidBody('measured must be a number');
}
