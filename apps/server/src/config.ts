// Server configuration: the contract's "Running" table, read from the environment.
import { DEFAULTS } from '@wirebench/transports/contract';

export interface AppConfig {
  host: string;
  port: number;
  longPollTimeoutMs: number;
  historyLimit: number;
  retainLimit: number;
  maxTextLength: number;
  maxBodyBytes: number;
  wsChatMaxBytes: number;
  wsMaxMessageBytes: number;
  sendRateLimit: number;
  sendRateWindowMs: number;
  /** Extra allowed origins; '*' allows any. The server's own origin is always allowed. */
  allowedOrigins: string[];
  /** Ping interval of both WebSocket stacks; a peer silent until the next ping is ended. */
  heartbeatMs: number;
  sseHeartbeatMs: number;
  /** Bytes a peer of any transport may owe (queued, or fallen behind) before it is dropped as a slow consumer. */
  maxBufferedBytes: number;
  /** Bytes written to a peer must drain within this time, or it is dropped. */
  drainTimeoutMs: number;
  /** A poll answer stops adding messages past this many bytes (the client asks again). */
  maxAnswerBytes: number;
  /** Sends per window from one address, all its clients together. */
  sendRateLimitPerAddress: number;
  /** New identities (joins, WebSockets without a known id) per address per minute. */
  joinRateLimit: number;
  /** Identities remembered; beyond, the least recently seen one without an open stream is forgotten. */
  maxClients: number;
  /** The teacher key (at least 16 characters); empty: a random one is made when the app is built. */
  teacherKey: string;
  /** Directory of the built dashboard; null serves no static files. */
  staticDir: string | null;
  /** Maximum delay the dashboard may add to a lane (POST /api/debug/delay). */
  maxDebugDelayMs: number;
  logger: boolean;
  // edge limits (http/)
  /** A request's head and body must arrive within this (408 REQUEST_TIMEOUT); held answers are not cut. */
  requestTimeoutMs: number;
  /** Live TCP connections one remote address may hold; more are answered 429 and closed. */
  maxConnectionsPerAddress: number;
  /** Host names accepted besides IP literals, localhost and this machine's name; '*' accepts any. */
  allowedHosts: string[];
  /** Where the room lives when several processes share it (REDIS_URL); '' keeps it in this process's memory. */
  redisUrl: string;
  /** This process's name in X-Wirebench-Node and the welcome; '' is the host name and the bound port. */
  nodeId: string;
}

export const defaultConfig: AppConfig = {
  host: DEFAULTS.host,
  port: DEFAULTS.port,
  longPollTimeoutMs: DEFAULTS.longPollTimeoutMs,
  historyLimit: DEFAULTS.historyLimit,
  retainLimit: DEFAULTS.retainLimit,
  maxTextLength: DEFAULTS.maxTextLength,
  maxBodyBytes: DEFAULTS.maxBodyBytes,
  wsChatMaxBytes: DEFAULTS.wsChatMaxBytes,
  wsMaxMessageBytes: DEFAULTS.wsMaxMessageBytes,
  sendRateLimit: DEFAULTS.sendRateLimit,
  sendRateWindowMs: DEFAULTS.sendRateWindowMs,
  allowedOrigins: [],
  heartbeatMs: 30_000,
  sseHeartbeatMs: DEFAULTS.sseHeartbeatMs,
  maxBufferedBytes: 4 * 1024 * 1024,
  drainTimeoutMs: 30_000,
  maxAnswerBytes: 256 * 1024,
  sendRateLimitPerAddress: 1_000,
  joinRateLimit: 120,
  maxClients: 100_000,
  teacherKey: '',
  staticDir: null,
  maxDebugDelayMs: 10_000,
  logger: false,
  // edge limits (http/)
  requestTimeoutMs: 10_000,
  maxConnectionsPerAddress: 200,
  allowedHosts: [],
  redisUrl: '',
  nodeId: '',
};

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

export const MIN_TEACHER_KEY_LENGTH = 16;

function teacherKey(raw: string | undefined, fallback: string): string {
  if (raw === undefined || raw === '') return fallback;
  if (raw.length < MIN_TEACHER_KEY_LENGTH || /\s/.test(raw)) {
    throw new ConfigError(`TEACHER_KEY must be at least ${MIN_TEACHER_KEY_LENGTH} characters with no spaces`);
  }
  return raw;
}

function redisUrl(raw: string | undefined, fallback: string): string {
  if (raw === undefined || raw === '') return fallback;
  if (!/^rediss?:\/\//.test(raw.trim())) throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${raw}"`);
  return raw.trim();
}

function nodeId(raw: string | undefined, fallback: string): string {
  if (raw === undefined || raw === '') return fallback;
  // It travels in an HTTP header: visible ASCII only.
  if (!/^[\x21-\x7e]{1,64}$/.test(raw)) throw new ConfigError(`NODE_ID must be 1 to 64 visible ASCII characters, got "${raw}"`);
  return raw;
}

/** Reads the contract's environment variables; throws ConfigError with a readable message. */
/** The room's limits from the configuration: the same for the memory room and the Redis room. */
export function roomLimits(config: AppConfig) {
  return {
    historyLimit: config.historyLimit,
    retainLimit: config.retainLimit,
    maxTextLength: config.maxTextLength,
    sendRateLimit: config.sendRateLimit,
    sendRateWindowMs: config.sendRateWindowMs,
    sendRateLimitPerAddress: config.sendRateLimitPerAddress,
    joinRateLimit: config.joinRateLimit,
    joinRateWindowMs: 60_000, // JOIN_RATE_LIMIT is per minute
    maxClients: config.maxClients,
  };
}

export function configFromEnv(env: NodeJS.ProcessEnv, base: Partial<AppConfig> = {}): AppConfig {
  const c = { ...defaultConfig, ...base };
  const config: AppConfig = {
    ...c,
    host: env.HOST || c.host,
    port: int(env, 'PORT', c.port, 0, 65_535),
    longPollTimeoutMs: int(env, 'LONG_POLL_TIMEOUT_MS', c.longPollTimeoutMs, 0, DEFAULTS.longPollMaxTimeoutMs),
    historyLimit: int(env, 'HISTORY_LIMIT', c.historyLimit, 0, 1_000_000),
    retainLimit: int(env, 'RETAIN_LIMIT', c.retainLimit, 1, 10_000_000),
    maxTextLength: int(env, 'MAX_TEXT_LENGTH', c.maxTextLength, 1, 10_000_000),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', c.maxBodyBytes, 64, 1 << 30),
    wsChatMaxBytes: int(env, 'WS_CHAT_MAX_BYTES', c.wsChatMaxBytes, 64, 1 << 30),
    wsMaxMessageBytes: int(env, 'WS_MAX_MESSAGE_BYTES', c.wsMaxMessageBytes, 125, 1 << 30),
    sendRateLimit: int(env, 'SEND_RATE_LIMIT', c.sendRateLimit, 1, 1_000_000_000),
    maxBufferedBytes: int(env, 'MAX_BUFFERED_BYTES', c.maxBufferedBytes, 4096, 1 << 30),
    drainTimeoutMs: int(env, 'DRAIN_TIMEOUT_MS', c.drainTimeoutMs, 100, 600_000),
    sendRateLimitPerAddress: int(env, 'SEND_RATE_LIMIT_PER_ADDRESS', c.sendRateLimitPerAddress, 1, 1_000_000_000),
    joinRateLimit: int(env, 'JOIN_RATE_LIMIT', c.joinRateLimit, 1, 1_000_000_000),
    maxClients: int(env, 'MAX_CLIENTS', c.maxClients, 1, 100_000_000),
    teacherKey: teacherKey(env.TEACHER_KEY, c.teacherKey),
    allowedOrigins: env.ALLOWED_ORIGINS
      ? env.ALLOWED_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean)
      : c.allowedOrigins,
    // edge limits (http/)
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', c.requestTimeoutMs, 100, 600_000),
    maxConnectionsPerAddress: int(env, 'MAX_CONNECTIONS_PER_ADDRESS', c.maxConnectionsPerAddress, 1, 1_000_000),
    allowedHosts: env.ALLOWED_HOSTS ? env.ALLOWED_HOSTS.split(',').map((s) => s.trim()).filter(Boolean) : c.allowedHosts,
    redisUrl: redisUrl(env.REDIS_URL, c.redisUrl),
    nodeId: nodeId(env.NODE_ID, c.nodeId),
  };
  if (config.retainLimit < config.historyLimit) {
    throw new ConfigError(`RETAIN_LIMIT (${config.retainLimit}) must be at least HISTORY_LIMIT (${config.historyLimit})`);
  }
  return config;
}
