/**
 * The GPT quantizer: float checkpoint → int8 spml model (engine/NUMERICS.md §10.2 for
 * the norms, §8–§9 for attention). It runs the float reference over calibration sequences,
 * takes each activation's range, and turns every scale into integer multipliers and shifts.
 */
import { ParamError } from '../../errors.js';
import type { FloatCheckpoint } from '../../format/checkpoint.js';
import type { GptConfig } from './config.js';
import { floatGptForward } from './float.js';
import { pair, type IntTensor } from '../int_model.js';
import { gptIntTensorSpecs, type GptLayerQuant, type IntGpt } from './quant.js';
import { geluTable } from '../../tables.js';
import {
  channelScales,
  equalize,
  scaleRows,
  quantizeBias,
  quantizeColumns,
  quantizeInt16,
  quantizeLayerNorm,
  quantizeRows,
  rangeScale,
  snapScale,
} from '../quantize_util.js';

export interface GptCalibration {
  /** Token sequences (each ≤ contextLength) run through the float model to find ranges. */
  readonly sequences: readonly (readonly number[])[];
  /** Headroom over the largest calibrated residual value (the int16 stream saturates past it). */
  readonly residualHeadroom?: number;
}

/** Max |value| per activation point and per channel over every calibration sequence. */
export function calibrateGpt(ck: FloatCheckpoint, cal: GptCalibration): { ranges: Map<string, number>; channels: Map<string, Float64Array> } {
  const cfg = ck.config as GptConfig;
  const ranges = new Map<string, number>();
  const channels = new Map<string, Float64Array>();
  for (const seq of cal.sequences) {
    floatGptForward(cfg, ck.tensors, seq, (point, values, width) => {
      const c = channels.get(point) ?? new Float64Array(width);
      for (let i = 0; i < values.length; i++) c[i % width] = Math.max(c[i % width]!, Math.abs(values[i]!));
      channels.set(point, c);
      ranges.set(point, Math.max(...c));
    });
  }
  return { ranges, channels };
}

export function quantizeGpt(ck: FloatCheckpoint, cal: GptCalibration): IntGpt {
  if (ck.config.arch !== 'gpt') throw new ParamError('quantizeGpt', `checkpoint is a ${ck.config.arch}, not a gpt`);
  const cfg = ck.config as GptConfig;
  if (ck.vocab === undefined) throw new ParamError('quantizeGpt', 'checkpoint has no vocab');
  if (cal.sequences.length === 0) throw new ParamError('quantizeGpt', 'calibration needs at least one sequence');
  const C = cfg.width;
  const D = C / cfg.heads;
  const f = (name: string) => ck.tensors.get(name)!.data;
  const { ranges, channels: channelRanges } = calibrateGpt(ck, cal);
  const range = (p: string) => ranges.get(p) ?? 0;
  // Norm outputs feed matmuls: equalize their channels into the weights (quantize_util.equalize).
  const eq = (p: string) => equalize(channelRanges.get(p) ?? new Float64Array(C));
  const tensors = new Map<string, IntTensor>();
  const put = (name: string, data: Int8Array | Int16Array | Int32Array, shape: number[]) => {
    const dtype = data instanceof Int8Array ? 'int8' : data instanceof Int16Array ? 'int16' : 'int32';
    tensors.set(name, { dtype, shape, data });
  };

  // One scale for the whole int16 residual stream: the largest value it ever held, with headroom.
  let residMax = range('embed');
  for (let l = 0; l < cfg.layers; l++) residMax = Math.max(residMax, range(`h${l}.resid1`), range(`h${l}.resid2`));
  const resid = rangeScale(residMax * (cal.residualHeadroom ?? 1.25), 32767);
  put('embed.tok', quantizeInt16(f('wte'), resid.s), [cfg.vocabSize, C]);
  put('embed.pos', quantizeInt16(f('wpe'), resid.s), [cfg.contextLength, C]);

  const layers: GptLayerQuant[] = [];
  for (let l = 0; l < cfg.layers; l++) {
    const p = (s: string) => f(`h${l}.${s}`);
    const name = (s: string) => `h${l}.${s}`;
    const eq1 = eq(name('ln1'));
    const sLn1 = rangeScale(eq1.range, 127);
    const ln1 = quantizeLayerNorm(p('ln1.g'), p('ln1.b'), C, cfg.lnEps, resid.s, 1, sLn1, eq1.f);
    put(name('ln1.g'), ln1.gamma, [C]);
    put(name('ln1.b'), ln1.beta, [C]);
    const proj = (w: string, b: string, sIn: number, k: number, n: number, sOut: number, rowFactors?: Float64Array) => {
      const weights = rowFactors ? scaleRows(p(w), k, n, rowFactors) : p(w);
      const { q, scales } = quantizeColumns(weights, k, n);
      put(name(w), q, [k, n]);
      put(name(b), quantizeBias(p(b), sIn, scales), [n]);
      return channelScales(sIn, scales, sOut);
    };
    const sQ = rangeScale(range(name('q')), 127);
    const sK = rangeScale(range(name('k')), 127);
    const sV = rangeScale(range(name('v')), 127);
    const q = proj('attn.wq', 'attn.bq', sLn1.s, C, C, sQ.s, eq1.f);
    const k = proj('attn.wk', 'attn.bk', sLn1.s, C, C, sK.s, eq1.f);
    const v = proj('attn.wv', 'attn.bv', sLn1.s, C, C, sV.s, eq1.f);
    // Scores q·k have scale s_q·s_k; softmax takes s·log2(e)·2^8 with the 1/√D folded in.
    const softmax = pair(snapScale(((sQ.s * sK.s) / Math.sqrt(D)) * Math.LOG2E * 256).d);
    // Attention output is a convex combination of v rows, so v's range never saturates; int16
    // at 1/256 of v's step keeps the mixing's precision.
    const sAtt = snapScale(sV.s / 256);
    const pv = pair(snapScale(sV.s / 2 ** 14 / sAtt.s).d);
    const o = proj('attn.wo', 'attn.bo', sAtt.s, C, C, resid.s);
    const eq2 = eq(name('ln2'));
    const sLn2 = rangeScale(eq2.range, 127);
    const ln2 = quantizeLayerNorm(p('ln2.g'), p('ln2.b'), C, cfg.lnEps, resid.s, 1, sLn2, eq2.f);
    put(name('ln2.g'), ln2.gamma, [C]);
    put(name('ln2.b'), ln2.beta, [C]);
    const sU = rangeScale(range(name('mlp.u')), 127);
    const up = proj('mlp.w1', 'mlp.b1', sLn2.s, C, cfg.mlpWidth, sU.s, eq2.f);
    const sG = rangeScale(range(name('mlp.g')), 32767);
    put(name('mlp.gelu'), geluTable(sU.d, sG.d, 'int16'), [256]);
    const down = proj('mlp.w2', 'mlp.b2', sG.s, cfg.mlpWidth, C, resid.s);
    layers.push({ ln1: ln1.quant, q, k, v, softmax, pv, o, ln2: ln2.quant, up, down });
  }

  const eqf = eq('lnf');
  const sLnf = rangeScale(eqf.range, 127);
  const lnf = quantizeLayerNorm(f('lnf.g'), f('lnf.b'), C, cfg.lnEps, resid.s, 1, sLnf, eqf.f);
  put('lnf.g', lnf.gamma, [C]);
  put('lnf.b', lnf.beta, [C]);
  // The head's input channels are wte's columns: fold the equalization into its copy of wte.
  const wteScaled = Float64Array.from(f('wte'), (x, i) => x * eqf.f[i % C]!);
  const head = quantizeRows(wteScaled, cfg.vocabSize, C);
  put('head.wte', head.q, [cfg.vocabSize, C]);
  // Common logit scale: 8 bits finer than the coarsest row, so requantizing loses nothing visible.
  const logits = snapScale((sLnf.s * Math.max(...head.scales)) / 256);
  const headScales = channelScales(sLnf.s, head.scales, logits.s);

  const ordered = new Map(gptIntTensorSpecs(cfg).map(([n]) => [n, tensors.get(n)!]));
  return {
    config: cfg,
    vocab: ck.vocab,
    quant: { residual: pair(resid.d), layers, lnf: lnf.quant, head: headScales, logits: pair(logits.d) },
    tensors: ordered,
  };
}
