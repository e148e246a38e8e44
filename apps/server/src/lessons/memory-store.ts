// The lesson store in this process's memory: what a single server uses. After a restart no
// lesson runs and the answers are gone (the revision starts from the clock, so it differs
// from any revision a page saw before).
import type { AnswerOutcome, AnswerValue, LessonChange, LessonState, LessonStore } from './store.ts';

export class MemoryLessonStore implements LessonStore {
  private current: LessonState;
  private readonly byQuestion = new Map<string, Map<string, AnswerValue>>();
  private readonly listeners = new Set<(change: LessonChange) => void>();

  constructor(now: () => number = Date.now) {
    this.current = { lessonId: null, step: 0, revealed: false, measured: null, revision: now() };
  }

  async state(): Promise<LessonState> {
    return { ...this.current };
  }

  async set(next: Omit<LessonState, 'revision'>, clear: readonly string[] = []): Promise<LessonState> {
    for (const id of clear) this.byQuestion.delete(id);
    this.current = { ...next, revision: this.current.revision + 1 };
    this.emit('state');
    return { ...this.current };
  }

  async answer(questionId: string, clientId: string, value: AnswerValue, revision: number, limit: number): Promise<AnswerOutcome> {
    if (this.current.revision !== revision) return 'stale';
    let answers = this.byQuestion.get(questionId);
    const replaced = answers?.has(clientId) ?? false;
    if (!replaced && (answers?.size ?? 0) >= limit) return 'full';
    if (!answers) this.byQuestion.set(questionId, (answers = new Map()));
    answers.set(clientId, value);
    this.emit('answers');
    return replaced ? 'replaced' : 'created';
  }

  async answers(questionId: string): Promise<AnswerValue[]> {
    return [...(this.byQuestion.get(questionId)?.values() ?? [])];
  }

  async count(questionId: string): Promise<number> {
    return this.byQuestion.get(questionId)?.size ?? 0;
  }

  subscribe(listener: (change: LessonChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: LessonChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
