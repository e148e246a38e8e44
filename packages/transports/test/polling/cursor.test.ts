import { describe, expect, it } from 'vitest';
import { answerCursor, parseCursor, parseEpoch, parseIntParam, type SeqLog } from '../../src/polling/cursor.ts';

/** A log holding seqs first..last. */
function log(first: number, last: number): SeqLog<number> {
  return {
    firstSeq: first,
    lastSeq: last,
    epoch: 'e1',
    slice: (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i),
  };
}

describe('cursors', () => {
  it('parses whole numbers only', () => {
    expect(parseCursor(undefined)).toEqual({ ok: true, value: undefined });
    expect(parseCursor('0')).toEqual({ ok: true, value: 0 });
    expect(parseCursor('42')).toEqual({ ok: true, value: 42 });
    for (const bad of ['-1', '1.5', 'abc', '', ' 1', '1e3', ['1', '2']]) expect(parseCursor(bad).ok).toBe(false);
    expect(parseIntParam('timeout', '60001', 0, 60_000).ok).toBe(false);
    expect(parseIntParam('timeout', '60000', 0, 60_000)).toEqual({ ok: true, value: 60_000 });
  });

  it('no cursor: the newest history', () => {
    expect(answerCursor(log(1, 10), undefined, 3, 1000)).toEqual({ messages: [8, 9, 10], lastSeq: 10, epoch: 'e1', truncated: false, ahead: false });
    expect(answerCursor(log(1, 0), undefined, 3, 1000).messages).toEqual([]);
  });

  it('after=N: every seq above N, oldest first, a page at a time', () => {
    expect(answerCursor(log(1, 10), 7, 3, 1000).messages).toEqual([8, 9, 10]);
    expect(answerCursor(log(1, 10), 10, 3, 1000).messages).toEqual([]);
    expect(answerCursor(log(1, 10), 2, 3, 4).messages).toEqual([3, 4, 5, 6]);
  });

  it('a cursor older than the window starts at the oldest retained and says truncated', () => {
    expect(answerCursor(log(6, 10), 2, 3, 1000)).toEqual({ messages: [6, 7, 8, 9, 10], lastSeq: 10, epoch: 'e1', truncated: true, ahead: false });
    expect(answerCursor(log(6, 10), 5, 3, 1000).truncated).toBe(false);
  });

  it('a cursor above lastSeq means the server restarted', () => {
    expect(answerCursor(log(1, 3), 9, 3, 1000)).toEqual({ messages: [], lastSeq: 3, epoch: 'e1', truncated: false, ahead: true });
  });

  it('a cursor of another epoch is answered like one above lastSeq, whatever its number', () => {
    expect(answerCursor(log(1, 10), 2, 3, 1000, 'e0')).toEqual({ messages: [], lastSeq: 10, epoch: 'e1', truncated: false, ahead: true });
    expect(answerCursor(log(1, 10), undefined, 3, 1000, 'e0').ahead).toBe(true);
    expect(answerCursor(log(1, 10), 2, 3, 1000, 'e1').messages).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('parses an epoch: 1 to 64 URL-safe characters, given once', () => {
    expect(parseEpoch(undefined)).toEqual({ ok: true, value: undefined });
    expect(parseEpoch('Ab-_09')).toEqual({ ok: true, value: 'Ab-_09' });
    for (const bad of ['', 'a b', 'é', 'x'.repeat(65), ['a', 'b'], 7]) expect(parseEpoch(bad).ok).toBe(false);
  });
});
