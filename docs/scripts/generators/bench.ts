// The benchmark's figures in chapters 1 and 10, rendered from docs/data/bench-snapshot.json
// (bench-snapshot.ts distils it from a `pnpm bench` report). Rounding happens here only. The
// targets' names, goals and notes are the report's own words and stay as the report wrote them.
import type { Language } from '../languages.ts';
import { SnapshotError, type BenchSnapshot, type Range } from '../bench-snapshot.ts';

/** 1234567.8 → "1,234,568"; no locale data involved, so every machine prints the same. */
export function grouped(n: number, decimals = 0): string {
  const [int, frac] = Math.abs(n).toFixed(decimals).split('.');
  const withCommas = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${withCommas}${frac ? `.${frac}` : ''}`;
}

/** Ratios: two decimals, or two significant digits below 0.1 so a tiny ratio is not "0.00". */
export function ratio(n: number): string {
  return n !== 0 && Math.abs(n) < 0.1 ? `${Number(n.toPrecision(2))}×` : `${n.toFixed(2)}×`;
}

function ms(n: number): string {
  return n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : grouped(n);
}

function spread(r: Range, f: (n: number) => string): string {
  return `${f(r.median)} (${f(r.min)}–${f(r.max)})`;
}

/** "0.98× (0.98–1.03)": the × once, as the report writes it. */
function ratioSpread(r: Range): string {
  const bare = (n: number) => ratio(n).replace('×', '');
  return `${ratio(r.median)} (${bare(r.min)}–${bare(r.max)})`;
}

const result = (met: boolean, l: Language) => (l === 'en' ? (met ? 'MET' : '**MISSED**') : met ? '达标' : '**未达标**');
const code = (id: string) => `\`${id}\``;

export function describeRun(s: BenchSnapshot, l: Language): string {
  const started = s.startedAt.slice(0, 16).replace('T', ' ');
  const m = s.machine;
  return l === 'en'
    ? `\`${s.command}\` started ${started} UTC, ${s.runs} runs per figure, on a shared ${m.cpus}-core machine (${m.platform}, Node ${m.node}, ${m.totalMemGiB} GiB) where the server and the load processes compete for the same cores`
    : `\`${s.command}\`，开始于 ${started} UTC，每个数字跑 ${s.runs} 轮，机器是共享的 ${m.cpus} 核（${m.platform}，Node ${m.node}，${m.totalMemGiB} GiB），服务器和负载进程争用同样的几个核`;
}

export function renderTargets(s: BenchSnapshot, l: Language): string {
  const rows =
    l === 'en'
      ? [`From ${describeRun(s, l)}. Medians of the runs, min–max in brackets.`, '', '| target | goal | measured | result | note |']
      : [
          `数据来自 ${describeRun(s, l)}。取各轮的中位数，括号里是最小值–最大值。目标、目标值、测量描述和备注是基准报告的原文。`,
          '',
          '| 目标 | 目标值 | 测量结果 | 结论 | 备注 |',
        ];
  rows.push('|---|---|---|---|---|');
  for (const t of s.targets) {
    // The result column already says MISSED; the report's note often starts by saying so too.
    const note = t.note.replace(/^missed[.:]?\s*/i, '').replace(/\|/g, '\\|').trim();
    rows.push(`| ${t.name} | ${t.goal} | ${t.measured} | ${result(t.met, l)} | ${note} |`);
  }
  return rows.join('\n');
}

const HEADLINE_WORDS = {
  en: {
    echo: (clients: number) => `Echo: ${clients} clients sending and awaiting their echo (round trips per second; latency per round trip, ms).`,
    echoHead: '| server | size (B) | msg/s | p50 ms | p99 ms |',
    tcp: 'raw TCP',
    ratioHead: '| size (B) | ws-raw / ws-lib | ws-raw / raw TCP | ws-lib / raw TCP |',
    broadcast: (n: number, spacing: number, poll: string) =>
      `Broadcast: one sender, every receiver gets every message. Deliveries per second over a burst; latency over ${n} messages ${spacing} ms apart, ms from the send to the first, the median and the last receiver of each message (median over the messages). Short polling asks every ${poll} ms.`,
    broadcastHead: '| transport | receivers | deliveries/s | first ms | median ms | last ms |',
    broadcastRatios: (parts: string[]) => `ws-raw / ws-lib deliveries per second: ${parts.join(', ')}.`,
    at: (r: string, receivers: string) => `${r} at ${receivers} receivers`,
    idle: 'Idle: server memory per connected client that receives nothing (RSS and V8 heap after a full GC, bytes), and the time from one send to the last of them answered.',
    idleHead: '| transport | clients | RSS / client (B) | heap / client (B) | wake, last answer (ms) |',
    polling: 'Polling: server-counted HTTP traffic, headers included.',
    pollingHead: '| transport | clients | messages/s sent | requests/s | requests / delivered message | bytes / delivered message |',
    codec: "Codec: operations per second of our encoder and decoder over `ws`'s on the same buffers (above 1× means ours is faster).",
    codecHead: '| case | ours / ws |',
    dashboard: (browser: string, lanes: string, rate: number) => `Dashboard: ${browser}, lanes ${lanes} at ${rate} messages/s.`,
    dashboardHead: '| figure | measured | goal | result |',
    initial: 'initial JS, gzipped',
    files: (kb: string, n: number, raw: string, all: string, allN: number) => `${kb} in ${n} files (${raw} raw; all JS ${all} in ${allN} files)`,
    frames: 'frame rate under traffic',
    fps: (loaded: string, blank: string, r: string, p95: string) => `${loaded} fps; about:blank ${blank} fps; ratio ${r}; p95 frame ${p95} ms`,
  },
  'zh-CN': {
    echo: (clients: number) => `回显（echo）：${clients} 个客户端发消息并等待回显（每秒往返次数；每次往返的延迟，毫秒）。`,
    echoHead: '| 服务器 | 大小（B） | 消息/秒 | p50 毫秒 | p99 毫秒 |',
    tcp: '原始 TCP',
    ratioHead: '| 大小（B） | ws-raw / ws-lib | ws-raw / 原始 TCP | ws-lib / 原始 TCP |',
    broadcast: (n: number, spacing: number, poll: string) =>
      `广播：一个发送者，每个接收者都收到每条消息。每秒投递数在一次突发发送中测得；延迟用 ${n} 条相隔 ${spacing} 毫秒的消息测得，是从发送到第一个、中位的和最后一个接收者收到每条消息的毫秒数（再对这些消息取中位数）。短轮询每 ${poll} 毫秒问一次。`,
    broadcastHead: '| 传输方式 | 接收者 | 投递/秒 | 第一个（毫秒） | 中位（毫秒） | 最后一个（毫秒） |',
    broadcastRatios: (parts: string[]) => `ws-raw / ws-lib 每秒投递数之比：${parts.join('，')}。`,
    at: (r: string, receivers: string) => `${receivers} 个接收者时 ${r}`,
    idle: '空闲：每个已连接但收不到消息的客户端在服务器上占用的内存（完整 GC 之后的 RSS 和 V8 堆，字节），以及从发出一条消息到它们中最后一个得到回答的时间。',
    idleHead: '| 传输方式 | 客户端 | RSS / 客户端（B） | 堆 / 客户端（B） | 唤醒：最后一个回答（毫秒） |',
    polling: '轮询：服务器统计的 HTTP 流量，包括头部。',
    pollingHead: '| 传输方式 | 客户端 | 每秒发送的消息 | 请求/秒 | 请求数 / 投递的消息 | 字节数 / 投递的消息 |',
    codec: '编解码：在同样的缓冲区上，我们的编码器和解码器每秒操作数与 `ws` 之比（大于 1× 表示我们的更快）。',
    codecHead: '| 用例 | 我们的 / ws |',
    dashboard: (browser: string, lanes: string, rate: number) => `仪表盘：${browser}，通道 ${lanes}，每秒 ${rate} 条消息。`,
    dashboardHead: '| 指标 | 测量结果 | 目标 | 结论 |',
    initial: '首屏 JS（gzip 后）',
    files: (kb: string, n: number, raw: string, all: string, allN: number) => `${kb}，共 ${n} 个文件（未压缩 ${raw}；全部 JS ${all}，共 ${allN} 个文件）`,
    frames: '有流量时的帧率',
    fps: (loaded: string, blank: string, r: string, p95: string) => `${loaded} fps；about:blank ${blank} fps；比值 ${r}；p95 帧耗时 ${p95} 毫秒`,
  },
};

export function renderHeadlines(s: BenchSnapshot, l: Language): string {
  const w = HEADLINE_WORDS[l];
  const out: string[] = [];
  out.push(w.echo(s.echo.clients), '');
  out.push(w.echoHead, '|---|---|---|---|---|');
  for (const c of s.echo.cases) {
    out.push(`| ${c.target === 'tcp' ? w.tcp : code(c.target)} | ${grouped(c.size)} | ${spread(c.msgsPerSec, grouped)} | ${ms(c.p50Ms.median)} | ${ms(c.p99Ms.median)} |`);
  }
  out.push('', w.ratioHead, '|---|---|---|---|');
  for (const r of s.echo.ratios) out.push(`| ${grouped(r.size)} | ${ratioSpread(r.rawOverLib)} | ${ratioSpread(r.rawOverTcp)} | ${ratioSpread(r.libOverTcp)} |`);

  const b = s.broadcast;
  out.push('', w.broadcast(b.latencyMessages, b.spacingMs, grouped(b.shortPollIntervalMs)), '');
  out.push(w.broadcastHead, '|---|---|---|---|---|---|');
  for (const c of b.cases) {
    out.push(`| ${code(c.transport)} | ${grouped(c.receivers)} | ${spread(c.deliveriesPerSec, grouped)} | ${ms(c.firstMs.median)} | ${ms(c.medianMs.median)} | ${ms(c.lastMs.median)} |`);
  }
  out.push('', w.broadcastRatios(b.ratios.map((r) => w.at(ratioSpread(r.rawOverLib), grouped(r.receivers)))));

  out.push('', w.idle, '');
  out.push(w.idleHead, '|---|---|---|---|---|');
  for (const c of s.idle) {
    out.push(`| ${code(c.transport)} | ${grouped(c.clients)} | ${spread(c.rssPerClient, grouped)} | ${grouped(c.heapPerClient.median)} | ${c.wakeLastMs ? ms(c.wakeLastMs.median) : '–'} |`);
  }

  out.push('', w.polling, '');
  out.push(w.pollingHead, '|---|---|---|---|---|---|');
  for (const c of s.polling) {
    out.push(`| ${code(c.transport)} | ${grouped(c.clients)} | ${c.messagesPerSecond} | ${grouped(c.requestsPerSec.median)} | ${c.requestsPerDelivered.median.toFixed(2)} | ${grouped(c.bytesPerDelivered.median)} |`);
  }

  out.push('', w.codec, '');
  out.push(w.codecHead, '|---|---|');
  for (const c of s.codec) out.push(`| ${c.name} | ${ratioSpread(c.ratio)} |`);

  const d = s.dashboard;
  const kb = (n: number) => `${grouped(n / 1000, n % 1000 === 0 ? 0 : 1)} KB`;
  out.push('', w.dashboard(d.browser, d.lanes.map(code).join(', '), d.messagesPerSecond), '');
  out.push(w.dashboardHead, '|---|---|---|---|');
  out.push(`| ${w.initial} | ${w.files(kb(d.initialGzipBytes), d.initialFiles, kb(d.initialBytes), kb(d.allJsGzipBytes), d.allJsFiles)} | ≤ ${kb(d.budgetBytes)} | ${result(d.bundleMet, l)} |`);
  const fps = w.fps(spread(d.loadedFps, (n) => n.toFixed(1)), d.referenceFps.median.toFixed(1), ratioSpread(d.loadedOverReference), ms(d.loadedP95FrameMs.median));
  out.push(`| ${w.frames} | ${fps} | ≥ 50 fps | ${result(d.framesMet, l)} |`);
  return out.join('\n');
}

/** Chapter 1's short version: three ratios from the same run. */
export function renderSummary(s: BenchSnapshot, l: Language): string {
  const find = <T extends { transport: string }>(xs: T[], t: string): T => {
    const hit = xs.find((x) => x.transport === t);
    if (!hit) throw new SnapshotError(`bench snapshot has no ${t} figure`);
    return hit;
  };
  const [r0, ...rest] = s.broadcast.ratios;
  if (!r0) throw new SnapshotError('bench snapshot has no broadcast ratio');
  const ws = find(s.idle, 'ws-raw');
  const lib = find(s.idle, 'ws-lib');
  const lp = find(s.idle, 'long-poll');
  const sp = find(s.polling, 'short-poll');
  const lpp = find(s.polling, 'long-poll');
  const longOverWs = ratio(lp.rssPerClient.median / ws.rssPerClient.median);
  if (l === 'en') {
    const more = rest.map((r) => `, ${ratio(r.rawOverLib.median)} with ${grouped(r.receivers)}`).join('');
    return [
      `Under load, from the full benchmark: ${describeRun(s, l)}. Figures are medians of the runs, all from that one run; read them as ratios between transports, since the absolute numbers depend on the machine and on whatever else it ran.`,
      '',
      `- **Broadcast**: the hand-written \`ws-raw\` server delivered messages ${ratio(r0.rawOverLib.median)} as fast as the \`ws\` library (\`ws-lib\`) with ${grouped(r0.receivers)} receivers${more} (a ratio taken run by run, the two stacks back to back).`,
      `- **Idle memory per client** (server RSS, ${grouped(ws.clients)} clients): ${grouped(ws.rssPerClient.median)} B for a \`ws-raw\` WebSocket, ${grouped(lib.rssPerClient.median)} B for \`ws-lib\`, ${grouped(lp.rssPerClient.median)} B for a held long poll (${longOverWs} the \`ws-raw\` median).`,
      `- **Polling requests per delivered message** (${grouped(sp.clients)} clients, ${sp.messagesPerSecond} messages/s): ${sp.requestsPerDelivered.median.toFixed(2)} for short polling (${grouped(sp.bytesPerDelivered.median)} B each), ${lpp.requestsPerDelivered.median.toFixed(2)} for long polling (${grouped(lpp.bytesPerDelivered.median)} B each); WebSocket needs none.`,
    ].join('\n');
  }
  const more = rest.map((r) => `，${grouped(r.receivers)} 个时是 ${ratio(r.rawOverLib.median)}`).join('');
  return [
    `有负载时的情况，来自完整的基准测试：${describeRun(s, l)}。数字是各轮的中位数，全部出自这一次运行；请把它们当作传输方式之间的比值来读，因为绝对数值取决于机器，也取决于机器上同时在跑什么。`,
    '',
    `- **广播**：有 ${grouped(r0.receivers)} 个接收者时，手写的 \`ws-raw\` 服务器投递消息的速度是 \`ws\` 库（\`ws-lib\`）的 ${ratio(r0.rawOverLib.median)}${more}（比值逐轮计算，两套实现紧挨着轮流跑）。`,
    `- **每个空闲客户端占用的内存**（服务器 RSS，${grouped(ws.clients)} 个客户端）：\`ws-raw\` WebSocket ${grouped(ws.rssPerClient.median)} B，\`ws-lib\` ${grouped(lib.rssPerClient.median)} B，挂起的长轮询 ${grouped(lp.rssPerClient.median)} B（是 \`ws-raw\` 中位数的 ${longOverWs}）。`,
    `- **轮询时每投递一条消息所需的请求数**（${grouped(sp.clients)} 个客户端，每秒 ${sp.messagesPerSecond} 条消息）：短轮询 ${sp.requestsPerDelivered.median.toFixed(2)} 个（每个 ${grouped(sp.bytesPerDelivered.median)} B），长轮询 ${lpp.requestsPerDelivered.median.toFixed(2)} 个（每个 ${grouped(lpp.bytesPerDelivered.median)} B）；WebSocket 一个也不需要。`,
  ].join('\n');
}
