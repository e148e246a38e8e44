import { describe, expect, it } from 'vitest';
import {
  WS_GUID,
  acceptSteps,
  computeAccept,
  encodeHttpError,
  sameOriginOnly,
  validateUpgrade,
  type HandshakeResult,
  type UpgradeRequest,
} from '../../src/ws/handshake.ts';
import { acceptFromDigest, acceptInput, acceptStepsWith, isValidKey, validateUpgradeWith, type Sha1 } from '../../src/ws/index.ts';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function request(overrides: Partial<UpgradeRequest> = {}, headers: UpgradeRequest['headers'] = {}): UpgradeRequest {
  return {
    method: 'GET',
    httpVersion: '1.1',
    ...overrides,
    headers: {
      host: '127.0.0.1:3000',
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': KEY,
      'sec-websocket-version': '13',
      ...headers,
    },
  };
}

interface ParsedResponse {
  statusLine: string;
  headers: Record<string, string>;
  body: string;
}

function parse(bytes: Uint8Array): ParsedResponse {
  const text = new TextDecoder().decode(bytes);
  const split = text.indexOf('\r\n\r\n');
  expect(split).toBeGreaterThan(0);
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { statusLine: statusLine!, headers, body: text.slice(split + 4) };
}

function expectRefusal(result: HandshakeResult, status: number, code: string): ParsedResponse {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.status).toBe(status);
  expect(result.code).toBe(code);
  expect(result.message.length).toBeGreaterThan(0);
  const parsed = parse(result.response);
  expect(parsed.statusLine).toMatch(new RegExp(`^HTTP/1\\.1 ${status} \\S`));
  expect(parsed.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(parsed.headers['connection']).toBe('close');
  expect(Number(parsed.headers['content-length'])).toBe(new TextEncoder().encode(parsed.body).length);
  expect(JSON.parse(parsed.body)).toEqual({ error: { code, message: result.message } });
  return parsed;
}

describe('1.3 Sec-WebSocket-Accept', () => {
  it('1.3 the sample key dGhlIHNhbXBsZSBub25jZQ== gives s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', () => {
    expect(computeAccept(KEY)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('1.3 shows each step', () => {
    const steps = acceptSteps(KEY);
    expect(steps.guid).toBe(WS_GUID);
    expect(steps.concatenated).toBe('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    expect(steps.sha1Hex).toBe('b37a4f2cc0624f1690f64606cf385945b2bec4ea');
    expect(steps.accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('1.3 the browser-safe half, with SHA-1 passed in', () => {
  // 1.3 "the value of the Sec-WebSocket-Accept header field would be "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=""
  const RFC_DIGEST = Uint8Array.from('b37a4f2cc0624f1690f64606cf385945b2bec4ea'.match(/../g)!, (h) => parseInt(h, 16));

  it('1.3 the input of SHA-1 is key + GUID, one byte per character', () => {
    expect(new TextDecoder('latin1').decode(acceptInput(KEY))).toBe(KEY + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
  });

  it('1.3 the RFC digest gives the RFC accept value, without hashing anything', () => {
    expect(acceptFromDigest(KEY, RFC_DIGEST)).toEqual(acceptSteps(KEY));
  });

  it('1.3 the browser path: crypto.subtle hashes acceptInput, and the steps match the server\'s', async () => {
    const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-1', acceptInput(KEY)));
    expect(acceptFromDigest(KEY, digest).accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    for (const key of ['AAAAAAAAAAAAAAAAAAAAAA==', 'x3JJHMbDL1EzLkh9GBhXDw==']) {
      const viaSubtle = acceptFromDigest(key, new Uint8Array(await globalThis.crypto.subtle.digest('SHA-1', acceptInput(key))));
      expect(viaSubtle).toEqual(acceptSteps(key));
    }
  });

  it('validateUpgradeWith hashes key + GUID with the SHA-1 it is given, and answers with its result', () => {
    const inputs: string[] = [];
    const sha1: Sha1 = (data) => {
      inputs.push(new TextDecoder('latin1').decode(data));
      return RFC_DIGEST;
    };
    expect(acceptStepsWith(KEY, sha1).accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    const result = validateUpgradeWith(request(), sha1);
    expect(result).toMatchObject({ ok: true, accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' });
    expect(inputs).toEqual([KEY + WS_GUID, KEY + WS_GUID]);
    // A refused request is never hashed.
    expectRefusal(validateUpgradeWith(request({}, { 'sec-websocket-key': 'short' }), sha1), 400, 'WS_ERR_HANDSHAKE_KEY');
    expect(inputs).toHaveLength(2);
  });

  it('4.1 the key rule: base64 of 16 bytes', () => {
    expect(isValidKey(KEY)).toBe(true);
    for (const key of ['', 'dGhlIHNhbXBsZSBub25jZQ', 'AAAAAAAAAAAAAAAAAAAAAAA=', `${KEY}, ${KEY}`]) expect(isValidKey(key)).toBe(false);
  });
});

describe('4.2.1 validateUpgrade accepts', () => {
  it('4.2.2 a valid request gets a complete 101 response', () => {
    const result = validateUpgrade(request());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.key).toBe(KEY);
    expect(result.accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(new TextDecoder().decode(result.response)).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
    );
    expect(result.responseHeaders).toEqual([
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Accept', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
    ]);
  });

  it('4.2.1 tokens are case-insensitive and may sit in comma lists', () => {
    const result = validateUpgrade(request({ method: 'get' }, { upgrade: 'h2c, WebSocket', connection: 'keep-alive, UPGRADE' }));
    expect(result.ok).toBe(true);
  });

  it('4.2.1 headers repeated as arrays are read as comma lists', () => {
    const result = validateUpgrade(request({}, { connection: ['keep-alive', 'Upgrade'], upgrade: ['websocket'] }));
    expect(result.ok).toBe(true);
  });

  it('header names in other cases are found', () => {
    const result = validateUpgrade({
      method: 'GET',
      httpVersion: '1.1',
      headers: { Host: 'h', Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': KEY, 'Sec-WebSocket-Version': '13' },
    });
    expect(result.ok).toBe(true);
  });

  it('HTTP versions above 1.1 are accepted', () => {
    expect(validateUpgrade(request({ httpVersion: '2.0' })).ok).toBe(true);
  });

  it('10.2 the default origin policy: no Origin, or an Origin naming this host', () => {
    expect(validateUpgrade(request({}, { origin: 'http://127.0.0.1:3000' })).ok).toBe(true);
    expect(validateUpgrade(request({}, { origin: undefined })).ok).toBe(true);
    expect(sameOriginOnly('https://a.example:8443', 'A.example:8443')).toBe(true);
    expect(sameOriginOnly('null', 'a.example')).toBe(false);
    expect(sameOriginOnly('http://a.example', undefined)).toBe(false);
  });
});

describe('4.2.1 validateUpgrade refuses', () => {
  it('4.2.1 a method other than GET: 405 with Allow: GET', () => {
    const parsed = expectRefusal(validateUpgrade(request({ method: 'POST' })), 405, 'WS_ERR_HANDSHAKE_METHOD');
    expect(parsed.headers['allow']).toBe('GET');
  });

  it.each(['1.0', '0.9', 'garbage'])('4.2.1 HTTP/%s: 400', (httpVersion) => {
    expectRefusal(validateUpgrade(request({ httpVersion })), 400, 'WS_ERR_HANDSHAKE_HTTP_VERSION');
  });

  it('4.2.1 no Host: 400', () => {
    expectRefusal(validateUpgrade(request({}, { host: undefined })), 400, 'WS_ERR_HANDSHAKE_HOST');
    expectRefusal(validateUpgrade(request({}, { host: ' ' })), 400, 'WS_ERR_HANDSHAKE_HOST');
  });

  it.each([undefined, 'h2c', 'websockets', 'web socket'])('4.2.1 Upgrade %s: 400', (upgrade) => {
    expectRefusal(validateUpgrade(request({}, { upgrade })), 400, 'WS_ERR_HANDSHAKE_UPGRADE');
  });

  it.each([undefined, 'keep-alive', 'upgrades', 'close'])('4.2.1 Connection %s: 400', (connection) => {
    expectRefusal(validateUpgrade(request({}, { connection })), 400, 'WS_ERR_HANDSHAKE_CONNECTION');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['not base64', '!!!!!!!!!!!!!!!!!!!!!!=='],
    ['15 bytes', 'AAAAAAAAAAAAAAAAAAAA'],
    ['17 bytes', 'AAAAAAAAAAAAAAAAAAAAAAA='],
    ['no padding', 'dGhlIHNhbXBsZSBub25jZQ'],
    ['sent twice', [KEY, KEY]],
  ])('4.2.1 Sec-WebSocket-Key %s: 400', (_name, key) => {
    expectRefusal(validateUpgrade(request({}, { 'sec-websocket-key': key })), 400, 'WS_ERR_HANDSHAKE_KEY');
  });

  it.each([undefined, '8', '12', '14', '13, 8'])('4.2.2 Sec-WebSocket-Version %s: 426 naming version 13', (version) => {
    const parsed = expectRefusal(
      validateUpgrade(request({}, { 'sec-websocket-version': version })),
      426,
      'WS_ERR_HANDSHAKE_VERSION',
    );
    expect(parsed.headers['sec-websocket-version']).toBe('13');
    expect(parsed.statusLine).toBe('HTTP/1.1 426 Upgrade Required');
  });

  it('10.2 a foreign Origin: 403 ORIGIN_NOT_ALLOWED', () => {
    expectRefusal(validateUpgrade(request({}, { origin: 'http://evil.example' })), 403, 'ORIGIN_NOT_ALLOWED');
  });

  it('10.2 a custom origin policy decides', () => {
    const seen: Array<[string | undefined, string | undefined]> = [];
    const policy = (origin: string | undefined, host: string | undefined) => {
      seen.push([origin, host]);
      return origin === 'http://ok.example';
    };
    expect(validateUpgrade(request({}, { origin: 'http://ok.example' }), { isOriginAllowed: policy }).ok).toBe(true);
    expectRefusal(validateUpgrade(request({}, { origin: 'http://127.0.0.1:3000' }), { isOriginAllowed: policy }), 403, 'ORIGIN_NOT_ALLOWED');
    expect(seen[0]).toEqual(['http://ok.example', '127.0.0.1:3000']);
  });
});

describe('encodeHttpError', () => {
  it('builds a complete response with extra headers and a JSON body', () => {
    const parsed = parse(encodeHttpError(429, 'RATE_LIMITED', 'slow down', [['Retry-After', '10']]));
    expect(parsed.statusLine).toBe('HTTP/1.1 429 Too Many Requests');
    expect(parsed.headers['retry-after']).toBe('10');
    expect(JSON.parse(parsed.body)).toEqual({ error: { code: 'RATE_LIMITED', message: 'slow down' } });
  });

  it('counts Content-Length in bytes, not characters', () => {
    const parsed = parse(encodeHttpError(400, 'X', 'é😀'));
    expect(Number(parsed.headers['content-length'])).toBe(new TextEncoder().encode(parsed.body).length);
  });
});
