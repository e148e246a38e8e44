// Every WebSocket protocol error in one place: a stable string code, the close
// code (or HTTP status, for the handshake) RFC 6455 names for it, and a short
// message that is safe to send to the peer.

/** 7.4.1 Defined status codes, by name. */
export const CLOSE_CODES = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  // 1004 is reserved; 1005 and 1006 must never be sent in a close frame.
  NO_STATUS_RECEIVED: 1005,
  ABNORMAL_CLOSURE: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
  // 1015 (TLS handshake failure) must never be sent either.
  TLS_HANDSHAKE: 1015,
} as const;
export type CloseCodeName = keyof typeof CLOSE_CODES;

/**
 * Whether `code` may appear in a close frame on the wire.
 * 7.4.1/7.4.2: 0-999 are not used; 1004, 1005, 1006 and 1015 are reserved and never sent;
 * 1016-2999 are for future revisions of the protocol and its extensions; 3000-3999 are
 * registered with IANA for libraries and frameworks; 4000-4999 are private. 1012-1014 were
 * registered with IANA after the RFC and are accepted, as browsers and `ws` do.
 */
export function isValidCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  return (
    (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
  );
}

export const WS_ERRORS = {
  // 5.1 "a server MUST close the connection upon receiving a frame that is not masked"
  WS_ERR_UNMASKED_FRAME: { closeCode: 1002, message: 'client frames must be masked' },
  // 5.1 "A client MUST close a connection if it detects a masked frame."
  WS_ERR_MASKED_SERVER_FRAME: { closeCode: 1002, message: 'server frames must not be masked' },
  // 5.2 RSV1-3 "MUST be 0 unless an extension is negotiated"
  WS_ERR_RESERVED_BITS: { closeCode: 1002, message: 'reserved bits must be 0' },
  // 5.2 opcodes 0x3-0x7 and 0xB-0xF "are reserved for further ... frames"
  WS_ERR_RESERVED_OPCODE: { closeCode: 1002, message: 'reserved opcode' },
  // 5.5 "All control frames MUST have a payload length of 125 bytes or less"
  WS_ERR_CONTROL_TOO_LONG: { closeCode: 1002, message: 'control frame payload over 125 bytes' },
  // 5.5 "and MUST NOT be fragmented"
  WS_ERR_FRAGMENTED_CONTROL: { closeCode: 1002, message: 'control frames must not be fragmented' },
  // 5.4 a continuation frame needs an open fragmented message
  WS_ERR_UNEXPECTED_CONTINUATION: { closeCode: 1002, message: 'continuation frame without a message to continue' },
  // 5.4 the fragments of one message are not interleaved with another message
  WS_ERR_EXPECTED_CONTINUATION: { closeCode: 1002, message: 'new data frame inside a fragmented message' },
  // 5.2 "the most significant bit MUST be 0" in the 64-bit length
  WS_ERR_LENGTH_TOO_LARGE: { closeCode: 1002, message: '64-bit payload length has its top bit set' },
  // 10.4 implementations should limit frame and message size
  WS_ERR_MESSAGE_TOO_BIG: { closeCode: 1009, message: 'message too big' },
  // 8.1 text must be valid UTF-8, else "Fail the WebSocket Connection" (7.4.1: 1007)
  WS_ERR_INVALID_UTF8: { closeCode: 1007, message: 'invalid UTF-8 in text message' },
  // RFC 7692 6.1 RSV1 only on the first frame of a data message
  WS_ERR_UNEXPECTED_RSV1: { closeCode: 1002, message: 'RSV1 set on a control or continuation frame' },
  // RFC 7692 7.2.2 the payload of a compressed message must inflate (7.4.1 1007: data not consistent with the message)
  WS_ERR_INFLATE: { closeCode: 1007, message: 'compressed payload is not valid DEFLATE data' },
  // 7.4 close codes outside the valid ranges
  WS_ERR_INVALID_CLOSE_CODE: { closeCode: 1002, message: 'invalid close code' },
  // 5.5.1 a close body, if present, starts with a 2-byte code
  WS_ERR_CLOSE_PAYLOAD_ONE_BYTE: { closeCode: 1002, message: 'close payload of one byte' },
  // 5.5.1 the reason "is not guaranteed to be human readable" but must be UTF-8
  WS_ERR_INVALID_CLOSE_REASON: { closeCode: 1007, message: 'invalid UTF-8 in close reason' },
  // Anything that is not the peer's fault (a bug): 7.4.1 1011.
  WS_ERR_INTERNAL: { closeCode: 1011, message: 'internal error' },

  // Handshake (4.2.1): `closeCode` holds the HTTP status of the refusal.
  WS_ERR_HANDSHAKE_METHOD: { closeCode: 405, message: 'WebSocket handshake must use GET' },
  WS_ERR_HANDSHAKE_HTTP_VERSION: { closeCode: 400, message: 'WebSocket handshake needs HTTP/1.1 or later' },
  WS_ERR_HANDSHAKE_HOST: { closeCode: 400, message: 'missing Host header' },
  WS_ERR_HANDSHAKE_UPGRADE: { closeCode: 400, message: 'Upgrade header must contain "websocket"' },
  WS_ERR_HANDSHAKE_CONNECTION: { closeCode: 400, message: 'Connection header must contain "Upgrade"' },
  WS_ERR_HANDSHAKE_KEY: {
    closeCode: 400,
    message: 'Sec-WebSocket-Key must be base64 of exactly 16 bytes',
  },
  WS_ERR_HANDSHAKE_VERSION: { closeCode: 426, message: 'Sec-WebSocket-Version must be 13' },
  ORIGIN_NOT_ALLOWED: { closeCode: 403, message: 'origin not allowed' },
} as const satisfies Record<string, { closeCode: number; message: string }>;

export type WsErrorCode = keyof typeof WS_ERRORS;

/** A violation by the peer. Thrown by the decoder, caught in one place by WsConnection. */
export class WsProtocolError extends Error {
  readonly code: WsErrorCode;
  readonly closeCode: number;

  constructor(code: WsErrorCode, message?: string) {
    const entry = WS_ERRORS[code];
    super(message ?? entry.message);
    this.name = 'WsProtocolError';
    this.code = code;
    this.closeCode = entry.closeCode;
  }
}
