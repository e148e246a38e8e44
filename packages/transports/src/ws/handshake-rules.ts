// The opening handshake's rules, server side (RFC 6455 §4.2), with nothing Node-specific: the
// GUID, the key's form, the checks on the request and the bytes of the answer. SHA-1 is passed
// in, so this half also runs in a browser (the docs' calculator); handshake.ts adds node:crypto's.
// It only reads a request's method, version and headers and returns bytes: no sockets.
import { WS_ERRORS, type WsErrorCode } from './errors.ts';

// #region accept
// 1.3 "the server has to ... concatenate this with the Globally Unique Identifier ... in string form"
export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** SHA-1 (FIPS 180-4): the 20-byte digest of `data`. */
export type Sha1 = (data: Uint8Array) => Uint8Array;

export interface AcceptSteps {
  key: string;
  guid: string;
  concatenated: string;
  sha1Hex: string;
  accept: string;
}

/** What SHA-1 is taken of: key + GUID, one byte per character (the key is ASCII; anything else keeps its low byte). */
export function acceptInput(key: string): Uint8Array<ArrayBuffer> {
  const text = key + WS_GUID;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

/** 1.3 after the hash: the 20 bytes in hex, and in base64 as the Sec-WebSocket-Accept value. */
export function acceptFromDigest(key: string, digest: Uint8Array): AcceptSteps {
  let sha1Hex = '';
  let binary = '';
  for (const byte of digest) {
    sha1Hex += byte.toString(16).padStart(2, '0');
    binary += String.fromCharCode(byte);
  }
  return { key, guid: WS_GUID, concatenated: key + WS_GUID, sha1Hex, accept: btoa(binary) };
}

/** 1.3 the accept value, step by step: key + GUID, SHA-1, then base64 of the 20-byte hash. */
export function acceptStepsWith(key: string, sha1: Sha1): AcceptSteps {
  return acceptFromDigest(key, sha1(acceptInput(key)));
}
// #endregion accept

// 16 bytes are 22 base64 digits and "==" (4.1 "a randomly selected 16-byte value that has been base64-encoded").
const KEY_PATTERN = /^[A-Za-z0-9+/]{22}==$/;

/** 4.2.1 a Sec-WebSocket-Key "with a base64-encoded value that, when decoded, is 16 bytes in length". */
export function isValidKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

export interface UpgradeRequest {
  method: string;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface UpgradeOptions {
  /** Origin policy. Default: no Origin is allowed, otherwise the Origin's host:port must equal Host. */
  isOriginAllowed?: (origin: string | undefined, host: string | undefined) => boolean;
}

export type HandshakeResult =
  | { ok: true; key: string; accept: string; response: Uint8Array; responseHeaders: Array<[string, string]> }
  | { ok: false; status: number; code: string; message: string; response: Uint8Array };

const STATUS_TEXT: Record<number, string> = {
  101: 'Switching Protocols',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const encoder = new TextEncoder();

/** A complete HTTP/1.1 error response with the contract's JSON error body; the connection is closed after it. */
export function encodeHttpError(
  status: number,
  code: string,
  message: string,
  extraHeaders: Array<[string, string]> = [],
): Uint8Array {
  const body = encoder.encode(JSON.stringify({ error: { code, message } }));
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${body.length}`,
    'Connection: close',
    ...extraHeaders.map(([name, value]) => `${name}: ${value}`),
  ];
  const head = encoder.encode(lines.join('\r\n') + '\r\n\r\n');
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/** The contract's default origin policy: no Origin (a script) is allowed; a browser's must be this server. */
export function sameOriginOnly(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (host === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  // RFC 6454 4: an origin's port is its scheme's default when the URL names none; a Host without a port likewise.
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  const originHost = url.port === '' ? `${url.hostname}:${defaultPort}` : url.host;
  const trimmed = host.trim();
  const hostWithPort = trimmed.includes(':') && !trimmed.endsWith(']') ? trimmed : `${trimmed}:${defaultPort}`;
  return originHost.toLowerCase() === hostWithPort.toLowerCase();
}

// A header value as one string: Node lowercases names, and a repeated header may arrive as
// an array or already joined with ", ".
function header(headers: UpgradeRequest['headers'], name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === name) {
        value = headers[key];
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}

// 4.2.1 the Upgrade and Connection headers are comma-separated token lists, compared case-insensitively.
function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  return value.split(',').some((part) => part.trim().toLowerCase() === token);
}

function refuse(code: WsErrorCode, message?: string, extraHeaders: Array<[string, string]> = []): HandshakeResult {
  const status = WS_ERRORS[code].closeCode;
  const text = message ?? WS_ERRORS[code].message;
  return { ok: false, status, code, message: text, response: encodeHttpError(status, code, text, extraHeaders) };
}

/** Checks an upgrade request against RFC 6455 §4.2.1 and builds the 101 answer (hashed with `sha1`) or the HTTP error. */
// #region validate
export function validateUpgradeWith(request: UpgradeRequest, sha1: Sha1, options: UpgradeOptions = {}): HandshakeResult {
  const { headers } = request;
  // 4.2.1 "An HTTP/1.1 or higher GET request"
  if (request.method.toUpperCase() !== 'GET') return refuse('WS_ERR_HANDSHAKE_METHOD', undefined, [['Allow', 'GET']]);
  const version = /^(\d+)\.(\d+)$/.exec(request.httpVersion.trim());
  const major = version ? Number(version[1]) : 0;
  const minor = version ? Number(version[2]) : 0;
  if (major < 1 || (major === 1 && minor < 1)) return refuse('WS_ERR_HANDSHAKE_HTTP_VERSION');
  // 4.2.1 "A |Host| header field containing the server's authority."
  const host = header(headers, 'host');
  if (host === undefined || host.trim() === '') return refuse('WS_ERR_HANDSHAKE_HOST');
  // 4.2.1 "An |Upgrade| header field containing the value "websocket", treated as an ASCII case-insensitive value."
  if (!hasToken(header(headers, 'upgrade'), 'websocket')) return refuse('WS_ERR_HANDSHAKE_UPGRADE');
  // 4.2.1 "A |Connection| header field that includes the token "Upgrade", treated as an ASCII case-insensitive value."
  if (!hasToken(header(headers, 'connection'), 'upgrade')) return refuse('WS_ERR_HANDSHAKE_CONNECTION');
  // 4.2.1 "A |Sec-WebSocket-Key| header field with a base64-encoded value that, when decoded, is 16 bytes in length."
  // A key sent twice arrives as an array or joined with ", " and fails the pattern.
  const key = header(headers, 'sec-websocket-key')?.trim();
  if (key === undefined || !isValidKey(key)) return refuse('WS_ERR_HANDSHAKE_KEY');
  // 4.2.2 "If this version does not match a version understood by the server, the server MUST abort
  // the WebSocket handshake ... and instead send an appropriate HTTP error code (such as 426 Upgrade
  // Required) and a |Sec-WebSocket-Version| header field indicating the version(s) the server is capable of"
  const wsVersion = header(headers, 'sec-websocket-version');
  if (wsVersion === undefined || wsVersion.trim() !== '13') {
    const got = wsVersion === undefined ? 'missing' : JSON.stringify(wsVersion.trim().slice(0, 20));
    return refuse('WS_ERR_HANDSHAKE_VERSION', `Sec-WebSocket-Version must be 13 (got ${got})`, [['Sec-WebSocket-Version', '13']]);
  }
  // 10.2 "Servers that are not intended to process input from any web page ... SHOULD verify the |Origin| field"
  const origin = header(headers, 'origin');
  const allowed = options.isOriginAllowed ?? sameOriginOnly;
  if (!allowed(origin, host)) return refuse('ORIGIN_NOT_ALLOWED');

  // 4.2.2 the answer: status 101, Upgrade, Connection and the Sec-WebSocket-Accept hash.
  const accept = acceptStepsWith(key, sha1).accept;
  const responseHeaders: Array<[string, string]> = [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Accept', accept],
  ];
  const response = encoder.encode(
    ['HTTP/1.1 101 Switching Protocols', ...responseHeaders.map(([n, v]) => `${n}: ${v}`)].join('\r\n') + '\r\n\r\n',
  );
  return { ok: true, key, accept, response, responseHeaders };
}
// #endregion validate

/** The 101 answer with these headers, for a server that adds its own (Sec-WebSocket-Extensions) to validateUpgradeWith's. */
export function encodeSwitchingProtocols(headers: Array<[string, string]>): Uint8Array {
  return encoder.encode(['HTTP/1.1 101 Switching Protocols', ...headers.map(([n, v]) => `${n}: ${v}`)].join('\r\n') + '\r\n\r\n');
}
