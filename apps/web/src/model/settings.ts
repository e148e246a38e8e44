// The teacher's choices, remembered across reloads: one versioned JSON value in localStorage.
// What is read back is checked field by field; a field that is missing, of the wrong type or out
// of range takes its default, and a value of another version (or no JSON at all) is all defaults.
import type { TransportId } from '@wirebench/transports/contract';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { CHART_IDS, type ChartId } from '@wirebench/transports/lessons/catalog';
import { COMPRESSIBLE, DEFAULT_LANES, type CompressibleLane } from './workbench.ts';

export const SETTINGS_KEY = 'wirebench.settings';
export const SETTINGS_VERSION = 1;

/** The charts a teacher can put on the stage, in the order `C` walks through them: the lessons' catalog, which a lesson names them from. */
export { CHART_IDS, type ChartId } from '@wirebench/transports/lessons/catalog';

export const THEMES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEMES)[number];

export interface SavedSettings {
  /** Null: the workbench keeps the guest name it made up. */
  name: string | null;
  lanes: readonly TransportId[];
  pollIntervalMs: number;
  longPollTimeoutMs: number;
  /** Per WebSocket lane: permessage-deflate asked for (`?compress=1`). */
  compress: Readonly<Record<CompressibleLane, boolean>>;
  autoSendIntervalMs: number;
  autoSendTarget: TransportId | 'round-robin';
  chart: ChartId;
  projector: boolean;
  theme: ThemeChoice;
}

/** The ranges the controls accept; a saved number outside them is not used. */
export const LIMITS = {
  name: 40,
  pollIntervalMs: [50, 60_000],
  longPollTimeoutMs: [0, 60_000],
  autoSendIntervalMs: [20, 60_000],
} as const;

export const DEFAULT_SETTINGS: SavedSettings = {
  name: null,
  lanes: DEFAULT_LANES,
  pollIntervalMs: 1000,
  longPollTimeoutMs: 30_000,
  compress: { 'ws-raw': false, 'ws-lib': false },
  autoSendIntervalMs: 1000,
  autoSendTarget: 'round-robin',
  chart: 'latency',
  projector: false,
  theme: 'system',
};

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem'>;

function oneOf<T extends string>(choices: readonly T[], v: unknown, fallback: T): T {
  return typeof v === 'string' && (choices as readonly string[]).includes(v) ? (v as T) : fallback;
}

function inRange(v: unknown, [min, max]: readonly [number, number], fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fallback;
}

function lanesOf(v: unknown): readonly TransportId[] {
  if (!Array.isArray(v)) return DEFAULT_SETTINGS.lanes;
  const known = TRANSPORT_IDS.filter((t) => v.includes(t));
  // Every entry must be a transport, and one lane at least: anything else is not ours.
  return known.length > 0 && known.length === new Set(v).size && v.length === known.length ? known : DEFAULT_SETTINGS.lanes;
}

function compressOf(v: unknown): SavedSettings['compress'] {
  const o = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const d = DEFAULT_SETTINGS.compress;
  return Object.fromEntries(COMPRESSIBLE.map((t) => [t, typeof o[t] === 'boolean' ? o[t] : d[t]])) as SavedSettings['compress'];
}

/** The settings in a stored string; defaults for whatever cannot be trusted. */
export function parseSettings(raw: string | null): SavedSettings {
  let v: unknown;
  try {
    v = raw === null ? null : JSON.parse(raw);
  } catch {
    return DEFAULT_SETTINGS;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return DEFAULT_SETTINGS;
  const o = v as Record<string, unknown>;
  if (o.version !== SETTINGS_VERSION) return DEFAULT_SETTINGS;
  const d = DEFAULT_SETTINGS;
  const name = typeof o.name === 'string' && o.name.trim() !== '' && o.name.length <= LIMITS.name ? o.name : null;
  return {
    name,
    lanes: lanesOf(o.lanes),
    pollIntervalMs: inRange(o.pollIntervalMs, LIMITS.pollIntervalMs, d.pollIntervalMs),
    longPollTimeoutMs: inRange(o.longPollTimeoutMs, LIMITS.longPollTimeoutMs, d.longPollTimeoutMs),
    compress: compressOf(o.compress),
    autoSendIntervalMs: inRange(o.autoSendIntervalMs, LIMITS.autoSendIntervalMs, d.autoSendIntervalMs),
    autoSendTarget: oneOf<TransportId | 'round-robin'>(['round-robin', ...TRANSPORT_IDS], o.autoSendTarget, d.autoSendTarget),
    chart: oneOf(CHART_IDS, o.chart, d.chart),
    projector: typeof o.projector === 'boolean' ? o.projector : d.projector,
    theme: oneOf(THEMES, o.theme, d.theme),
  };
}

export function serializeSettings(s: SavedSettings): string {
  return JSON.stringify({ version: SETTINGS_VERSION, ...s });
}

/** localStorage, or null where it is refused (some private modes throw on access). */
export function browserStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function loadSettings(storage: Storage | null = browserStorage()): SavedSettings {
  try {
    return parseSettings(storage?.getItem(SETTINGS_KEY) ?? null);
  } catch {
    return DEFAULT_SETTINGS;
  }
}

export function saveSettings(s: SavedSettings, storage: Storage | null = browserStorage()): void {
  try {
    storage?.setItem(SETTINGS_KEY, serializeSettings(s));
  } catch {
    // full or refused: the page keeps working, it just forgets
  }
}

/**
 * Writes the settings now and whenever one of the sources changes, only when the stored value
 * would differ (the workbench's settings also change with every auto-sent message), and once
 * more when the page is left (`pagehide`): a store paced under load may not have told its last
 * change yet when the teacher reloads. Returns the stop.
 */
export function rememberSettings(
  read: () => SavedSettings,
  sources: ReadonlyArray<(listener: () => void) => () => void>,
  storage: Storage | null = browserStorage(),
  page: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null = typeof window === 'undefined' ? null : window,
): () => void {
  let last = '';
  const write = () => {
    const next = serializeSettings(read());
    if (next === last) return;
    last = next;
    try {
      storage?.setItem(SETTINGS_KEY, next);
    } catch {
      // as in saveSettings
    }
  };
  write();
  const offs = sources.map((subscribe) => subscribe(write));
  page?.addEventListener('pagehide', write);
  return () => {
    for (const off of offs) off();
    page?.removeEventListener('pagehide', write);
  };
}
