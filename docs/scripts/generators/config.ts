// Chapters 9–11: the server's settings (from defaultConfig, checked against what config.ts
// reads), what `pnpm start` prints, and the join URLs /api/info gives, on an example laptop.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_TEACHER_KEY_LENGTH, defaultConfig } from '../../../apps/server/src/config.ts';
import { isLoopback, joinUrls, startupLines, type Interfaces } from '../../../apps/server/src/network.ts';
import { DEFAULTS } from '../../../packages/transports/src/contract.ts';
import type { Language, Localised } from '../languages.ts';
import { localised } from './text.ts';

/** 4194304 → "4 MiB", for the byte-sized defaults. */
function binarySize(bytes: number): string | null {
  for (const [unit, size] of [['MiB', 1024 * 1024], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return null;
}

type Field = keyof typeof defaultConfig;

/** The variables configFromEnv reads: name, field, default (a string is shown as it is), what it sets. */
function variables(l: Language): Array<[string, Field, unknown, string]> {
  const d = defaultConfig;
  const zh = l === 'zh-CN';
  const per = (n: number, window: string) => (zh ? `每 ${window} ${n} 次` : `${n} per ${window}`);
  return [
    ['HOST', 'host', d.host, zh ? '监听地址（在教室里用 `0.0.0.0`）' : 'listen address (`0.0.0.0` for a classroom)'],
    ['PORT', 'port', d.port, zh ? '`0` 表示随便挑一个空闲端口' : '`0` picks a free port'],
    ['LONG_POLL_TIMEOUT_MS', 'longPollTimeoutMs', d.longPollTimeoutMs, zh ? `长轮询挂起的时长，最多 ${DEFAULTS.longPollMaxTimeoutMs}` : `long-poll hold, at most ${DEFAULTS.longPollMaxTimeoutMs}`],
    ['HISTORY_LIMIT', 'historyLimit', d.historyLimit, zh ? '新加入者能收到的历史消息条数' : 'messages a newcomer gets'],
    ['RETAIN_LIMIT', 'retainLimit', d.retainLimit, zh ? '为断线续传保留的消息条数（不少于 `HISTORY_LIMIT`）' : 'messages kept for resume (at least `HISTORY_LIMIT`)'],
    ['MAX_TEXT_LENGTH', 'maxTextLength', d.maxTextLength, zh ? '聊天文本的码点数' : 'code points of chat text'],
    ['MAX_BODY_BYTES', 'maxBodyBytes', d.maxBodyBytes, zh ? 'HTTP 请求体' : 'HTTP request body'],
    ['WS_CHAT_MAX_BYTES', 'wsChatMaxBytes', d.wsChatMaxBytes, zh ? '一条聊天 WebSocket 消息' : 'a chat WebSocket message'],
    ['WS_MAX_MESSAGE_BYTES', 'wsMaxMessageBytes', d.wsMaxMessageBytes, zh ? '一条回显（echo）WebSocket 消息' : 'an echo WebSocket message'],
    ['SEND_RATE_LIMIT', 'sendRateLimit', per(d.sendRateLimit, `${d.sendRateWindowMs} ms`), zh ? '一个客户端的发送次数' : 'sends of one client'],
    [
      'SEND_RATE_LIMIT_PER_ADDRESS',
      'sendRateLimitPerAddress',
      per(d.sendRateLimitPerAddress, `${d.sendRateWindowMs} ms`),
      zh ? '一个地址上所有客户端加起来的发送次数' : 'sends from one address, all its clients together',
    ],
    ['JOIN_RATE_LIMIT', 'joinRateLimit', per(d.joinRateLimit, '60 s'), zh ? '一个地址创建的新身份' : 'new identities from one address'],
    ['MAX_CLIENTS', 'maxClients', d.maxClients, zh ? '服务器记住的身份数' : 'identities remembered'],
    [
      'TEACHER_KEY',
      'teacherKey',
      d.teacherKey || (zh ? '（每次启动随机生成，印在教师 URL 里）' : '(random for each run, printed in the teacher URL)'),
      zh ? `教师密钥：至少 ${MIN_TEACHER_KEY_LENGTH} 个字符，不含空格` : `the teacher key: at least ${MIN_TEACHER_KEY_LENGTH} characters, no spaces`,
    ],
    ['MAX_BUFFERED_BYTES', 'maxBufferedBytes', d.maxBufferedBytes, zh ? '一个 peer 最多能欠下的字节数，超过就断开' : 'bytes one peer may owe before it is dropped'],
    ['DRAIN_TIMEOUT_MS', 'drainTimeoutMs', d.drainTimeoutMs, zh ? '已写出的字节必须在这段时间内发完' : 'written bytes must drain within this'],
    ['REQUEST_TIMEOUT_MS', 'requestTimeoutMs', d.requestTimeoutMs, zh ? '请求头和请求体必须在这段时间内到齐' : "a request's head and body must arrive within this"],
    ['MAX_CONNECTIONS_PER_ADDRESS', 'maxConnectionsPerAddress', d.maxConnectionsPerAddress, zh ? '一个地址同时打开的 TCP 连接数' : 'open TCP connections from one address'],
    [
      'ALLOWED_ORIGINS',
      'allowedOrigins',
      d.allowedOrigins.length ? d.allowedOrigins.join(',') : zh ? '（只允许服务器自己的）' : "(only the server's own)",
      zh ? '逗号分隔的列表，`*` 表示全部允许' : 'comma list, `*` for any',
    ],
    [
      'ALLOWED_HOSTS',
      'allowedHosts',
      d.allowedHosts.length ? d.allowedHosts.join(',') : zh ? '（IP 地址、localhost、本机名）' : "(IP addresses, localhost, this machine's name)",
      zh ? '额外允许的 `Host` 名称，逗号分隔，`*` 表示全部允许' : 'comma list of extra `Host` names, `*` for any',
    ],
    [
      'REDIS_URL',
      'redisUrl',
      d.redisUrl || (zh ? '（聊天室在本进程内存中）' : "(the room in this process's memory)"),
      zh ? '`redis://` 地址：指向同一个 Redis 的所有进程共享一个聊天室（第 13 章）' : 'a `redis://` URL: every process pointing at the same Redis serves one room (chapter 13)',
    ],
    [
      'NODE_ID',
      'nodeId',
      d.nodeId || (zh ? '（主机名:端口）' : '(host name:port)'),
      zh ? '本进程的名字，见 `X-Wirebench-Node` 和 welcome 的 `node`' : 'this process\'s name in `X-Wirebench-Node` and the welcome\'s `node`',
    ],
  ];
}

const WORDS = {
  en: {
    head: '| variable | `AppConfig` field | default | what |',
    none: '(none)',
    answer: 'a poll answer stops adding messages past this',
    page: 'page size of a poll answer',
    pageWhat: 'messages in one poll answer',
    heartbeat: 'WebSocket ping interval',
    sseHeartbeat: 'SSE comment interval',
  },
  'zh-CN': {
    head: '| 环境变量 | `AppConfig` 字段 | 默认值 | 作用 |',
    none: '（无）',
    answer: '一次轮询回复超过这个大小就不再添加消息',
    page: '一次轮询回复的页大小',
    pageWhat: '一次轮询回复里的消息条数',
    heartbeat: 'WebSocket ping 的间隔',
    sseHeartbeat: 'SSE 注释行（心跳）的间隔',
  },
} satisfies Record<Language, Record<string, string>>;

export function configTable(root: string): Localised {
  // Every variable configFromEnv reads has a row.
  const source = readFileSync(join(root, 'apps/server/src/config.ts'), 'utf8');
  const read = new Set([...source.matchAll(/\benv(?:\.|, ')([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!));
  const missing = [...read].filter((name) => !variables('en').some(([listed]) => listed === name));
  if (missing.length) throw new Error(`config.ts reads ${missing.join(', ')}: add a row to variables() in docs/scripts/generators/config.ts`);

  const d = defaultConfig;
  return localised((l) => {
    const w = WORDS[l];
    const rows = [w.head, '|---|---|---|---|'];
    for (const [name, field, value, what] of variables(l)) {
      const size = typeof value === 'number' && /Bytes$/.test(field) ? binarySize(value) : null;
      const shown = typeof value === 'string' ? value : `\`${String(value)}\`${size ? ` (${size})` : ''}`;
      rows.push(`| \`${name}\` | \`${field}\` | ${shown} | ${what} |`);
    }
    rows.push(`| ${w.none} | \`maxAnswerBytes\` | \`${d.maxAnswerBytes}\` (${binarySize(d.maxAnswerBytes)}) | ${w.answer} |`);
    rows.push(`| ${w.none} | ${w.page} | \`${DEFAULTS.pageSize}\` | ${w.pageWhat} |`);
    rows.push(`| ${w.none} | \`heartbeatMs\` | \`${d.heartbeatMs}\` | ${w.heartbeat} |`);
    rows.push(`| ${w.none} | \`sseHeartbeatMs\` | \`${d.sseHeartbeatMs}\` | ${w.sseHeartbeat} |`);
    return rows.join('\n');
  });
}

/** A teacher's laptop, described: Wi-Fi, a VPN, a container bridge and loopback. */
const EXAMPLE_MACHINE: Interfaces = {
  lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: '127.0.0.1/8' }],
  wlan0: [{ address: '192.168.1.20', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '02:00:00:00:00:01', cidr: '192.168.1.20/24' }],
  tun0: [{ address: '10.8.0.5', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: '10.8.0.5/24' }],
  docker0: [{ address: '172.17.0.1', family: 'IPv4', internal: false, netmask: '255.255.0.0', mac: '02:00:00:00:00:02', cidr: '172.17.0.1/16' }],
};
/** Shown in place of the key each start draws. */
const EXAMPLE_KEY = 'k3Y9pQ2vX7mN4tR8wB1cD6fH';

/** The terminal's own words: the same in both languages. */
export function startupTranscript(): string {
  const run = (command: string, host: string) => {
    const lines = startupLines(joinUrls({ host, port: 3000 }, EXAMPLE_MACHINE), { loopbackOnly: isLoopback(host), teacherKey: EXAMPLE_KEY });
    return ['```text', `$ ${command}`, ...lines, '```'].join('\n');
  };
  return [run('pnpm start', '127.0.0.1'), '', run('HOST=0.0.0.0 pnpm start', '0.0.0.0')].join('\n');
}

/** JSON, the same in both languages. */
export function infoJoinUrls(): string {
  const field = ([k, v]: [string, unknown]): string => `${JSON.stringify(k)}: ${JSON.stringify(v)}`;
  const urls = joinUrls({ host: '0.0.0.0', port: 3000 }, EXAMPLE_MACHINE).map((u) => `  { ${Object.entries(u).map(field).join(', ')} }`);
  return ['```json', '{ "joinUrls": [', urls.join(',\n'), '] }', '```'].join('\n');
}
