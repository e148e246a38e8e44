import { describe, expect, it } from 'vitest';
import { encodeComment, encodeEvent, resumeCursor } from '../../src/sse/encode.ts';

describe('event-stream encoding', () => {
  it('an unnamed event: id and data lines, then a blank line', () => {
    expect(encodeEvent(17, '{"seq":17}')).toBe('id: 17\ndata: {"seq":17}\n\n');
    expect(encodeComment('keep-alive')).toBe(': keep-alive\n\n');
  });

  it('Last-Event-ID wins over ?after=', () => {
    expect(resumeCursor('12', '3')).toBe('12');
    expect(resumeCursor(undefined, '3')).toBe('3');
    expect(resumeCursor('', '3')).toBe('3');
    expect(resumeCursor(['8'], undefined)).toBe('8');
  });
});
