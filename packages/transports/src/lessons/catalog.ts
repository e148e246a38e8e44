// What a lesson may name: the dashboard's charts, its figures, the units of a
// numeric question and the ranges of every set-up setting. One table each,
// read by the lesson checker, the server and the dashboard alike, so a lesson
// can never point at something the screen does not have.
import { DEFAULTS } from '../contract.ts';

/** The lessons' languages: docs/lessons/ (en) and docs/zh-CN/lessons/ (zh-CN). */
export const LESSON_LANGUAGES = ['en', 'zh-CN'] as const;
export type LessonLanguage = (typeof LESSON_LANGUAGES)[number];

/** Each language's lesson folder, relative to docs/. */
export const LESSON_DIRS: Readonly<Record<LessonLanguage, string>> = { en: 'lessons', 'zh-CN': 'zh-CN/lessons' };

export interface ChartInfo {
  /** What it draws, for the docs and the dashboard's engineers (the screen's own labels live in its i18n files). */
  description: string;
}

/** The charts of the Measurements panel and the stage, in the order the `C` key walks through them. */
export const CHARTS = {
  latency: { description: 'delivery latency of each message (ms) by seq, one line per lane' },
  histogram: { description: 'distribution of delivery latency per lane, with p50, p95 and p99 marked' },
  requests: { description: 'requests made by each lane since the run started' },
  'requests-rate': { description: 'requests per second of each lane' },
  bytes: { description: 'bytes on the wire per delivered message of each lane, headers against payload' },
} as const satisfies Record<string, ChartInfo>;
export type ChartId = keyof typeof CHARTS;
export const CHART_IDS = Object.keys(CHARTS) as ChartId[];

/** A unit a numeric question's answer is given in (the screen translates it). */
export const UNITS = ['ms', 's', 'bytes', 'bits', 'characters', 'messages', 'requests', 'requests/min'] as const;
export type Unit = (typeof UNITS)[number];

export interface FigureInfo {
  /** Where the dashboard shows it. */
  where: string;
  /** Measured per lane (the answer of a question names a lane, or picks one), or one thing for the room. */
  perLane: boolean;
  /** The unit of its number; null for a figure that is a picture or a table, not one number. */
  unit: Unit | null;
  description: string;
}

/**
 * The figures a reveal may show and a measured answer may be read from. A per-lane figure read
 * without a lane is the sum over the dashboard's lanes.
 */
export const FIGURES = {
  'requests-per-minute': {
    where: 'lane cards (requests) and the requests-rate chart',
    perLane: true,
    unit: 'requests/min',
    description: 'requests the lane made in the last 60 s of the run (the request rate times 60 while the run is shorter)',
  },
  'latency-p50': { where: 'percentiles table under the latency charts', perLane: true, unit: 'ms', description: 'median delivery latency of the lane' },
  'latency-p95': { where: 'percentiles table under the latency charts', perLane: true, unit: 'ms', description: '95th percentile of delivery latency' },
  'bytes-per-message': {
    where: 'bytes table under the bytes chart',
    perLane: true,
    unit: 'bytes',
    description: 'bytes on the wire per delivered message, headers and payload together',
  },
  'header-bytes-per-message': {
    where: 'bytes table under the bytes chart',
    perLane: true,
    unit: 'bytes',
    description: 'header bytes (HTTP headers, frame headers, SSE field names) per delivered message',
  },
  'payload-bytes-per-message': {
    where: 'bytes table under the bytes chart',
    perLane: true,
    unit: 'bytes',
    description: 'payload bytes (the message JSON) per delivered message',
  },
  'seq-gaps': { where: 'lane cards (seq: gaps)', perLane: true, unit: 'messages', description: 'seqs the lane never received' },
  'seq-duplicates': { where: 'lane cards (seq: duplicates)', perLane: true, unit: 'messages', description: 'seqs the lane received more than once' },
  reconnects: { where: 'lane cards (reconnects)', perLane: true, unit: 'messages', description: 'times the lane opened its channel again' },
  handshake: {
    where: 'inspector: the last handshake of the hand-rolled lane, Sec-WebSocket-Accept worked step by step',
    perLane: false,
    unit: null,
    description: 'the live Sec-WebSocket-Key, the GUID, the SHA-1 and the accept value',
  },
  frame: {
    where: 'inspector: the frames of the hand-rolled lane, header bits, mask key and payload',
    perLane: false,
    unit: null,
    description: 'the most recent frames of the hand-rolled WebSocket, in both directions',
  },
  'frame-payload-length': {
    where: 'inspector: the newest frame the hand-rolled lane sent (direction in)',
    perLane: false,
    unit: 'bytes',
    description: 'the payload length that frame declares',
  },
  'frame-header-length': {
    where: 'inspector: the newest frame the hand-rolled lane sent (direction in)',
    perLane: false,
    unit: 'bytes',
    description: 'the bytes of that frame before its payload: two, the extended length if any, the mask key',
  },
  'handshake-calculator': {
    where: 'docs chapter 2 (widget handshake-calculator)',
    perLane: false,
    unit: null,
    description: 'computes Sec-WebSocket-Accept for a key anyone types',
  },
  'frame-decoder': {
    where: 'docs chapter 3 (widget frame-decoder)',
    perLane: false,
    unit: null,
    description: 'decodes a frame typed as hex, bit by bit',
  },
} as const satisfies Record<string, FigureInfo>;
export type FigureId = keyof typeof FIGURES;
export const FIGURE_IDS = Object.keys(FIGURES) as FigureId[];

/** How the dashboard picks the measured answer of a question whose choices are lanes. */
export const PICKS = ['max', 'min'] as const;
export type Pick = (typeof PICKS)[number];

/** The class's transport assignment (POST /api/class/assign). */
export const ASSIGNMENTS = ['round-robin', 'none'] as const;

/** Ranges of the set-up settings: the dashboard's controls and the server's debug limits. */
export const SETUP_LIMITS = {
  pollIntervalMs: [50, 60_000],
  longPollTimeoutMs: [0, DEFAULTS.longPollMaxTimeoutMs],
  autoSendIntervalMs: [20, 60_000],
  delayMs: [0, 10_000],
  sendTextLength: [1, DEFAULTS.maxTextLength],
} as const;

/** Suggested minutes: of one step, and of a whole lesson (the issue asks for 5–10 minute lessons). */
export const STEP_MINUTES = [0.25, 10] as const;
export const LESSON_MINUTES = [5, 10] as const;

/** A lesson file's name: two digits (its place in the list), a dash, the lesson's id. */
export const LESSON_FILE = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$/;
/** Question and choice ids: lower-case words joined by dashes. */
export const ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
