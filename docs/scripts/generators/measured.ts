// Chapter 1's cost table, rendered from docs/data/measured.json (measure.ts writes it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Language, Localised } from '../languages.ts';
import { localised } from './text.ts';

export interface Scenario {
  idleMs: number;
  messages: number;
  intervalMs: number;
}

/** What measure.ts does, in words; the English sentence is stored with the figures. */
export function describeScenario(s: Scenario, l: Language): string {
  return l === 'en'
    ? `One receiving client per transport with the default settings (short poll every 1 s, long poll held up to 30 s); ${s.idleMs / 1000} s with no messages, then ${s.messages} messages ${s.intervalMs} ms apart from a separate WebSocket sender. Bytes are the clients' own count, HTTP and frame headers included.`
    : `每种传输方式一个接收客户端，都用默认设置（短轮询每 1 秒一次，长轮询最多挂起 30 秒）；先 ${s.idleMs / 1000} 秒没有消息，然后由另一个 WebSocket 发送者每隔 ${s.intervalMs} 毫秒发一条，共 ${s.messages} 条。字节数是客户端自己统计的，包括 HTTP 头和帧头。`;
}

/** The scenario's numbers back from its English sentence; null when the sentence is another one. */
export function parseScenario(sentence: string): Scenario | null {
  const m = /; (\d+(?:\.\d+)?) s with no messages, then (\d+) messages (\d+) ms apart/.exec(sentence);
  if (!m) return null;
  const s = { idleMs: Number(m[1]) * 1000, messages: Number(m[2]), intervalMs: Number(m[3]) };
  return describeScenario(s, 'en') === sentence ? s : null;
}

interface Measured {
  measuredAt: string;
  machine: string;
  scenario: string;
  transports: Record<string, { requests: number; bytes: number; delivered: number; idleRequests: number; idleBytes: number; latencyMedianMs: number }>;
}

export function measuredTable(root: string): Localised {
  const data = JSON.parse(readFileSync(join(root, 'docs/data/measured.json'), 'utf8')) as Measured;
  const scenario = parseScenario(data.scenario);
  if (!scenario) throw new Error('docs/data/measured.json describes a scenario measure.ts no longer runs: run pnpm --filter @wirebench/docs measure');
  const words = {
    en: {
      lead: `Measured ${data.measuredAt.slice(0, 10)} on ${data.machine} by \`docs/scripts/measure.ts\`.`,
      head: '| transport | HTTP requests / message | bytes on the wire / message | idle: requests per minute | idle: bytes per minute | median latency (ms) |',
    },
    'zh-CN': {
      lead: `${data.measuredAt.slice(0, 10)} 在 ${data.machine} 上由 \`docs/scripts/measure.ts\` 测得。`,
      head: '| 传输方式 | HTTP 请求数 / 消息 | 线路上的字节数 / 消息 | 空闲：每分钟请求数 | 空闲：每分钟字节数 | 延迟中位数（毫秒） |',
    },
  };
  return localised((l) => {
    const rows = [`${words[l].lead} ${describeScenario(scenario, l)}`, '', words[l].head, '|---|---|---|---|---|---|'];
    for (const [id, t] of Object.entries(data.transports)) {
      const per = (n: number) => (t.delivered ? (n / t.delivered).toFixed(2) : '–');
      rows.push(`| \`${id}\` | ${per(t.requests)} | ${t.delivered ? Math.round(t.bytes / t.delivered) : '–'} | ${t.idleRequests} | ${t.idleBytes} | ${t.latencyMedianMs.toFixed(1)} |`);
    }
    return rows.join('\n');
  });
}
