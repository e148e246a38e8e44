// The slow-readers table, shared by the printed tables and the HTML report.
import type { SlowReadersCase, SlowReadersReport, SlowRun } from '../scenarios/slow-readers.ts';
import { MiB, fmt, mib } from './format.ts';

/** The table rows of one case: the slow run, then its reference. */
export function slowReadersRows(c: SlowReadersCase): string[][] {
  const row = (run: SlowRun, extra: string[]): string[] => [
    c.caseId,
    run.mode === 'slow' ? 'never read' : 'read',
    String(run.peersOpened) + (run.openFailures ? ` (+${run.openFailures} failed)` : ''),
    fmt(run.rssBefore / MiB, 1),
    fmt(run.rssPeak / MiB, 1),
    fmt(run.rssAfter / MiB, 1),
    fmt(run.growth / MiB, 1),
    fmt(run.growthPerPeer / 1024),
    fmt((run.heldAfter - run.heldBefore) / MiB, 1),
    String(run.dropped) + (run.serverCountedDrops === null ? '' : ` (server: ${run.serverCountedDrops})`),
    `${run.reader.missing} of ${run.reader.sent}`,
    ...extra,
  ];
  return [row(c.slow, [`${fmt(c.ratio, 1)}×`, c.met ? 'MET' : 'MISSED']), row(c.reading, ['', ''])];
}

export const slowReadersHead = (s: SlowReadersReport): string[] => [
  'case',
  'peers',
  'opened',
  'RSS before MiB',
  'peak MiB',
  'after MiB',
  'growth MiB',
  'KiB/peer',
  'held after GC, +MiB',
  'dropped',
  'normal client missed',
  'slow/reading',
  `growth < ${mib(s.limitBytes)}`,
];

export function slowReadersTitle(s: SlowReadersReport): string {
  const c = s.config;
  return `${c.peers} peers per case; chat rooms filled with ${fmt(c.room.messages)} messages of ${fmt(c.room.textChars)} characters, then ${fmt(c.durationMs / 1000, 1)} s of traffic (${c.messagesPerSecond} msg/s; echo peers send ${fmt(c.echo.bytes / 1024)} KiB every ${c.echo.everyMs} ms; poll peers ask every ${c.pollEveryMs} ms)`;
}
