// What the receivers of one load process saw: every bench message's latency per tag, the
// poll requests made and the client errors, until the driver resets them.
import { now } from './clock.ts';
import type { CollectResult } from '../protocol.ts';

interface TagRecord {
  latencies: Map<number, number[]>;
  deliveries: number;
  firstAt: number;
  lastAt: number;
}

const records = new Map<string, TagRecord>();
let requests = 0;
let errors = 0;
const MARK = '"text":"b|';

/** Finds every bench message in a chunk of JSON text and records its latency. */
export function scan(text: string): void {
  let from = 0;
  for (;;) {
    const at = text.indexOf(MARK, from);
    if (at < 0) return;
    const start = at + MARK.length;
    const end = text.indexOf('"', start);
    if (end < 0) return;
    from = end;
    const arrived = now();
    const parts = text.slice(start, end).split('|');
    if (parts.length < 3) continue; // a padded text has a fourth part
    const tag = parts[0]!;
    const k = Number(parts[1]);
    const sentAt = Number(parts[2]);
    let rec = records.get(tag);
    if (!rec) {
      rec = { latencies: new Map(), deliveries: 0, firstAt: arrived, lastAt: arrived };
      records.set(tag, rec);
    }
    rec.deliveries++;
    rec.lastAt = arrived;
    let list = rec.latencies.get(k);
    if (!list) rec.latencies.set(k, (list = []));
    list.push(arrived - sentAt);
  }
}

/** A long-poll answer or short-poll request completed. */
export const countRequest = (): void => void requests++;
export const countError = (): void => void errors++;

export function collect(tag: string, withLatencies: boolean): CollectResult {
  const rec = records.get(tag);
  const latencies: Record<string, number[]> = {};
  if (rec && withLatencies) for (const [k, list] of rec.latencies) latencies[k] = list;
  return {
    latencies,
    deliveries: rec?.deliveries ?? 0,
    firstAt: rec?.firstAt ?? NaN,
    lastAt: rec?.lastAt ?? NaN,
    requests,
    errors,
  };
}

export function resetDeliveries(): void {
  records.clear();
  requests = 0;
  errors = 0;
}
