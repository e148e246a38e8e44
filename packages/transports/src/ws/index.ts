// The browser-safe entry of the WebSocket core: everything but the handshake (which needs node:crypto).
export * from './errors.ts';
export * from './utf8.ts';
export * from './frame.ts';
export * from './bytes.ts';
export * from './decoder.ts';
export * from './encoder.ts';
export * from './connection.ts';
