// The remembered settings: what comes back from localStorage is checked field by field, and
// anything corrupted, out of range or from another version falls back to the defaults.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  loadSettings,
  parseSettings,
  rememberSettings,
  saveSettings,
  serializeSettings,
  SETTINGS_KEY,
  SETTINGS_VERSION,
  type SavedSettings,
} from '../src/model/settings.ts';

class MemoryStorage {
  readonly items = new Map<string, string>();
  writes = 0;
  getItem(k: string): string | null {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.writes++;
    this.items.set(k, v);
  }
}

const chosen: SavedSettings = {
  name: 'Ms. Lin',
  lanes: ['ws-raw', 'sse'],
  pollIntervalMs: 2500,
  longPollTimeoutMs: 10_000,
  compress: { 'ws-raw': true, 'ws-lib': false },
  autoSendIntervalMs: 50,
  autoSendTarget: 'sse',
  chart: 'bytes',
  projector: true,
  theme: 'dark',
};

describe('settings', () => {
  it('round-trips every field through storage', () => {
    const storage = new MemoryStorage();
    saveSettings(chosen, storage);
    expect(JSON.parse(storage.items.get(SETTINGS_KEY)!).version).toBe(SETTINGS_VERSION);
    expect(loadSettings(storage)).toEqual(chosen);
  });

  it('gives the defaults for nothing stored, broken JSON, a non-object, or another version', () => {
    for (const raw of [null, '', '{', 'null', '42', '"dark"', '[1,2]', JSON.stringify({ ...chosen, version: 0 }), JSON.stringify(chosen)]) {
      expect(parseSettings(raw), String(raw)).toEqual(DEFAULT_SETTINGS);
    }
  });

  it('replaces each untrustworthy field by its default and keeps the others', () => {
    const stored = {
      ...chosen,
      version: SETTINGS_VERSION,
      name: 'x'.repeat(41),
      lanes: ['ws-raw', 'carrier-pigeon'],
      pollIntervalMs: 10,
      longPollTimeoutMs: '5000',
      compress: 'yes',
      autoSendIntervalMs: 1.5,
      autoSendTarget: 'smoke-signals',
      chart: 'pie',
      projector: 'yes',
      theme: 'sepia',
    };
    expect(parseSettings(JSON.stringify(stored))).toEqual(DEFAULT_SETTINGS);
    const half = { ...stored, name: 'Ana', pollIntervalMs: 500, chart: 'histogram' };
    expect(parseSettings(JSON.stringify(half))).toEqual({ ...DEFAULT_SETTINGS, name: 'Ana', pollIntervalMs: 500, chart: 'histogram' });
  });

  it('takes only a list of distinct, known lanes, at least one, in the dashboard order', () => {
    const lanes = (v: unknown) => parseSettings(JSON.stringify({ version: SETTINGS_VERSION, lanes: v })).lanes;
    expect(lanes(['sse', 'ws-raw'])).toEqual(['ws-raw', 'sse']);
    expect(lanes([])).toEqual(DEFAULT_SETTINGS.lanes);
    expect(lanes(['sse', 'sse'])).toEqual(DEFAULT_SETTINGS.lanes);
    expect(lanes('sse')).toEqual(DEFAULT_SETTINGS.lanes);
    expect(lanes([1])).toEqual(DEFAULT_SETTINGS.lanes);
  });

  it('takes compression lane by lane: a boolean for ws-raw and ws-lib, nothing else', () => {
    const compress = (v: unknown) => parseSettings(JSON.stringify({ version: SETTINGS_VERSION, compress: v })).compress;
    expect(compress({ 'ws-raw': true, 'ws-lib': true })).toEqual({ 'ws-raw': true, 'ws-lib': true });
    expect(compress({ 'ws-lib': true, 'ws-raw': 1, sse: true })).toEqual({ 'ws-raw': false, 'ws-lib': true });
    expect(compress(['ws-raw'])).toEqual(DEFAULT_SETTINGS.compress);
    expect(compress(null)).toEqual(DEFAULT_SETTINGS.compress);
  });

  it('survives a storage that throws', () => {
    const hostile = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(loadSettings(hostile)).toEqual(DEFAULT_SETTINGS);
    expect(() => saveSettings(chosen, hostile)).not.toThrow();
    expect(() => rememberSettings(() => chosen, [], hostile)()).not.toThrow();
  });

  it('writes once more when the page is left, for a change its store had not told yet', () => {
    const storage = new MemoryStorage();
    const page = new EventTarget();
    let current: SavedSettings = chosen;
    const stop = rememberSettings(() => current, [], storage, page);
    current = { ...chosen, name: 'Mr. Wang' };
    page.dispatchEvent(new Event('pagehide'));
    expect(JSON.parse(storage.items.get(SETTINGS_KEY)!).name).toBe('Mr. Wang');
    stop();
    current = { ...chosen, name: 'someone else' };
    page.dispatchEvent(new Event('pagehide'));
    expect(JSON.parse(storage.items.get(SETTINGS_KEY)!).name).toBe('Mr. Wang');
  });

  it('remembers on change, writes only what differs, and stops when told', () => {
    const storage = new MemoryStorage();
    let current: SavedSettings = chosen;
    const listeners = new Set<() => void>();
    const source = (fn: () => void) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    };
    const changed = () => listeners.forEach((fn) => fn());
    const stop = rememberSettings(() => current, [source], storage);
    expect(storage.items.get(SETTINGS_KEY)).toBe(serializeSettings(chosen));
    expect(storage.writes).toBe(1);
    changed(); // e.g. an auto-sent message: nothing remembered changed
    expect(storage.writes).toBe(1);
    current = { ...chosen, chart: 'latency' };
    changed();
    expect(storage.writes).toBe(2);
    expect(loadSettings(storage).chart).toBe('latency');
    stop();
    current = { ...chosen, lanes: [] };
    changed();
    expect(storage.writes).toBe(2);
    expect(listeners.size).toBe(0);
  });
});
