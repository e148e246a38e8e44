// The HTML report's building blocks: escaping, tables and inline SVG bar charts (no scripts, no CDN).
import type { TransportId } from '@wirebench/transports/contract';
import type { Spread } from '../stats.ts';
import { fmt } from './format.ts';

export const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

interface Bar {
  label: string;
  value: Spread;
  color?: string;
}

/** A horizontal bar chart: one bar per row at the median, a whisker from min to max. */
export function barChart(title: string, unit: string, bars: Bar[], opts: { refLine?: number; refLabel?: string; digits?: number } = {}): string {
  const rowH = 24;
  const labelW = 230;
  const plotW = 420;
  const valueW = 150;
  const w = labelW + plotW + valueW;
  const h = 30 + bars.length * rowH + 10;
  const max = Math.max(1e-9, ...bars.map((b) => (Number.isFinite(b.value.max) ? b.value.max : 0)), opts.refLine ?? 0);
  const x = (v: number): number => labelW + (Math.max(0, v) / max) * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}">`,
    `<text x="0" y="16" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = 30 + i * rowH;
    const v = b.value;
    parts.push(`<text x="${labelW - 6}" y="${y + 15}" font-size="12" text-anchor="end">${esc(b.label)}</text>`);
    if (Number.isFinite(v.median)) {
      parts.push(`<rect x="${labelW}" y="${y + 4}" width="${(x(v.median) - labelW).toFixed(1)}" height="${rowH - 8}" fill="${b.color ?? '#4a7bd0'}"/>`);
      if (v.runs.length > 1) {
        parts.push(
          `<line x1="${x(v.min).toFixed(1)}" x2="${x(v.max).toFixed(1)}" y1="${y + rowH / 2}" y2="${y + rowH / 2}" stroke="#222" stroke-width="1.5"/>`,
          `<line x1="${x(v.min).toFixed(1)}" x2="${x(v.min).toFixed(1)}" y1="${y + 7}" y2="${y + rowH - 7}" stroke="#222"/>`,
          `<line x1="${x(v.max).toFixed(1)}" x2="${x(v.max).toFixed(1)}" y1="${y + 7}" y2="${y + rowH - 7}" stroke="#222"/>`,
        );
      }
      parts.push(`<text x="${labelW + plotW + 6}" y="${y + 15}" font-size="12">${esc(fmt(v.median, opts.digits ?? 0))} ${esc(unit)}</text>`);
    } else parts.push(`<text x="${labelW + 4}" y="${y + 15}" font-size="12">—</text>`);
  });
  if (opts.refLine !== undefined) {
    const rx = x(opts.refLine).toFixed(1);
    parts.push(`<line x1="${rx}" x2="${rx}" y1="24" y2="${h - 4}" stroke="#c0392b" stroke-dasharray="4 3"/>`);
    if (opts.refLabel) parts.push(`<text x="${rx}" y="${h - 1}" font-size="10" fill="#c0392b" text-anchor="middle">${esc(opts.refLabel)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** One colour per transport (a Record: a new transport needs one) and the TCP ceiling. */
export const COLORS: Record<TransportId | 'tcp', string> = {
  'ws-raw': '#2e86de',
  'ws-lib': '#8e44ad',
  tcp: '#7f8c8d',
  sse: '#27ae60',
  'long-poll': '#e67e22',
  'short-poll': '#c0392b',
};

export function htmlTable(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}
