// What the inspector shows of a frame, as data: the bytes as they crossed the wire (copied as
// hex for chapter 3's frame decoder) and the time it was seen. No React here.
import type { InspectFrame } from '@wirebench/transports/contract';

/**
 * The frame as it crossed the wire, in hex: header, then the payload as sent (masked for a
 * browser's frame, compressed for a compressed one: never its inflated bytes). Space-separated
 * pairs, the form the frame decoder's parser reads.
 */
export function frameHex(frame: InspectFrame): string {
  return frame.wireHex === '' ? frame.headerHex : `${frame.headerHex} ${frame.wireHex}`;
}

/** How many bytes a space-separated hex dump holds. */
export function hexByteCount(hex: string): number {
  return hex === '' ? 0 : (hex.length + 1) / 3;
}

/** Hex pairs grouped `perGroup` to a group (a line of a dump is whole groups); the pairs themselves are kept as they are. */
export function hexGroups(hex: string, perGroup = 8): string[] {
  const pairs = hex === '' ? [] : hex.split(' ');
  const groups: string[] = [];
  for (let i = 0; i < pairs.length; i += perGroup) groups.push(pairs.slice(i, i + perGroup).join(' '));
  return groups;
}

/** Wall-clock time with milliseconds (the server's clock: frames are stamped where they pass). */
export function timeOfDay(at: number, locale: string): string {
  const d = new Date(at);
  return `${clockFormat(locale).format(d)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

// One formatter per language: toLocaleTimeString builds a new one on every call.
const clockFormats = new Map<string, Intl.DateTimeFormat>();

function clockFormat(locale: string): Intl.DateTimeFormat {
  let f = clockFormats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' });
    clockFormats.set(locale, f);
  }
  return f;
}
