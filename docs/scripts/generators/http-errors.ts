// Chapter 9's table of every HTTP error: read from the error classes of apps/server/src/errors.ts,
// with a sentence per class saying when it is raised. A class without a sentence fails the check.
import { readFileSync } from 'node:fs';
import { maxHeaderSize } from 'node:http';
import { join } from 'node:path';
import * as httpErrors from '../../../apps/server/src/errors.ts';
import { ERROR_CODES } from '../../../packages/transports/src/contract.ts';
import type { Language, Localised } from '../languages.ts';
import { localised } from './text.ts';

// When each HTTP error is raised, one line per error class (several classes may share a code:
// RATE_LIMITED has three).
const HTTP_WHEN: Record<string, Localised> = {
  InvalidBody: {
    en: 'malformed JSON, invalid UTF-8, a `__proto__` or `constructor.prototype` key, wrong types, missing fields, unknown `via` (HTTP bodies and WebSocket chat frames alike)',
    'zh-CN': 'JSON 格式错误、UTF-8 无效、出现 `__proto__` 或 `constructor.prototype` 键、类型不对、缺字段、未知的 `via`（HTTP 请求体和 WebSocket 聊天帧都一样）',
  },
  InvalidText: { en: 'empty or white-space-only text', 'zh-CN': '文本为空或只有空白字符' },
  InvalidCursor: {
    en: '`after`, `timeout` or `epoch` malformed, out of range or given twice (polls, streams, WebSocket URLs)',
    'zh-CN': '`after`、`timeout` 或 `epoch` 格式错误、超出范围或重复出现（轮询、事件流、WebSocket URL）',
  },
  InvalidQuery: {
    en: 'any other query parameter wrong: a repeated `clientId` on a poll or stream; on a WebSocket URL, `clientId` or `clientSecret` repeated or not 1–200 characters',
    'zh-CN': '其他查询参数有误：轮询或事件流里重复的 `clientId`；WebSocket URL 里 `clientId` 或 `clientSecret` 重复，或长度不在 1–200 个字符之间',
  },
  InvalidRequest: {
    en: "a request-target that is not a path (an upgrade not in origin-form, a path the router cannot decode), malformed HTTP (the parser's `HPE_…` code in the message), HTTP/1.1 without `Host`",
    'zh-CN': '请求目标不是路径（升级请求不是 origin-form，或路由无法解码的路径）、HTTP 报文格式错误（消息里带着解析器的 `HPE_…` 代码）、HTTP/1.1 请求缺少 `Host`',
  },
  HostNotAllowed: {
    en: "a `Host` that is not an IP address, `localhost`, a `*.localhost` name, this machine's name (or `<name>.local`) or a name in `ALLOWED_HOSTS` (HTTP and WebSocket handshakes, checked before `Origin`)",
    'zh-CN': '`Host` 既不是 IP 地址、`localhost`、`*.localhost` 名称、本机名（或 `<本机名>.local`），也不在 `ALLOWED_HOSTS` 中（HTTP 请求和 WebSocket 握手都检查，先于 `Origin`）',
  },
  OriginNotAllowed: { en: 'a foreign `Origin` (HTTP requests and WebSocket handshakes)', 'zh-CN': '来自其他站点的 `Origin`（HTTP 请求和 WebSocket 握手）' },
  UnknownClient: { en: 'a `clientId` the room does not know', 'zh-CN': '聊天室不认识的 `clientId`' },
  NotFound: { en: 'no such route', 'zh-CN': '没有这个路由' },
  RequestTimeout: {
    en: "the request's head and body not complete within `REQUEST_TIMEOUT_MS` (a held poll or an open stream is never cut)",
    'zh-CN': '请求头和请求体没有在 `REQUEST_TIMEOUT_MS` 内收齐（被挂起的轮询和打开的事件流不受影响）',
  },
  TextTooLong: { en: 'text over `MAX_TEXT_LENGTH` code points', 'zh-CN': '文本超过 `MAX_TEXT_LENGTH` 个码点' },
  BodyTooLarge: { en: 'request body over `MAX_BODY_BYTES`', 'zh-CN': '请求体超过 `MAX_BODY_BYTES`' },
  RateLimited: {
    en: 'over `SEND_RATE_LIMIT` sends of one client, or `SEND_RATE_LIMIT_PER_ADDRESS` sends from one address, in the window',
    'zh-CN': '在时间窗口内，一个客户端发送超过 `SEND_RATE_LIMIT` 次，或一个地址发送超过 `SEND_RATE_LIMIT_PER_ADDRESS` 次',
  },
  JoinRateLimited: {
    en: 'over `JOIN_RATE_LIMIT` new identities (joins, WebSockets without a known `clientId`) from one address in a minute',
    'zh-CN': '一个地址一分钟内创建的新身份（加入请求、没有已知 `clientId` 的 WebSocket）超过 `JOIN_RATE_LIMIT` 个',
  },
  TooManyConnections: {
    en: 'over `MAX_CONNECTIONS_PER_ADDRESS` open connections from one address: answered as the connection opens, then closed',
    'zh-CN': '一个地址同时打开的连接超过 `MAX_CONNECTIONS_PER_ADDRESS` 个：连接一建立就回复这个错误，然后关闭',
  },
  HeadersTooLarge: {
    en: `request headers over Node's \`maxHeaderSize\` (${maxHeaderSize} bytes)`,
    'zh-CN': `请求头超过 Node 的 \`maxHeaderSize\`（${maxHeaderSize} 字节）`,
  },
  TeacherOnly: {
    en: 'no `Authorization: Bearer <teacher key>`, or a wrong key, on a teacher-only request (`GET /api/clients`, remove, lock, assign); debug and inspect on a client with neither the key nor a `clientSecret`',
    'zh-CN': '只有教师能发的请求（`GET /api/clients`、移除、锁定、分配）没有带 `Authorization: Bearer <教师密钥>`，或密钥不对；对某个客户端做 debug 或 inspect 时既没有密钥也没有 `clientSecret`',
  },
  NotYourClient: {
    en: 'a send without the `clientSecret` of its `clientId`, or with another; a wrong secret on debug, inspect or `POST /api/class/me` (a WebSocket gets a new identity instead)',
    'zh-CN': '发送消息时没有带该 `clientId` 的 `clientSecret`，或带了别人的；debug、inspect 或 `POST /api/class/me` 的密钥不对（WebSocket 则会得到一个新身份）',
  },
  ClientRemoved: {
    en: "the teacher removed this client: its own id and secret on a send, a WebSocket handshake, debug, inspect or `POST /api/class/me`; its `clientId=` on a poll or stream",
    'zh-CN': '教师已经移除了这个客户端：它用自己的 id 和密钥发送消息、做 WebSocket 握手、debug、inspect 或 `POST /api/class/me`；或在轮询、事件流里带上它的 `clientId=`',
  },
  RoomLocked: {
    en: 'the teacher locked the room: a join without the teacher key, a WebSocket without a valid `clientId` and `clientSecret` (its handshake refused with `423`)',
    'zh-CN': '教师锁定了聊天室：不带教师密钥的加入请求；没有有效 `clientId` 和 `clientSecret` 的 WebSocket（握手以 `423` 拒绝）',
  },
};

// Answers written outside the error classes; each row is checked against the file that writes it.
const OTHER_ERRORS: Array<{ status: number; code: string; file: string; when: Localised }> = [
  {
    status: 426,
    code: 'UPGRADE_REQUIRED',
    file: 'apps/server/src/routes/upgrade-required.ts',
    when: {
      en: 'a plain `GET` on a WebSocket path (with `Upgrade: websocket` and `Sec-WebSocket-Version: 13`)',
      'zh-CN': '对 WebSocket 路径发出的普通 `GET`（回复里带 `Upgrade: websocket` 和 `Sec-WebSocket-Version: 13`）',
    },
  },
  {
    status: 503,
    code: 'SHUTTING_DOWN',
    file: 'apps/server/src/http/upgrade.ts',
    when: { en: 'a WebSocket upgrade while the server shuts down', 'zh-CN': '服务器正在关闭时收到的 WebSocket 升级请求' },
  },
  {
    status: 503,
    code: 'ROOM_UNAVAILABLE',
    file: 'apps/server/src/room/redis-room.ts',
    when: {
      en: 'with `REDIS_URL`: the room store (Redis) cannot be reached; nothing was stored, `Retry-After: 1` (a WebSocket gets it as an error frame, a handshake as a 503)',
      'zh-CN': '设置了 `REDIS_URL` 时：连不上聊天室的存储（Redis）；什么都没有保存，带 `Retry-After: 1`（WebSocket 收到的是一个 error 帧，握手收到 503）',
    },
  },
];

const WORDS: Record<Language, { head: string; writtenIn: string; internal: string; notRaised: (codes: string, n: number) => string }> = {
  en: {
    head: '| status | code | raised as (apps/server/src/errors.ts) | when |',
    writtenIn: 'written in',
    internal: '| 500 | `INTERNAL` | (anything else, from `toWireError`) | a bug; the message never carries details |',
    notRaised: (codes, n) => `The contract also names ${codes}; this server does not raise ${n === 1 ? 'it' : 'them'} yet.`,
  },
  'zh-CN': {
    head: '| 状态码 | 代码 | 抛出它的类（apps/server/src/errors.ts） | 什么时候出现 |',
    writtenIn: '写在',
    internal: '| 500 | `INTERNAL` | （其他任何错误，经 `toWireError`） | 程序缺陷；消息里从不带细节 |',
    notRaised: (codes) => `契约里还列了 ${codes}；这个服务器目前还不会返回。`,
  },
};

export function httpErrorRows(): Array<{ name: string; code: string; status: number }> {
  const rows: Array<{ name: string; code: string; status: number }> = [];
  for (const [name, value] of Object.entries(httpErrors)) {
    if (typeof value !== 'function' || name === 'toWireError') continue;
    const err = new (value as new (...args: unknown[]) => { code: string; statusCode: number })('x', 'y');
    rows.push({ name, code: err.code, status: err.statusCode });
  }
  return rows.sort((a, b) => a.status - b.status || a.code.localeCompare(b.code) || a.name.localeCompare(b.name));
}

export function httpErrorTable(root: string): Localised {
  const entries: Array<{ status: number; code: string; name: string | null; file: string | null; when: Localised }> = [];
  for (const r of httpErrorRows()) {
    const when = HTTP_WHEN[r.name];
    if (!when) throw new Error(`HTTP error ${r.name} (${r.code}) has no description in docs/scripts/generators/http-errors.ts (HTTP_WHEN)`);
    entries.push({ status: r.status, code: r.code, name: r.name, file: null, when });
  }
  for (const o of OTHER_ERRORS) {
    if (!readFileSync(join(root, o.file), 'utf8').includes(`'${o.code}'`)) throw new Error(`${o.file} no longer answers ${o.code}`);
    entries.push({ status: o.status, code: o.code, name: null, file: o.file.replace('apps/server/src/', ''), when: o.when });
  }
  entries.sort((a, b) => a.status - b.status || a.code.localeCompare(b.code));
  // ERROR_CODES (packages/transports/src/contract.ts) may name codes of features this server does not have yet.
  const notRaised = ERROR_CODES.filter((c) => !entries.some((e) => e.code === c));
  return localised((l) => {
    const w = WORDS[l];
    const rows = [w.head, '|---|---|---|---|'];
    for (const e of entries) {
      const raisedAs = e.name ? `\`${e.name}\`` : l === 'en' ? `(${w.writtenIn} \`${e.file}\`)` : `（${w.writtenIn} \`${e.file}\`）`;
      rows.push(`| ${e.status} | \`${e.code}\` | ${raisedAs} | ${e.when[l]} |`);
    }
    rows.push(w.internal);
    if (notRaised.length) rows.push('', w.notRaised(notRaised.map((c) => `\`${c}\``).join(l === 'en' ? ', ' : '、'), notRaised.length));
    return rows.join('\n');
  });
}
