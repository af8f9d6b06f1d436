/**
 * The SVG charts of tools/report/svg_chart.ts (the `spml simulate --sweep` line chart and the
 * benches' bar charts): well-formed, escaped documents whose ticks, bars and points sit where
 * their values say.
 */
import { describe, expect, it } from 'vitest';
import { barChartSvg, lineChartSvg, niceTicks, tickLabels } from '../../tools/report/svg_chart.js';
import { expectWellFormed } from '../helpers/xml.js';

describe('niceTicks and tickLabels', () => {
  it('cover the range at a 1-2-5 step with exact whole-step values', () => {
    expect(niceTicks(0.001, 0.02)).toEqual([0, 0.005, 0.01, 0.015, 0.02]);
    expect(niceTicks(-2.7, 1.3)).toEqual([-3, -2, -1, 0, 1, 2]);
    expect(niceTicks(0, 0.7, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0.3, 0.6, 3)).toEqual([0.3, 0.4, 0.5, 0.6]);
    expect(niceTicks(0, 55, 5)).toEqual([0, 20, 40, 60]);
    expect(niceTicks(5, 5)).toEqual([4, 4.5, 5, 5.5, 6]);
    expect(niceTicks(Infinity, -Infinity)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('label one axis with one number of decimals', () => {
    expect(tickLabels([0, 0.005, 0.01, 0.015])).toEqual(['0.000', '0.005', '0.010', '0.015']);
    expect(tickLabels([-1, 0, 1])).toEqual(['-1', '0', '1']);
    expect(tickLabels([0, 0.5, 1])).toEqual(['0.0', '0.5', '1.0']);
    expect(tickLabels([0, 20, 40])).toEqual(['0', '20', '40']);
  });
});

describe('lineChartSvg', () => {
  it('escapes text and keeps non-finite points out of the drawing', () => {
    const svg = lineChartSvg({
      title: 'a < b & "c"',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ label: 's', style: 'points', color: '#000', points: [{ x: 0, y: 1, err: 0.5 }, { x: 1, y: NaN }, { x: 2, y: 3 }] }],
      markers: [{ x: 1, label: 'm' }],
    });
    expectWellFormed(svg);
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(svg.match(/<circle /g)).toHaveLength(3); // two points and the legend
    expect(svg).not.toContain('NaN');
  });

  it('puts a point where its x and y fall between the tick labels', () => {
    const svg = lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ label: 's', style: 'points', color: '#000', points: [{ x: 0.3, y: 7 }, { x: 1, y: 10 }] }] });
    const xTick = (label: string) => Number(new RegExp(`<text x="([\\d.]+)" y="[\\d.]+" font-size="11" text-anchor="middle"[^>]*>${label}</text>`).exec(svg)![1]);
    const yTick = (label: string) => Number(new RegExp(`<text x="[\\d.]+" y="([\\d.]+)" font-size="11" text-anchor="end"[^>]*>${label}</text>`).exec(svg)![1]) - 4;
    const [cx, cy] = /<circle cx="([\d.]+)" cy="([\d.]+)"/.exec(svg)!.slice(1).map(Number) as [number, number];
    expect((cx - xTick('0.2')) / (xTick('0.4') - xTick('0.2'))).toBeCloseTo(0.5, 2);
    expect((cy - yTick('7.0')) / (yTick('7.5') - yTick('7.0'))).toBeCloseTo(0, 2);
  });
});

describe('barChartSvg', () => {
  const svg = barChartSvg({
    title: 'speed <&>',
    subtitle: 'machine',
    unit: 'GOP/s',
    groups: [
      { label: '256³', bars: [{ label: 'spml', value: 1.5, note: '(1.00× spml)' }, { label: 'tfjs', value: 6 }] },
      { label: '512³', bars: [{ label: 'tfjs', value: 3 }, { label: 'spml', value: NaN }] },
    ],
  });
  const bars = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="20" rx="2" fill="(#[0-9a-f]{6})"\/>/g)].map((m) => ({ x: Number(m[1]), w: Number(m[2]), fill: m[3] }));

  it('is a well-formed, escaped document with values and notes beside the bars', () => {
    expectWellFormed(svg);
    expect(svg).toContain('speed &lt;&amp;&gt;');
    expect(svg).toContain('1.50 GOP/s  (1.00× spml)');
    expect(svg).toContain('n/a GOP/s');
    expect(svg).toContain('GOP/s (higher is better)');
    expect(svg).not.toContain('NaN');
  });

  it('draws lengths from a zero axis, one colour per label in every group', () => {
    expect(bars).toHaveLength(4);
    const [spml, tfjs, tfjs2, spmlNaN] = bars as [(typeof bars)[0], (typeof bars)[0], (typeof bars)[0], (typeof bars)[0]];
    expect(spml.fill).toBe(spmlNaN.fill);
    expect(tfjs.fill).toBe(tfjs2.fill);
    expect(spml.fill).not.toBe(tfjs.fill);
    const zero = Number(/<line x1="([\d.]+)"[^>]*stroke="#888"/.exec(svg)![1]);
    expect(bars.every((b) => b.x === zero)).toBe(true);
    const six = Number(new RegExp('<text x="([\\d.]+)"[^>]*>6</text>').exec(svg)![1]);
    expect(tfjs.w / (six - zero)).toBeCloseTo(1, 2);
    expect(spml.w / tfjs.w).toBeCloseTo(0.25, 2);
    expect(tfjs2.w / tfjs.w).toBeCloseTo(0.5, 2);
    expect(spmlNaN.w).toBe(1);
  });
});
