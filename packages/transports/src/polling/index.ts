export * from './cursor.ts';
export * from './long-poll-hub.ts';
