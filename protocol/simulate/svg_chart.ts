/**
 * A self-contained SVG line chart (no dependencies) for the p sweeps of the simulation: expected
 * profit of cheating and of honesty against the challenge probability p (paper §2.2 Theorem 1),
 * with vertical marker lines such as p_min.
 *
 * Theory series draw as lines, simulated ones as points with ±error whiskers, so the eye checks
 * the simulation against the theory. Same look as bench/svg_bars.ts (palette, font); kept apart
 * from it because protocol/ does not depend on bench/.
 */

export interface ChartPoint {
  x: number;
  y: number;
  /** Half-length of an error whisker, drawn when given. */
  err?: number;
}

export interface ChartSeries {
  label: string;
  points: ChartPoint[];
  /** 'line': theory; 'points': measurements. */
  style: 'line' | 'points';
  color: string;
}

export interface VerticalMarker {
  x: number;
  label: string;
  color?: string;
}

export interface LineChartSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  markers?: VerticalMarker[];
  width?: number;
  height?: number;
}

export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Ticks at a 1-2-5 step covering [lo, hi] in about `target` intervals. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const raw = (hi - lo) / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  const step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  if (ticks[0]! > lo) ticks.unshift(+(ticks[0]! - step).toPrecision(12));
  if (ticks[ticks.length - 1]! < hi) ticks.push(+(ticks[ticks.length - 1]! + step).toPrecision(12));
  return ticks;
}

const fmt = (v: number) => +v.toPrecision(6) + '';

/** Renders the chart as a standalone SVG document. */
export function lineChartSvg(spec: LineChartSpec): string {
  const width = spec.width ?? 820;
  const height = spec.height ?? 520;
  const top = spec.subtitle ? 60 : 44;
  const left = 78;
  const right = 200; // legend column
  const bottom = 58;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const pts = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y));
  const xs = [...pts.map((p) => p.x), ...(spec.markers ?? []).map((m) => m.x)];
  const ys = pts.flatMap((p) => [p.y - (p.err ?? 0), p.y + (p.err ?? 0)]);
  const xt = niceTicks(Math.min(...xs), Math.max(...xs));
  const yt = niceTicks(Math.min(...ys), Math.max(...ys));
  const [x0, x1, y0, y1] = [xt[0]!, xt[xt.length - 1]!, yt[0]!, yt[yt.length - 1]!];
  const X = (v: number) => (left + ((v - x0) / (x1 - x0)) * plotW).toFixed(1);
  const Y = (v: number) => (top + plotH - ((v - y0) / (y1 - y0)) * plotH).toFixed(1);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="16" y="24" font-size="16" font-weight="700" fill="#111">${esc(spec.title)}</text>`,
  ];
  if (spec.subtitle) out.push(`<text x="16" y="44" font-size="12" fill="#555">${esc(spec.subtitle)}</text>`);
  for (const v of xt) {
    out.push(`<line x1="${X(v)}" y1="${top}" x2="${X(v)}" y2="${top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${X(v)}" y="${top + plotH + 16}" font-size="11" text-anchor="middle" fill="#555">${fmt(v)}</text>`);
  }
  for (const v of yt) {
    out.push(`<line x1="${left}" y1="${Y(v)}" x2="${left + plotW}" y2="${Y(v)}" stroke="${v === 0 ? '#999' : '#eee'}"/>`);
    out.push(`<text x="${left - 6}" y="${(+Y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#555">${fmt(v)}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${height - 16}" font-size="12" text-anchor="middle" fill="#333">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle" fill="#333">${esc(spec.yLabel)}</text>`);

  for (const s of spec.series) {
    const finite = s.points.filter((p) => Number.isFinite(p.y));
    if (s.style === 'line') {
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${finite.map((p) => `${X(p.x)},${Y(p.y)}`).join(' ')}"/>`);
    } else {
      for (const p of finite) {
        if (p.err) out.push(`<line x1="${X(p.x)}" y1="${Y(p.y - p.err)}" x2="${X(p.x)}" y2="${Y(p.y + p.err)}" stroke="${s.color}" stroke-opacity="0.6"/>`);
        out.push(`<circle cx="${X(p.x)}" cy="${Y(p.y)}" r="3" fill="${s.color}"/>`);
      }
    }
  }
  (spec.markers ?? []).forEach((m, i) => {
    const color = m.color ?? '#333';
    out.push(`<line class="marker" x1="${X(m.x)}" y1="${top}" x2="${X(m.x)}" y2="${top + plotH}" stroke="${color}" stroke-dasharray="5 4" stroke-width="1.5"/>`);
    out.push(`<text x="${(+X(m.x) + 4).toFixed(1)}" y="${top + 14 + 14 * i}" font-size="11" fill="${color}">${esc(m.label)}</text>`);
  });
  const lx = left + plotW + 16;
  spec.series.forEach((s, i) => {
    const ly = top + 10 + 20 * i;
    out.push(
      s.style === 'line'
        ? `<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`
        : `<circle cx="${lx + 11}" cy="${ly}" r="3" fill="${s.color}"/>`,
      `<text x="${lx + 28}" y="${ly + 4}" font-size="12" fill="#333">${esc(s.label)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}
