// A lesson as the parser gives it. Fields are either language-independent
// (set-up, chart and figure ids, question and choice ids, answers, minutes:
// identical in every translation) or text (narration, notes, prompts, choice
// labels, captions: the translator's).
import type { AssignmentMode, TransportId } from '../contract.ts';
import type { ChartId, FigureId, LessonLanguage, Pick, Unit } from './catalog.ts';

export type AutoTarget = TransportId | 'round-robin';

/** One message sent through a lane when a step is entered (the same text in every language: its bytes are measured). */
export interface SetupSend {
  lane: TransportId;
  text: string;
}

/**
 * What a step sets on the dashboard when it is shown. A field left out keeps what the
 * dashboard has; `delay`, when present, is the whole picture (lanes it leaves out get 0).
 * `cut`, `send` and `reset` are actions done once each time the step is entered.
 */
export interface Setup {
  /** The dashboard's lanes, exactly: others are removed. */
  lanes?: TransportId[];
  pollIntervalMs?: number;
  longPollTimeoutMs?: number;
  /** The auto-sender: off, or one message every intervalMs through a lane or round-robin. */
  autoSend?: { intervalMs: number; target: AutoTarget } | 'off';
  /** Server-side delay per lane in ms (POST /api/debug/delay). */
  delay?: Partial<Record<TransportId, number>>;
  /** The class's transport assignment (POST /api/class/assign). */
  assignment?: AssignmentMode;
  /** The chart on the stage while the step is shown. */
  chart?: ChartId;
  /** Clears the measurements and reconnects the lanes (a fresh run). */
  reset?: boolean;
  /** Cuts this lane's connections server-side (POST /api/debug/cut). */
  cut?: TransportId;
  /** Sends one message through a lane. */
  send?: SetupSend;
}

/** Where the truth of a question comes from when it is not a fixed fact: a figure measured in the room. */
export interface Measured {
  figure: FigureId;
  /** A numeric question: the figure of this lane (none: the sum over the lanes). */
  lane?: TransportId;
  /** A question whose choices are lanes: the lane with the largest or smallest figure. */
  pick?: Pick;
}

export interface Choice {
  id: string;
  text: string;
}

interface QuestionBase {
  id: string;
  prompt: string;
  /** How the truth is measured in the room (none with a fixed `answer`, and none for a poll). */
  measured?: Measured;
}

export interface ChoiceQuestion extends QuestionBase {
  kind: 'choice';
  choices: Choice[];
  /** The right choice, when it is a fact rather than a measurement. */
  answer?: string;
}

export interface NumberQuestion extends QuestionBase {
  kind: 'number';
  unit: Unit;
  /** Answers outside [min, max] are refused. */
  min: number;
  max: number;
  /** An answer within this distance of the truth counts as right. */
  tolerance: number;
  answer?: number;
}

export type Question = ChoiceQuestion | NumberQuestion;

export interface Reveal {
  chart?: ChartId;
  figure?: FigureId;
  /** What to notice. */
  caption: string;
}

export interface Step {
  /** The `##` heading. */
  title: string;
  /** The teacher's words to the class (Markdown): the prose under the heading. */
  narration: string;
  /** For the teacher's eyes only (Markdown). */
  notes: string;
  minutes: number;
  setup: Setup;
  question?: Question;
  reveal?: Reveal;
}

export interface Lesson {
  /** From the file name: `01-asking-costs.md` is lesson `asking-costs`, first in the list. */
  id: string;
  order: number;
  language: LessonLanguage;
  /** The `#` heading. */
  title: string;
  /** The prose before the first step. */
  summary: string;
  steps: Step[];
}

/** One thing wrong with a lesson file, with where it is. */
export interface LessonProblem {
  file: string;
  /** 1-based; 0 when it is about the file as a whole. */
  line: number;
  message: string;
}
