// Where the lesson's state lives: what the class sees (lesson, step, revealed, the measured
// truth) and the answers. Behind promises, like the Room, so a store shared by several
// processes (Redis, issue #14) is a new implementation of the same interface:
//   state    a hash (lessonId, step, revealed, measured) and an INCR'd revision
//   answers  one hash per question: clientId -> the answer (HSET says created or replaced)
//   changes  a pub/sub channel, so every process re-reads and signals its own peers.

export type AnswerValue = string | number;

export interface LessonState {
  lessonId: string | null;
  /** From 0. */
  step: number;
  revealed: boolean;
  /** The truth the teacher's dashboard measured, sent with the reveal. */
  measured: AnswerValue | null;
  /** Changes with every set(); compare for equality only. */
  revision: number;
}

export type LessonChange = 'state' | 'answers';

export type AnswerOutcome = 'created' | 'replaced' | 'full' | 'stale';

export interface LessonStore {
  state(): Promise<LessonState>;
  /** Sets what the class sees. `clear`: questions whose answers start again (a lesson started anew). */
  set(next: Omit<LessonState, 'revision'>, clear?: readonly string[]): Promise<LessonState>;
  /**
   * Stores a client's answer, replacing its earlier one. 'stale' (nothing stored) when the state's
   * revision is no longer `revision`: the teacher moved on between the check and the write.
   * 'full' (nothing stored) when the question already has `limit` answers from other clients.
   */
  answer(questionId: string, clientId: string, value: AnswerValue, revision: number, limit: number): Promise<AnswerOutcome>;
  /** Every answer to a question (at most `limit` of them, by construction). */
  answers(questionId: string): Promise<AnswerValue[]>;
  count(questionId: string): Promise<number>;
  /** Told after every change, whichever process made it. */
  subscribe(listener: (change: LessonChange) => void): () => void;
}
