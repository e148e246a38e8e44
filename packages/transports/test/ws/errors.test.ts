import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, WS_ERRORS, WsProtocolError, isValidCloseCode } from '../../src/ws/errors.ts';

describe('7.4 close codes', () => {
  it('7.4.1 names the defined codes', () => {
    expect(CLOSE_CODES.NORMAL).toBe(1000);
    expect(CLOSE_CODES.PROTOCOL_ERROR).toBe(1002);
    expect(CLOSE_CODES.INVALID_PAYLOAD).toBe(1007);
    expect(CLOSE_CODES.MESSAGE_TOO_BIG).toBe(1009);
    expect(CLOSE_CODES.ABNORMAL_CLOSURE).toBe(1006);
  });

  it.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])(
    '7.4.2 %i may be sent',
    (code) => expect(isValidCloseCode(code)).toBe(true),
  );

  it.each([0, 1, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535, 1000.5, -1000])(
    '7.4.2 %d may not be sent',
    (code) => expect(isValidCloseCode(code)).toBe(false),
  );
});

describe('WS_ERRORS', () => {
  it('gives every code a close code and a message, and WsProtocolError carries them', () => {
    for (const [code, entry] of Object.entries(WS_ERRORS)) {
      expect(entry.message.length).toBeGreaterThan(0);
      const err = new WsProtocolError(code as keyof typeof WS_ERRORS);
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe(code);
      expect(err.closeCode).toBe(entry.closeCode);
      expect(err.message).toBe(entry.message);
    }
    expect(WS_ERRORS.WS_ERR_INVALID_UTF8.closeCode).toBe(1007);
    expect(WS_ERRORS.WS_ERR_MESSAGE_TOO_BIG.closeCode).toBe(1009);
    expect(WS_ERRORS.WS_ERR_HANDSHAKE_VERSION.closeCode).toBe(426);
    expect(WS_ERRORS.ORIGIN_NOT_ALLOWED.closeCode).toBe(403);
  });

  it('keeps every message short enough for a close frame reason (123 bytes)', () => {
    for (const entry of Object.values(WS_ERRORS)) expect(new TextEncoder().encode(entry.message).length).toBeLessThanOrEqual(123);
  });
});
