// Byte accounting for WireRecords. Payloads are measured exactly (UTF-8 length of
// what was sent or received); HTTP and WebSocket-handshake headers are estimated,
// because a browser adds headers (User-Agent, Accept-*, cookies) that a page cannot see.
import { headerLength } from '../ws/encoder.ts';

const encoder = new TextEncoder();

export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/**
 * RFC 6455 5.2: 2 bytes of header, then 2 more for a 16-bit length (126..65 535)
 * or 8 more for a 64-bit length; client frames add the 4-byte masking key.
 */
export function wsFrameHeaderBytes(payloadLength: number, masked: boolean): number {
  return headerLength(payloadLength, masked);
}

/** Request line, Host and the headers the client sets, each CRLF-terminated, plus the blank line. */
export function httpRequestHeadBytes(method: string, url: URL, headers: Iterable<[string, string]>): number {
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  return utf8Length(head + '\r\n');
}

/** Status line and the response headers the client can see, plus the blank line. */
export function httpResponseHeadBytes(status: number, statusText: string, headers: Iterable<[string, string]>): number {
  let head = `HTTP/1.1 ${status} ${statusText || reasonPhrase(status)}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  return utf8Length(head + '\r\n');
}

function reasonPhrase(status: number): string {
  switch (status) {
    case 101:
      return 'Switching Protocols';
    case 200:
      return 'OK';
    case 201:
      return 'Created';
    case 400:
      return 'Bad Request';
    case 404:
      return 'Not Found';
    case 413:
      return 'Payload Too Large';
    case 429:
      return 'Too Many Requests';
    default:
      return '';
  }
}

/** RFC 6455 4.1: the opening handshake a browser sends (key: 16 random bytes, base64 = 24 chars). */
export function wsHandshakeRequestBytes(url: URL, origin: string | undefined): number {
  const headers: Array<[string, string]> = [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', 'x'.repeat(24)],
    ['Sec-WebSocket-Version', '13'],
  ];
  if (origin) headers.push(['Origin', origin]);
  return httpRequestHeadBytes('GET', url, headers);
}

/** RFC 6455 4.2.2: 101, Upgrade, Connection and the 28-character Sec-WebSocket-Accept. */
export function wsHandshakeResponseBytes(): number {
  return httpResponseHeadBytes(101, 'Switching Protocols', [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Accept', 'x'.repeat(28)],
  ]);
}

/** The text/event-stream lines of one event as the server writes it: `event:` if named, `id:`, `data:`. */
export function sseEventBytes(id: string, data: string, event?: string): number {
  let text = event ? `event: ${event}\n` : '';
  if (id) text += `id: ${id}\n`;
  for (const line of data.split('\n')) text += `data: ${line}\n`;
  return utf8Length(text + '\n');
}
