// The browser-safe entry of the WebSocket core: everything but handshake.ts, the node:crypto
// half of the handshake (its rules, with SHA-1 passed in, are here).
export * from './errors.ts';
export * from './utf8.ts';
export * from './frame.ts';
export * from './bytes.ts';
export * from './decoder.ts';
export * from './encoder.ts';
export * from './connection.ts';
export * from './send-queue.ts';
export * from './transitions.ts';
export * from './extension.ts';
export * from './deflate.ts';
export * from './stream-engine.ts';
export * from './handshake-rules.ts';
