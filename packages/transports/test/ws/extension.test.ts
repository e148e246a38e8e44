// RFC 7692 7.1: the server's answer to permessage-deflate offers, table-driven; and RFC 6455
// 9.1's Sec-WebSocket-Extensions grammar.
import { describe, expect, it } from 'vitest';
import { negotiateDeflate, parseExtensions, type DeflatePolicy } from '../../src/ws/extension.ts';

// [offer header, server policy, the answer header (null: declined), why (for a decline)]
const CASES: Array<[string, DeflatePolicy, string | null, string?]> = [
  // What Chromium sends in every handshake.
  ['permessage-deflate; client_max_window_bits', {}, 'permessage-deflate; client_max_window_bits=15'],
  ['permessage-deflate', {}, 'permessage-deflate'],
  ['PerMessage-Deflate ; Client_Max_Window_Bits', {}, 'permessage-deflate; client_max_window_bits=15'],
  ['permessage-deflate; server_no_context_takeover', {}, 'permessage-deflate; server_no_context_takeover'],
  ['permessage-deflate; client_no_context_takeover', {}, 'permessage-deflate; client_no_context_takeover'],
  ['permessage-deflate; server_no_context_takeover; client_no_context_takeover', {}, 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'],
  ['permessage-deflate; server_max_window_bits=10', {}, 'permessage-deflate; server_max_window_bits=10'],
  ['permessage-deflate; server_max_window_bits="12"', {}, 'permessage-deflate; server_max_window_bits=12'],
  ['permessage-deflate; client_max_window_bits=9', {}, 'permessage-deflate; client_max_window_bits=9'],
  ['permessage-deflate; client_max_window_bits=8', {}, 'permessage-deflate; client_max_window_bits=8'],
  // The server's own choices: only ever cheaper, never more than the client allowed.
  ['permessage-deflate', { serverMaxWindowBits: 12, serverNoContextTakeover: true }, 'permessage-deflate; server_no_context_takeover; server_max_window_bits=12'],
  ['permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 12 }, 'permessage-deflate; server_max_window_bits=10'],
  ['permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 11 }, 'permessage-deflate; client_max_window_bits=11'],
  ['permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: 12 }, 'permessage-deflate; client_max_window_bits=10'],
  // 7.1.2.2 no client_max_window_bits in the offer: none in the answer, whatever we would like.
  ['permessage-deflate', { clientMaxWindowBits: 10 }, 'permessage-deflate'],
  ['permessage-deflate', { clientNoContextTakeover: true }, 'permessage-deflate; client_no_context_takeover'],
  // Declined: 7 "an extension parameter not defined", "an invalid value", "multiple ... with the same name".
  ['permessage-deflate; foo', {}, null, 'unknown parameter foo'],
  ['permessage-deflate; server_no_context_takeover; server_no_context_takeover', {}, null, 'server_no_context_takeover given twice'],
  ['permessage-deflate; client_max_window_bits; client_max_window_bits=10', {}, null, 'client_max_window_bits given twice'],
  ['permessage-deflate; server_no_context_takeover=1', {}, null, 'server_no_context_takeover takes no value'],
  ['permessage-deflate; server_max_window_bits', {}, null, 'server_max_window_bits needs a value from 8 to 15'],
  ['permessage-deflate; server_max_window_bits=16', {}, null, 'server_max_window_bits needs a value from 8 to 15'],
  ['permessage-deflate; server_max_window_bits=010', {}, null, 'server_max_window_bits needs a value from 8 to 15'],
  ['permessage-deflate; client_max_window_bits=7', {}, null, 'client_max_window_bits has a value that is not 8 to 15'],
  // "The server doesn't support the offered configuration": zlib has no 256-byte window.
  ['permessage-deflate; server_max_window_bits=8', {}, null, 'server_max_window_bits=8 cannot be honoured: zlib compresses with 9 bits at least'],
];

describe('RFC 7692 7.1 negotiation', () => {
  it.each(CASES)('%s (policy %j) → %s', (offer, policy, answer, reason) => {
    const result = negotiateDeflate(offer, policy);
    expect(result.accepted?.header ?? null).toBe(answer);
    if (answer === null) expect(result.declined.map((d) => d.reason)).toEqual([reason]);
  });

  it('several offers: the first acceptable one wins, in the client\'s order', () => {
    const result = negotiateDeflate('permessage-deflate; server_max_window_bits=8, permessage-deflate; client_max_window_bits=10, permessage-deflate');
    expect(result.accepted?.header).toBe('permessage-deflate; client_max_window_bits=10');
    expect(result.declined).toHaveLength(1);
  });

  it('other extensions are not ours; no offer, no extension', () => {
    expect(negotiateDeflate('x-webkit-deflate-frame, permessage-deflate').accepted?.header).toBe('permessage-deflate');
    expect(negotiateDeflate('x-webkit-deflate-frame')).toEqual({ accepted: null, declined: [] });
    expect(negotiateDeflate(undefined)).toEqual({ accepted: null, declined: [] });
    expect(negotiateDeflate('')).toEqual({ accepted: null, declined: [] });
  });

  it('the agreed parameters are what the answer says (and what each side compresses with)', () => {
    expect(negotiateDeflate('permessage-deflate; client_max_window_bits; server_no_context_takeover', { serverMaxWindowBits: 11 }).accepted?.params).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 11,
      clientMaxWindowBits: 15,
    });
    // No client_max_window_bits offered: the client may use 15 bits.
    expect(negotiateDeflate('permessage-deflate').accepted?.params.clientMaxWindowBits).toBe(15);
  });

  it('a header that does not follow 9.1 declines everything', () => {
    for (const bad of ['permessage-deflate;', 'permessage-deflate; a=', 'permessage-deflate; a="b', 'per message', '; x', 'permessage-deflate; a="b c"']) {
      const result = negotiateDeflate(bad);
      expect(result.accepted, bad).toBeNull();
      expect(result.declined[0]?.reason, bad).toBe('not a valid Sec-WebSocket-Extensions value');
    }
  });
});

describe('RFC 6455 9.1 Sec-WebSocket-Extensions', () => {
  it('parses names and parameters, quoted values unescaped, empty list elements skipped', () => {
    expect(parseExtensions('a; b; c=1, , d;e="f\\g"')).toEqual([
      { name: 'a', params: [['b', true], ['c', '1']] },
      { name: 'd', params: [['e', 'fg']] },
    ]);
  });
});
