/**
 * Hand-written SVG charts (no dependencies): a line/point chart for the p sweeps of
 * `spml simulate --sweep` (apps/cli/simulate.ts, docs/sweep.svg) and a horizontal bar chart for
 * the benches' results (bench/*.ts, bench/results/*.svg). Both are standalone documents with the
 * same scaffolding: white page, one font, title and subtitle, escaped text, 1-2-5 ticks whose
 * labels share one number of decimals per axis, light grid lines, and one palette.
 *
 * Why tools/report/: a chart is presentation, not protocol logic or engine work, so it lives above
 * the library. protocol/ may import only engine/ (test/architecture/import_rules.ts), so
 * protocol/simulate returns the sweep's numbers (protocol/simulate/sweep.ts) and the CLI draws them
 * (apps/cli/simulate.ts#sweepSvg). apps/ and bench/ may both import tools/, and tools/ may not import
 * apps/ or bench/, so here every program above the library can draw with it (the CLI, the benches,
 * and any tool), whereas in apps/ or bench/ the tools could not.
 */

export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const GRID = '#e3e3e3';
/** The zero line and the plot frame. */
const AXIS = '#888';
const PAD_X = 16;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A 1-2-5 step giving about `target` intervals over `span` (1 for an empty span). */
function niceStep(span: number, target: number): number {
  if (!(span > 0)) return 1;
  const raw = span / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
}

/**
 * Ticks at a 1-2-5 step covering [lo, hi] in about `target` intervals, the first ≤ lo and the last
 * ≥ hi (to within 1e-9 of a step). Each tick is a whole number of steps, so 0 is exactly 0.
 */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1]; // nothing to draw
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const step = niceStep(hi - lo, target);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  return Array.from({ length: last - first + 1 }, (_, k) => +((first + k) * step).toPrecision(12));
}

/** Tick labels of one axis, all with the decimals its step needs: 0.000, 0.005, 0.010. */
export function tickLabels(ticks: readonly number[]): string[] {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return ticks.map((v) => v.toFixed(decimals));
}

/** A vertical grid line from y1 to y2 at x, its label below at labelY (the zero line darker). */
function xGridLine(x: string, y1: number, y2: number, labelY: number, label: string, zero: boolean): string[] {
  return [
    `<line x1="${x}" y1="${y1}" x2="${x}" y2="${y2}" stroke="${zero ? AXIS : GRID}" stroke-width="1"/>`,
    `<text x="${x}" y="${labelY}" font-size="11" text-anchor="middle" fill="#555">${label}</text>`,
  ];
}

/** Title and optional subtitle, top left. */
function heading(title: string, subtitle?: string): string[] {
  return [
    `<text x="${PAD_X}" y="22" font-size="16" font-weight="700" fill="#111">${escapeXml(title)}</text>`,
    ...(subtitle ? [`<text x="${PAD_X}" y="40" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`] : []),
  ];
}

/** The standalone document around the chart's elements. */
function svgDocument(width: number, height: number, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

// ---- line/point chart ----

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

/**
 * Series against x: lines drawn as polylines, measurements as points with ±err whiskers (so the
 * eye checks measurement against theory), dashed vertical markers, a legend column on the right.
 * Non-finite y values are left out.
 */
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

  const out: string[] = heading(spec.title, spec.subtitle);
  const xl = tickLabels(xt);
  xt.forEach((v, i) => out.push(...xGridLine(X(v), top, top + plotH, top + plotH + 16, xl[i]!, v === 0)));
  const yl = tickLabels(yt);
  yt.forEach((v, i) => {
    out.push(
      `<line x1="${left}" y1="${Y(v)}" x2="${left + plotW}" y2="${Y(v)}" stroke="${v === 0 ? AXIS : GRID}" stroke-width="1"/>`,
      `<text x="${left - 6}" y="${(+Y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#555">${yl[i]!}</text>`,
    );
  });
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="${AXIS}"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${height - 16}" font-size="12" text-anchor="middle" fill="#333">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle" fill="#333">${escapeXml(spec.yLabel)}</text>`);

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
    out.push(`<text x="${(+X(m.x) + 4).toFixed(1)}" y="${top + 14 + 14 * i}" font-size="11" fill="${color}">${escapeXml(m.label)}</text>`);
  });
  const lx = left + plotW + 16;
  spec.series.forEach((s, i) => {
    const ly = top + 10 + 20 * i;
    out.push(
      s.style === 'line'
        ? `<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`
        : `<circle cx="${lx + 11}" cy="${ly}" r="3" fill="${s.color}"/>`,
      `<text x="${lx + 28}" y="${ly + 4}" font-size="12" fill="#333">${escapeXml(s.label)}</text>`,
    );
  });
  return svgDocument(width, height, out);
}

// ---- bar chart ----

export interface Bar {
  /** Implementation name; bars with the same label share a colour across groups. */
  label: string;
  value: number;
  /** Optional text after the value, e.g. "1.00× spml". */
  note?: string;
}

export interface BarGroup {
  /** Group heading, e.g. "256³". */
  label: string;
  bars: Bar[];
}

export interface BarChartSpec {
  title: string;
  subtitle?: string;
  /** Unit of the values, shown on the axis and after each value, e.g. "GOP/s". */
  unit: string;
  groups: BarGroup[];
  /** Total width in px (default 820). */
  width?: number;
  /** Digits after the decimal point for value labels (default 2). */
  digits?: number;
}

/**
 * Benchmark throughputs as horizontal bars: one group of bars per case (e.g. a matrix size), one
 * bar per implementation, the same colour for an implementation in every group, the value
 * written beside each bar, and a labelled axis starting at zero so lengths compare honestly.
 */
export function barChartSvg(spec: BarChartSpec): string {
  const width = spec.width ?? 820;
  const digits = spec.digits ?? 2;
  const labelW = 210; // left column for bar labels
  const valueW = 170; // right room for value text
  const barH = 20;
  const barGap = 6;
  const groupHeadH = 24;
  const groupGap = 14;
  const titleH = spec.subtitle ? 52 : 34;
  const axisH = 40;

  const plotX = PAD_X + labelW;
  const plotW = width - plotX - valueW - PAD_X;

  const colours = new Map<string, string>();
  for (const g of spec.groups) {
    for (const b of g.bars) {
      if (!colours.has(b.label)) colours.set(b.label, PALETTE[colours.size % PALETTE.length]!);
    }
  }

  const maxValue = Math.max(0, ...spec.groups.flatMap((g) => g.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0))));
  const ticks = niceTicks(0, maxValue > 0 ? maxValue : 1, 5);
  const axisMax = ticks[ticks.length - 1]!;
  /** A value not measured (NaN) draws as a 1 px stub labelled n/a. */
  const x = (v: number): number => plotX + ((Number.isFinite(v) ? Math.max(0, v) : 0) / axisMax) * plotW;

  const body: string[] = [];
  let y = titleH;
  for (const g of spec.groups) {
    body.push(`<text x="${PAD_X}" y="${y + 16}" font-size="14" font-weight="600" fill="#222">${escapeXml(g.label)}</text>`);
    y += groupHeadH;
    for (const b of g.bars) {
      const w = Math.max(1, x(b.value) - plotX);
      const cy = y + barH / 2 + 4;
      const valueText = `${Number.isFinite(b.value) ? b.value.toFixed(digits) : 'n/a'} ${spec.unit}${b.note ? `  ${b.note}` : ''}`;
      body.push(
        `<text x="${plotX - 8}" y="${cy}" font-size="12" text-anchor="end" fill="#333">${escapeXml(b.label)}</text>`,
        `<rect x="${plotX}" y="${y}" width="${w.toFixed(1)}" height="${barH}" rx="2" fill="${colours.get(b.label)!}"/>`,
        `<text x="${(plotX + w + 6).toFixed(1)}" y="${cy}" font-size="12" fill="#333">${escapeXml(valueText)}</text>`,
      );
      y += barH + barGap;
    }
    y += groupGap;
  }
  const plotBottom = y - groupGap;
  const labels = tickLabels(ticks);
  const grid = ticks.flatMap((v, i) => xGridLine(x(v).toFixed(1), titleH, plotBottom, plotBottom + 16, labels[i]!, v === 0));
  const axisLabel = `<text x="${(plotX + plotW / 2).toFixed(1)}" y="${plotBottom + 34}" font-size="12" text-anchor="middle" fill="#333">${escapeXml(spec.unit)} (higher is better)</text>`;
  return svgDocument(width, plotBottom + axisH, [...grid, ...heading(spec.title, spec.subtitle), axisLabel, ...body]);
}
