export * from './encode.ts';
