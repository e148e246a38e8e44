// A student's side of a lesson (CONTRACT v2 "lessons"): what the class sees now, fetched with
// GET /api/lesson in the page's language whenever the lesson signal says it changed, and this
// student's answers (POST /api/lesson/answer with its own secret). The signal comes over the
// transport the page uses (a WebSocket frame, an SSE event named `lesson`, a field of a poll
// answer): the client hands it on as its `lesson` event. Plain object, outside React.
import type { ClientIdentity, TransportClient } from '@wirebench/transports/client';
import type { LessonLang, LessonSignal, LessonView } from '@wirebench/transports/contract';
import { type Schedule, frameSchedule, Store } from '../lib/store.ts';

export type AnswerProblem = 'closed' | 'refused' | 'network';

export interface FollowerState {
  /** What the class sees now; null until the first answer of the server. */
  view: LessonView | null;
  /** This student's answers, by question id (what the server took). */
  mine: Readonly<Record<string, string | number>>;
  /** An answer on its way. */
  sending: boolean;
  /** Why the last answer was not taken ('closed': the reveal came first, 409 QUESTION_CLOSED). */
  problem: AnswerProblem | null;
}

export interface FollowerDeps {
  fetch: typeof fetch;
  baseUrl: string;
  lang: () => LessonLang;
  /** The student's identity now (null before its first join). */
  identity: () => ClientIdentity | null;
  schedule?: Schedule;
}

/** The client's `lesson` event: every transport carries the signal (frame, SSE event, poll field). */
export function onLessonSignal(client: TransportClient, listener: (signal: LessonSignal) => void): () => void {
  return client.on('lesson', (signal) => listener(signal));
}

export class LessonFollower {
  readonly store: Store<FollowerState>;
  private asked = 0;
  private inFlight: Promise<void> | null = null;
  private again = false;

  constructor(private readonly deps: FollowerDeps) {
    this.store = new Store<FollowerState>({ view: null, mine: {}, sending: false, problem: null }, deps.schedule ?? frameSchedule);
  }

  get state(): FollowerState {
    return this.store.getSnapshot();
  }

  /**
   * A lesson signal (or, without one, "something may have changed": a connection opened, the
   * language changed). Fetches the view when the revision is new, or, once revealed, when
   * more answers came in.
   */
  signal(signal?: LessonSignal): void {
    const view = this.state.view;
    if (signal && view && signal.revision === view.revision && (!view.revealed || signal.answers === view.answers)) return;
    void this.refresh();
  }

  /** GET /api/lesson now; a request asked while one is out runs once after it. */
  refresh(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = this.fetchView().finally(() => {
      this.inFlight = null;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.inFlight;
  }

  /** One tap: a choice's id, or a number. A later answer replaces the earlier one until the reveal. */
  async answer(choice: string | number): Promise<void> {
    const question = this.state.view?.question;
    const identity = this.deps.identity();
    if (!question || !identity || this.state.view?.revealed) return;
    this.patch({ sending: true, problem: null });
    try {
      const res = await this.deps.fetch(`${this.deps.baseUrl}/api/lesson/answer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: identity.clientId, clientSecret: identity.clientSecret, questionId: question.id, choice }),
      });
      if (res.status === 201) {
        this.patch({ sending: false, mine: { ...this.state.mine, [question.id]: choice } });
        return;
      }
      this.patch({ sending: false, problem: res.status === 409 ? 'closed' : 'refused' });
      if (res.status === 409) void this.refresh();
    } catch {
      this.patch({ sending: false, problem: 'network' });
    }
  }

  private async fetchView(): Promise<void> {
    const asked = ++this.asked;
    try {
      const res = await this.deps.fetch(`${this.deps.baseUrl}/api/lesson?lang=${this.deps.lang()}`);
      if (!res.ok) return;
      const view = (await res.json()) as LessonView;
      if (asked !== this.asked) return;
      const before = this.state.view;
      // Another lesson (or none): the answers this page remembers belong to the one before.
      const mine = before && before.lessonId !== view.lessonId ? {} : this.state.mine;
      const stepChanged = !before || before.lessonId !== view.lessonId || before.step !== view.step;
      this.patch({ view, mine, ...(stepChanged ? { problem: null } : {}) });
    } catch {
      // The network: the next signal asks again.
    }
  }

  private patch(p: Partial<FollowerState>): void {
    this.store.update((s) => ({ ...s, ...p }));
  }
}
