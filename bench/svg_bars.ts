/**
 * Hand-written SVG horizontal bar charts for benchmark results (no dependencies).
 *
 * Benchmarks in bench/ report throughput of spml next to peers measured in the same process;
 * this module only draws those numbers: one group of bars per case (e.g. a matrix size), one
 * bar per implementation, the same colour for an implementation in every group, the value
 * written beside each bar, and a labelled axis starting at zero so lengths compare honestly.
 */

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

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A 1-2-5 tick step giving about `target` intervals up to `max`. */
function niceStep(max: number, target: number): number {
  if (!(max > 0)) return 1;
  const raw = max / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
}

function fmtTick(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(decimals);
}

/** Render the chart as a standalone SVG document. */
export function barChartSvg(spec: BarChartSpec): string {
  const width = spec.width ?? 820;
  const digits = spec.digits ?? 2;
  const labelW = 210; // left column for bar labels
  const valueW = 170; // right room for value text
  const padX = 16;
  const barH = 20;
  const barGap = 6;
  const groupHeadH = 24;
  const groupGap = 14;
  const titleH = spec.subtitle ? 52 : 34;
  const axisH = 40;

  const plotX = padX + labelW;
  const plotW = width - plotX - valueW - padX;

  const colours = new Map<string, string>();
  for (const g of spec.groups) {
    for (const b of g.bars) {
      if (!colours.has(b.label)) colours.set(b.label, PALETTE[colours.size % PALETTE.length]!);
    }
  }

  const maxValue = Math.max(0, ...spec.groups.flatMap((g) => g.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0))));
  const step = niceStep(maxValue, 5);
  const axisMax = Math.max(step, Math.ceil(maxValue / step) * step);
  const x = (v: number): number => plotX + (Math.max(0, v) / axisMax) * plotW;

  const body: string[] = [];
  let y = titleH;
  for (const g of spec.groups) {
    body.push(`<text x="${padX}" y="${y + 16}" font-size="14" font-weight="600" fill="#222">${escapeXml(g.label)}</text>`);
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

  const grid: string[] = [];
  for (let v = 0; v <= axisMax + step / 2; v += step) {
    const gx = x(v).toFixed(1);
    grid.push(
      `<line x1="${gx}" y1="${titleH}" x2="${gx}" y2="${plotBottom}" stroke="${v === 0 ? '#888' : '#e3e3e3'}" stroke-width="1"/>`,
      `<text x="${gx}" y="${plotBottom + 16}" font-size="11" text-anchor="middle" fill="#555">${fmtTick(v, step)}</text>`,
    );
  }
  const height = plotBottom + axisH;

  const head = [
    `<text x="${padX}" y="22" font-size="16" font-weight="700" fill="#111">${escapeXml(spec.title)}</text>`,
    spec.subtitle ? `<text x="${padX}" y="40" font-size="12" fill="#555">${escapeXml(spec.subtitle)}</text>` : '',
    `<text x="${(plotX + plotW / 2).toFixed(1)}" y="${plotBottom + 34}" font-size="12" text-anchor="middle" fill="#333">${escapeXml(spec.unit)} (higher is better)</text>`,
  ];

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...grid,
    ...head.filter((s) => s !== ''),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
