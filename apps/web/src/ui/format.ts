import type { TransportId } from '@wirebench/transports/contract';

/**
 * One colour per transport, used by lanes and every chart: the Okabe–Ito palette, which people
 * with the common colour-vision deficiencies can tell apart. Canvas charts read the themed value
 * (`--lane-<id>` in styles.css, lighter blue on dark) through ui/theme.ts.
 */
export const LANE_COLORS: Record<TransportId, string> = {
  'ws-raw': '#D55E00',
  'ws-lib': '#CC79A7',
  'short-poll': '#0072B2',
  'long-poll': '#009E73',
  sse: '#E69F00',
};

/** Besides colour, every lane has its own line style (CSS px dash pattern)… */
export const LANE_DASH: Record<TransportId, number[]> = {
  'ws-raw': [],
  'ws-lib': [10, 4],
  'short-poll': [2, 3],
  'long-poll': [9, 3, 2, 3],
  sse: [5, 5],
};

export type Marker = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross';

/** …and its own point marker. */
export const LANE_MARKER: Record<TransportId, Marker> = {
  'ws-raw': 'circle',
  'ws-lib': 'square',
  'short-poll': 'triangle',
  'long-poll': 'diamond',
  sse: 'cross',
};

/** What a marker is drawn on: a canvas, a Path2D, or anything with the same five calls. */
export type PathSink = Pick<Path2D, 'moveTo' | 'lineTo' | 'arc' | 'rect' | 'closePath'>;

/** Adds one marker of radius r centred on (x, y) to a path. */
export function traceMarker(p: PathSink, shape: Marker, x: number, y: number, r: number): void {
  switch (shape) {
    case 'circle':
      p.moveTo(x + r, y);
      p.arc(x, y, r, 0, Math.PI * 2);
      break;
    case 'square':
      p.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
      break;
    case 'triangle':
      p.moveTo(x, y - r * 1.1);
      p.lineTo(x + r, y + r * 0.8);
      p.lineTo(x - r, y + r * 0.8);
      p.closePath();
      break;
    case 'diamond':
      p.moveTo(x, y - r * 1.2);
      p.lineTo(x + r, y);
      p.lineTo(x, y + r * 1.2);
      p.lineTo(x - r, y);
      p.closePath();
      break;
    case 'cross': {
      const a = r * 0.4;
      p.moveTo(x - a, y - r);
      p.lineTo(x + a, y - r);
      p.lineTo(x + a, y - a);
      p.lineTo(x + r, y - a);
      p.lineTo(x + r, y + a);
      p.lineTo(x + a, y + a);
      p.lineTo(x + a, y + r);
      p.lineTo(x - a, y + r);
      p.lineTo(x - a, y + a);
      p.lineTo(x - r, y + a);
      p.lineTo(x - r, y - a);
      p.lineTo(x - a, y - a);
      p.closePath();
      break;
    }
  }
}

export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (Math.abs(v) >= 100) return `${Math.round(v)} ms`;
  return `${v.toFixed(1)} ms`;
}

export function fmtBytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v >= 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} MiB`;
  if (v >= 10 * 1024) return `${(v / 1024).toFixed(1)} KiB`;
  return `${Math.round(v)} B`;
}

// One formatter for every call (toLocaleString builds a new one each time).
const intFormat = new Intl.NumberFormat('en-US');

export function fmtInt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return intFormat.format(Math.round(v));
}

export function shortId(id: string | null): string {
  return id ? (id.length > 10 ? `${id.slice(0, 8)}…` : id) : '—';
}

/** SVG path data of a marker, for legends drawn in HTML. */
export function markerPath(shape: Marker, x: number, y: number, r: number): string {
  const d: string[] = [];
  traceMarker(
    {
      moveTo: (a, b) => void d.push(`M${a} ${b}`),
      lineTo: (a, b) => void d.push(`L${a} ${b}`),
      arc: (cx, cy, rr) => void d.push(`A${rr} ${rr} 0 1 0 ${cx - rr} ${cy}A${rr} ${rr} 0 1 0 ${cx + rr} ${cy}`),
      rect: (rx, ry, w, h) => void d.push(`M${rx} ${ry}h${w}v${h}h${-w}Z`),
      closePath: () => void d.push('Z'),
    },
    shape,
    x,
    y,
    r,
  );
  return d.join('');
}
