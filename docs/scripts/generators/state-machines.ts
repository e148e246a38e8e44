// The state machines, drawn and tabled from their transition tables: the server's WebSocket
// connection (TRANSITIONS, chapter 3) and the browser client's lifecycle (CLIENT_TRANSITIONS, chapter 7).
import { TRANSITIONS } from '../../../packages/transports/src/ws/index.ts';
import { CLIENT_STATE_STATUS, CLIENT_TRANSITIONS } from '../../../packages/transports/src/client/lifecycle-table.ts';
import type { Localised } from '../languages.ts';
import { localised } from './text.ts';

export function stateDiagram(): Localised {
  const opened = { en: 'handshake done', 'zh-CN': '握手完成' };
  return localised((l) => {
    const lines = ['```mermaid', 'stateDiagram-v2', `    [*] --> OPEN: ${opened[l]}`];
    const seen = new Set<string>();
    for (const t of TRANSITIONS) {
      // Self-loops that only ignore input would clutter the drawing; the table lists them.
      if (t.from === t.to && t.action === 'ignore') continue;
      const key = `${t.from} ${t.to}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const label = TRANSITIONS.filter((u) => u.from === t.from && u.to === t.to && u.action !== 'ignore').map((u) => u.event).join(', ');
      lines.push(`    ${t.from} --> ${t.to}: ${label}`);
    }
    lines.push('    CLOSED --> [*]', '```');
    return lines.join('\n');
  });
}

export function stateTable(): Localised {
  const head = { en: '| state | event | next state | what the connection does |', 'zh-CN': '| 状态 | 事件 | 下一个状态 | 连接要做的事 |' };
  return localised((l) => {
    const rows = [head[l], '|---|---|---|---|'];
    for (const t of TRANSITIONS) rows.push(`| ${t.from} | ${t.event} | ${t.to} | ${t.action} |`);
    return rows.join('\n');
  });
}

/** The client's states and the events between them (rows that ignore the event are left out). */
export function clientDiagram(): Localised {
  const status = { en: 'status', 'zh-CN': '状态显示为' };
  return localised((l) => {
    const lines = ['```mermaid', 'stateDiagram-v2', '    [*] --> idle'];
    const edges = new Map<string, string[]>();
    for (const t of CLIENT_TRANSITIONS) {
      if (t.action === 'ignore') continue;
      const key = `${t.from} --> ${t.to}`;
      edges.set(key, [...(edges.get(key) ?? []), t.event]);
    }
    for (const [key, events] of edges) lines.push(`    ${key}: ${events.join(', ')}`);
    // Two states show as one status to an app.
    for (const [state, shown] of Object.entries(CLIENT_STATE_STATUS)) {
      if (state !== shown) lines.push(`    note right of ${state}: ${status[l]} ${shown}`);
    }
    lines.push('    removed --> [*]', '    closed --> [*]', '```');
    return lines.join('\n');
  });
}
