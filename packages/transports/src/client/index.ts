// The browser clients of the five transports behind one interface.
import type { TransportId } from '../contract.ts';
import { LongPollClient } from './long-poll.ts';
import { ShortPollClient } from './short-poll.ts';
import { SseClient } from './sse.ts';
import type { ClientOptions, TransportClient } from './types.ts';
import { WebSocketClient } from './ws-client.ts';

export function createClient(transport: TransportId, options: ClientOptions = {}): TransportClient {
  switch (transport) {
    case 'ws-raw':
    case 'ws-lib':
      return new WebSocketClient(transport, options);
    case 'short-poll':
      return new ShortPollClient(options);
    case 'long-poll':
      return new LongPollClient(options);
    case 'sse':
      return new SseClient(options);
    default:
      throw new TypeError(`unknown transport ${String(transport)}`);
  }
}

export * from './types.ts';
export { BaseClient, buildUrl, CLIENT_ERROR_CODES, sendVerdict, type SendVerdict } from './base.ts';
export { Backoff, backoffDelay, DEFAULT_BACKOFF, resolveBackoff } from './backoff.ts';
export { HttpClientBase } from './http-client.ts';
export { LongPollClient, LONG_POLL_GRACE_MS } from './long-poll.ts';
export { ShortPollClient } from './short-poll.ts';
export { SseClient } from './sse.ts';
export { WebSocketClient, WS_PATHS, type WebSocketTransportId } from './ws-client.ts';
export {
  httpRequestHeadBytes,
  httpResponseHeadBytes,
  sseEventBytes,
  utf8Length,
  wsFrameHeaderBytes,
  wsHandshakeRequestBytes,
  wsHandshakeResponseBytes,
} from './wire.ts';
