// The teacher's side of a lesson (issue #13, CONTRACT v2 "lessons"): which lesson runs, which
// step the class is on, the reveal; every change goes to the server (POST /api/lesson, the
// teacher's key), and each step's set-up is applied by the dashboard itself, through the
// workbench's public methods. Plain object, outside React.
//
// Stepping back and forth leaves nothing behind: the settings in force at a step are those of
// every step up to it (a later step's field wins), so a step shows the same dashboard however
// it was reached; the actions (reset, cut, send) are the step's own and run each time it is
// entered. The server's view of the step (the tally, the truth) is fetched again with every
// change, and every second while a lesson runs, so the stage's tally is live.
import type { AssignmentMode, LessonControl, LessonInfo, LessonLang, LessonStepInfo, LessonView, TransportId } from '@wirebench/transports/contract';
import type { ChartId } from '@wirebench/transports/lessons/catalog';
import { type Schedule, frameSchedule, Store } from '../lib/store.ts';
import type { Lane } from './lane.ts';
import { measuredTruth } from './lesson-figures.ts';
import type { Workbench } from './workbench.ts';

export type Setup = LessonStepInfo['setup'];

/** How often the stage asks for the tally while a lesson runs. */
export const VIEW_INTERVAL_MS = 1000;
/** How long an action of a set-up waits for its lane to be connected before it gives up. */
export const LANE_WAIT_MS = 15_000;

/** The settings of a set-up: they stay until a later step changes them. */
type SetupSettings = Pick<Setup, 'lanes' | 'pollIntervalMs' | 'longPollTimeoutMs' | 'autoSend' | 'delay' | 'assignment' | 'chart'>;
/** The actions of a set-up: done each time the step is entered. */
type SetupActions = Pick<Setup, 'reset' | 'cut' | 'send'>;

/** What is in force at step `index`: every earlier step's settings (later ones win), and this step's actions. */
export function setupAt(steps: readonly LessonStepInfo[], index: number): { settings: SetupSettings; actions: SetupActions } {
  const settings: SetupSettings = {};
  for (const step of steps.slice(0, index + 1)) {
    const { reset: _r, cut: _c, send: _s, ...own } = step.setup;
    Object.assign(settings, own);
  }
  const { reset, cut, send } = steps[index]?.setup ?? {};
  return { settings, actions: { ...(reset ? { reset } : {}), ...(cut ? { cut } : {}), ...(send ? { send } : {}) } };
}

/** A step the teacher can reveal: it asks something or has something to show. */
export const canReveal = (step: LessonStepInfo | undefined): boolean => step !== undefined && (step.question !== undefined || step.reveal !== undefined);

export interface LessonRunState {
  /** Every lesson in the page's language; null until the first answer. */
  lessons: readonly LessonInfo[] | null;
  lessonId: string | null;
  /** From 0. */
  step: number;
  revealed: boolean;
  /** The server's view of the step as the teacher sees it (the tally at every moment, the truth once revealed). */
  view: LessonView | null;
  /** What this page measured when it revealed; null when the question is not measured or nothing could be read. */
  measured: string | number | null;
  /** When the step was entered (page clock), for the presenter's timer. */
  enteredAt: number;
  /** The last request that failed ("POST /api/lesson: 400 INVALID_BODY"), until one succeeds. */
  error: string | null;
}

export interface LessonRunnerDeps {
  workbench: Workbench;
  /** The teacher's fetch (Authorization: Bearer). */
  fetch: typeof fetch;
  baseUrl: string;
  lang: () => LessonLang;
  /** The class's transport assignment (POST /api/class/assign); the caller skips a mode already in force. */
  assign: (mode: AssignmentMode) => Promise<void>;
  /** The chart on the stage. */
  setChart: (chart: ChartId) => void;
  now: () => number;
  schedule?: Schedule;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

export class LessonRunner {
  readonly store: Store<LessonRunState>;
  /** Actions run one after another, in the order they were asked for (fast key presses included). */
  private queue: Promise<void> = Promise.resolve();
  /** Bumped by every step change: a set-up still waiting for a lane stops when it is stale. */
  private generation = 0;
  private timer: unknown = null;
  private viewAsked = 0;
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly deps: LessonRunnerDeps) {
    this.store = new Store<LessonRunState>(
      { lessons: null, lessonId: null, step: 0, revealed: false, view: null, measured: null, enteredAt: deps.now(), error: null },
      deps.schedule ?? frameSchedule,
    );
  }

  get state(): LessonRunState {
    return this.store.getSnapshot();
  }

  /** The lessons, and the lesson the server runs (a reload of the teacher page takes it up, its settings applied again). */
  start(): void {
    this.enqueue(async () => {
      await this.loadLessons();
      const view = await this.fetchView();
      if (!view || view.lessonId === null || this.state.lessonId !== null) return;
      this.patch({ lessonId: view.lessonId, step: view.step, revealed: view.revealed, view, enteredAt: this.deps.now() });
      this.startViewTimer();
      this.applying = this.applySetup(view.step, false);
    });
  }

  stopTimers(): void {
    if (this.timer === null) return;
    (this.deps.clearInterval ?? ((h) => clearInterval(h as ReturnType<typeof setInterval>)))(this.timer);
    this.timer = null;
  }

  /** The page's language changed: the lesson text comes again in it. */
  languageChanged(): void {
    this.enqueue(async () => {
      await this.loadLessons();
      await this.refreshView();
    });
  }

  lesson(id: string | null = this.state.lessonId): LessonInfo | undefined {
    return this.state.lessons?.find((l) => l.id === id);
  }

  currentStep(): LessonStepInfo | undefined {
    return this.lesson()?.steps[this.state.step];
  }

  /** Starts a lesson at its first step. */
  open(lessonId: string): Promise<void> {
    return this.enqueue(() => this.goTo(lessonId, 0));
  }

  /** Ends the lesson for the class; the dashboard keeps its set-up. */
  close(): Promise<void> {
    return this.enqueue(async () => {
      this.generation++;
      const view = await this.control({ lessonId: null, step: 0 });
      if (!view) return;
      this.stopTimers();
      this.patch({ lessonId: null, step: 0, revealed: false, view, measured: null });
    });
  }

  go(step: number): Promise<void> {
    return this.enqueue(() => this.goStep(step));
  }

  /** Measures the truth (when the question is measured in the room) and shows it with the class's answers. */
  reveal(): Promise<void> {
    return this.enqueue(() => this.doReveal());
  }

  /** Hides the reveal again: the step as it was, its chart back. */
  hide(): Promise<void> {
    return this.enqueue(() => this.doHide());
  }

  /** The clicker's forward: the reveal first when the step has one, then the next step. */
  forward(): Promise<void> {
    return this.enqueue(() => {
      if (this.state.lessonId !== null && !this.state.revealed && canReveal(this.currentStep())) return this.doReveal();
      return this.goStep(this.state.step + 1);
    });
  }

  /** The clicker's back: hides a reveal, else the step before. */
  back(): Promise<void> {
    return this.enqueue(() => (this.state.revealed ? this.doHide() : this.goStep(this.state.step - 1)));
  }

  /** The set-up of the step entered last, once applied (its waits for lanes included). */
  setupDone(): Promise<void> {
    return this.applying;
  }

  /** Asks the server for the step's view now (the tally, the truth). */
  refreshView(): Promise<void> {
    return this.fetchView().then(() => undefined);
  }

  // ---- the server ----------------------------------------------------------------------------

  private async goStep(step: number): Promise<void> {
    const lesson = this.lesson();
    if (lesson && step >= 0 && step < lesson.steps.length && step !== this.state.step) await this.goTo(lesson.id, step);
  }

  /** The class sees the step at once; its set-up goes on without holding the next key press. */
  private async goTo(lessonId: string, step: number): Promise<void> {
    const view = await this.control({ lessonId, step, revealed: false });
    if (!view) return;
    this.generation++;
    this.patch({ lessonId, step, revealed: false, view, measured: null, enteredAt: this.deps.now() });
    this.startViewTimer();
    this.applying = this.applySetup(step, true);
  }

  private async doReveal(): Promise<void> {
    const { lessonId, step, revealed } = this.state;
    const info = this.currentStep();
    if (lessonId === null || revealed || !info || !canReveal(info)) return;
    const measured = info.question ? measuredTruth(this.deps.workbench, info.question) : null;
    const view = await this.control({ lessonId, step, revealed: true, ...(measured !== null ? { measured } : {}) });
    if (!view) return;
    this.patch({ revealed: true, view, measured });
    if (info.reveal?.chart) this.deps.setChart(info.reveal.chart as ChartId);
  }

  private async doHide(): Promise<void> {
    const { lessonId, step, revealed } = this.state;
    if (lessonId === null || !revealed) return;
    const view = await this.control({ lessonId, step, revealed: false });
    if (!view) return;
    this.patch({ revealed: false, view, measured: null });
    const chart = setupAt(this.lesson()?.steps ?? [], step).settings.chart;
    if (chart) this.deps.setChart(chart);
  }

  private async loadLessons(): Promise<void> {
    const body = await this.request<{ lessons: LessonInfo[] }>('GET', `/api/lessons?lang=${this.deps.lang()}`);
    if (body) this.patch({ lessons: body.lessons });
  }

  /** The latest answer wins: one asked earlier that arrives later is dropped. */
  private async fetchView(): Promise<LessonView | null> {
    const asked = ++this.viewAsked;
    const view = await this.request<LessonView>('GET', `/api/lesson?lang=${this.deps.lang()}`);
    if (!view || asked !== this.viewAsked) return null;
    if (view.lessonId === this.state.lessonId && view.step === this.state.step) this.patch({ view });
    return view;
  }

  private async control(body: LessonControl): Promise<LessonView | null> {
    this.viewAsked++;
    return this.request<LessonView>('POST', `/api/lesson?lang=${this.deps.lang()}`, body);
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T | null> {
    try {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.headers = { 'content-type': 'application/json' };
        init.body = JSON.stringify(body);
      }
      const answer = await this.deps.fetch(`${this.deps.baseUrl}${path}`, init);
      const parsed = (await answer.json().catch(() => null)) as (T & { error?: { code?: unknown } }) | null;
      if (!answer.ok) {
        const code = parsed?.error?.code;
        this.patch({ error: `${method} ${path.split('?')[0]}: ${answer.status}${typeof code === 'string' ? ` ${code}` : ''}` });
        return null;
      }
      if (this.state.error !== null) this.patch({ error: null });
      return parsed;
    } catch (err) {
      this.patch({ error: `${method} ${path.split('?')[0]}: ${err instanceof Error ? err.message : String(err)}` });
      return null;
    }
  }

  private startViewTimer(): void {
    if (this.timer !== null) return;
    const every = this.deps.setInterval ?? ((fn, ms) => setInterval(fn, ms));
    this.timer = every(() => {
      if (this.state.lessonId !== null) void this.fetchView();
    }, VIEW_INTERVAL_MS);
  }

  // ---- the set-up ------------------------------------------------------------------------------

  /**
   * Puts the dashboard in the state step `index` asks for. `actions`: also reset, cut and send
   * (not when a reloaded page takes up a running lesson). The order: settings first, so lanes made
   * afresh start with them; the reset on the lanes that stay; then the lanes to add; the
   * auto-sender, the chart and the class's assignment; last what needs a lane's identity (delay,
   * cut), waiting for it.
   */
  async applySetup(index: number, actions: boolean): Promise<void> {
    const wb = this.deps.workbench;
    const steps = this.lesson()?.steps ?? [];
    const { settings: s, actions: a } = setupAt(steps, index);
    const generation = this.generation;
    const current = wb.settings.getSnapshot();
    if (s.pollIntervalMs !== undefined && current.pollIntervalMs !== s.pollIntervalMs) wb.setPollInterval(s.pollIntervalMs);
    if (s.longPollTimeoutMs !== undefined && current.longPollTimeoutMs !== s.longPollTimeoutMs) wb.setLongPollTimeout(s.longPollTimeoutMs);
    const wanted = s.lanes ? new Set<TransportId>(s.lanes) : null;
    if (wanted) for (const l of wb.lanes.getSnapshot()) if (!wanted.has(l.transport)) wb.removeLane(l.transport);
    if (actions && a.reset) wb.reset();
    if (wanted) for (const t of wanted) if (!wb.lane(t)) wb.addLane(t);

    if (s.autoSend === 'off') {
      if (wb.settings.getSnapshot().autoSend.running) wb.stopAutoSend();
    } else if (s.autoSend) {
      const auto = wb.settings.getSnapshot().autoSend;
      if (!auto.running || auto.intervalMs !== s.autoSend.intervalMs || auto.target !== s.autoSend.target) {
        wb.startAutoSend(s.autoSend.intervalMs, s.autoSend.target);
      }
    }
    if (s.chart) this.deps.setChart(s.chart);
    if (actions && a.send) wb.send(a.send.lane, a.send.text);
    const pending: Promise<unknown>[] = [];
    if (s.assignment) pending.push(this.deps.assign(s.assignment));
    if (s.delay) {
      for (const lane of wb.lanes.getSnapshot()) {
        const ms = s.delay[lane.transport] ?? 0;
        if (lane.store.getSnapshot().serverDelayMs === ms) continue;
        pending.push(
          this.whenLane(lane, generation, (l) => l.client.identity() !== null).then((ok) => (ok ? wb.serverDelay(lane.transport, ms) : undefined)),
        );
      }
    }
    if (actions && a.cut) {
      const lane = wb.lane(a.cut);
      if (lane) pending.push(this.whenLane(lane, generation, (l) => l.client.getSnapshot().status === 'open').then((ok) => (ok ? wb.serverCut(a.cut!) : undefined)));
    }
    await Promise.all(pending);
  }

  /**
   * Resolves true once `ready(lane)` holds (at once if it does), false when the step changed, the
   * lane was replaced, or LANE_WAIT_MS passed.
   */
  private whenLane(lane: Lane, generation: number, ready: (lane: Lane) => boolean): Promise<boolean> {
    const wb = this.deps.workbench;
    const live = () => this.generation === generation && wb.lane(lane.transport) === lane;
    if (ready(lane)) return Promise.resolve(live());
    return new Promise((resolve) => {
      const started = this.deps.now();
      let off = () => {};
      let timer: ReturnType<typeof setTimeout> | null = null;
      const finish = (ok: boolean) => {
        off();
        if (timer !== null) clearTimeout(timer);
        resolve(ok);
      };
      off = lane.client.subscribe(() => {
        if (!live()) finish(false);
        else if (ready(lane)) finish(true);
        else if (this.deps.now() - started > LANE_WAIT_MS) finish(false);
      });
      timer = setTimeout(() => finish(ready(lane) && live()), LANE_WAIT_MS);
    });
  }

  private enqueue(action: () => Promise<void>): Promise<void> {
    const run = this.queue.then(action, action);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private patch(p: Partial<LessonRunState>): void {
    this.store.update((s) => ({ ...s, ...p }));
  }
}
