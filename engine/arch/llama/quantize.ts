/**
 * The llama quantizer: float checkpoint → int8 spml model (engine/NUMERICS.md §20.7; §10.2 for
 * the RMSNorms, §8–§9 for attention, §7 for the SiLU table). It runs the float reference
 * (float.ts) over calibration token sequences, takes each activation's range, and turns every
 * scale into integer multipliers and shifts, as the GPT's quantizer does.
 */
import { ParamError } from '../../errors.js';
import type { FloatCheckpoint } from '../../format/checkpoint.js';
import { siluTable } from '../../tables.js';
import { pair, type IntTensor } from '../int_model.js';
import { channelScales, equalize, quantizeColumns, quantizeInt16, quantizeLayerNorm, quantizeRows, rangeScale, scaleRows, snapScale } from '../quantize_util.js';
import { KEY_PLANE_RATIO } from './attention.js';
import type { LlamaConfig } from './config.js';
import { floatLlamaForward } from './float.js';
import { llamaIntTensorSpecs, type IntLlama, type LlamaLayerQuant } from './quant.js';
import { parseLlamaVocabulary } from './vocabulary.js';

export interface LlamaCalibration {
  /** Token sequences (each ≤ contextLength) run through the float model to find ranges. */
  readonly sequences: readonly (readonly number[])[];
  /** Headroom over the largest calibrated residual value (the int16 stream saturates past it). */
  readonly residualHeadroom?: number;
}

/**
 * Headroom of the RMSNorm outputs over their calibrated channel ranges. The calibration text is
 * short (IMPORT_CALIBRATION), and on stories260K a norm output saturating at a value calibration
 * never saw cost 0.9 points of top-1 agreement; 1.25 recovers them for 0.3 bits of int16.
 */
const NORM_HEADROOM = 1.25;

/**
 * Max |value| per activation point and per channel over every calibration sequence; for the
 * rotated q and k, the largest length of a rotary pair (`q.pair`, `k.pair`), which bounds every
 * coordinate before and after the rotation, so int8 q and k do not saturate in rope.
 */
export function calibrateLlama(ck: FloatCheckpoint, cal: LlamaCalibration): { ranges: Map<string, number>; channels: Map<string, Float64Array> } {
  const cfg = ck.config as LlamaConfig;
  const ranges = new Map<string, number>();
  const channels = new Map<string, Float64Array>();
  for (const seq of cal.sequences) {
    floatLlamaForward(cfg, ck.tensors, seq, (point, values, width) => {
      const c = channels.get(point) ?? new Float64Array(width);
      for (let i = 0; i < values.length; i++) c[i % width] = Math.max(c[i % width]!, Math.abs(values[i]!));
      channels.set(point, c);
      ranges.set(point, Math.max(...c));
      if (point.endsWith('.q') || point.endsWith('.k')) {
        const pairs = channels.get(point + '.pairs') ?? new Float64Array(width / 2);
        for (let i = 0; i < values.length; i += 2) pairs[(i % width) / 2] = Math.max(pairs[(i % width) / 2]!, Math.hypot(values[i]!, values[i + 1]!));
        channels.set(point + '.pairs', pairs);
        ranges.set(point + '.pair', Math.max(...pairs));
      }
    });
  }
  return { ranges, channels };
}

export function quantizeLlama(ck: FloatCheckpoint, cal: LlamaCalibration): IntLlama {
  const op = 'quantizeLlama';
  if (ck.config.arch !== 'llama') throw new ParamError(op, `checkpoint is a ${ck.config.arch}, not a llama`);
  const cfg = ck.config as LlamaConfig;
  parseLlamaVocabulary(op, ck.vocab, cfg.vocabSize, false);
  const vocab = ck.vocab!;
  if (cal.sequences.length === 0) throw new ParamError(op, 'calibration needs at least one sequence');
  const C = cfg.width;
  const hs = C / cfg.heads;
  const KV = hs * cfg.kvHeads;
  const F = cfg.hiddenWidth;
  const kvOf = (h: number) => Math.floor(h / (cfg.heads / cfg.kvHeads));
  const f = (name: string) => ck.tensors.get(name)!.data;
  const { ranges, channels: channelRanges } = calibrateLlama(ck, cal);
  const range = (p: string) => ranges.get(p) ?? 0;
  // Norm outputs feed matmuls: equalize their channels into the weights (quantize_util.equalize).
  const eq = (p: string) => equalize(channelRanges.get(p) ?? new Float64Array(C));
  const tensors = new Map<string, IntTensor>();
  const put = (name: string, data: Int8Array | Int16Array | Int32Array, shape: number[]) => {
    const dtype = data instanceof Int8Array ? 'int8' : data instanceof Int16Array ? 'int16' : 'int32';
    tensors.set(name, { dtype, shape, data });
  };
  const zeros = new Float64Array(C);
  /** RMSNorm as a LayerNorm without β (§10.2): γ on the equalized channels, the eps of s_resid. */
  const rms = (name: string, g: ArrayLike<number>, sIn: number) => {
    const e = eq(name);
    const sOut = rangeScale(e.range * NORM_HEADROOM, 32767);
    const n = quantizeLayerNorm(g, zeros, C, cfg.normEps, sIn, 1, sOut, e.f);
    put(`${name}.g`, n.gamma, [C]);
    return { quant: n.quant, s: sOut.s, f: e.f };
  };

  // One scale for the whole int16 residual stream: the largest value it ever held, with headroom.
  let residMax = range('embed');
  for (let l = 0; l < cfg.layers; l++) residMax = Math.max(residMax, range(`h${l}.resid1`), range(`h${l}.resid2`));
  const resid = rangeScale(residMax * (cal.residualHeadroom ?? 1.25), 32767);
  put('embed.tok', quantizeInt16(f('embed'), resid.s), [cfg.vocabSize, C]);

  const layers: LlamaLayerQuant[] = [];
  for (let l = 0; l < cfg.layers; l++) {
    const name = (s: string) => `h${l}.${s}`;
    const p = (s: string) => f(name(s));
    /** A bias-free projection W [k, n]: int8 per output column, requantized from s_in·s_w to s_out. */
    /** `outFactors`: output column j is emitted at s_out·g_j (the real value divided by g_j·s_out). */
    const proj = (w: string, sIn: number, k: number, n: number, sOut: number, rowFactors?: Float64Array, outFactors?: Float64Array) => {
      const { q, scales } = quantizeColumns(rowFactors ? scaleRows(p(w), k, n, rowFactors) : p(w), k, n);
      put(name(w), q, [k, n]);
      return outFactors ? scales.map((sw, j) => pair(snapScale((sIn * sw) / (sOut * outFactors[j]!)).d)) : channelScales(sIn, scales, sOut);
    };
    const n1 = rms(name('attn_norm'), p('attn_norm'), resid.s);
    // Keys: each rotary pair of each kv head is emitted on its own step s_k·g (g ≤ 1 the pair's
    // share of the largest pair length, equalize's floor), and the queries that meet it are
    // emitted at s_q/g (scaled up by g), so q·k keeps the scale s_q·s_k while small pairs keep their precision.
    const kPairs = equalize(channelRanges.get(name('k.pairs')) ?? new Float64Array(KV / 2));
    const gK = Float64Array.from({ length: KV }, (_, j) => kPairs.f[j >> 1]!);
    const gQ = Float64Array.from({ length: C }, (_, c) => 1 / gK[kvOf(Math.floor(c / hs)) * hs + (c % hs)]!);
    const sQ = rangeScale(range(name('q.pair')), 32767);
    const sK = rangeScale(kPairs.range, 127);
    const q = proj('attn.wq', n1.s, C, C, sQ.s, n1.f, gQ);
    // wk's output is int16 at 2^−8 of sK; after rope the model rounds it to the 12-bit key at
    // 2^−4 of sK (attention.ts), so the scores have the scale sQ·sK/16.
    const k = proj('attn.wk', n1.s, C, KV, sK.s / 256, n1.f, gK);
    const sV = rangeScale(range(name('v')), 127);
    const v = proj('attn.wv', n1.s, C, KV, sV.s, n1.f);
    const softmax = pair(snapScale(((sQ.s * sK.s) / KEY_PLANE_RATIO / Math.sqrt(hs)) * Math.LOG2E * 256).d);
    // As in the GPT: the attention output is a convex combination of v rows, kept in int16 at
    // 1/256 of v's step.
    const sAtt = snapScale(sV.s / 256);
    const pv = pair(snapScale(sV.s / 2 ** 14 / sAtt.s).d);
    const o = proj('attn.wo', sAtt.s, C, C, resid.s);
    const n2 = rms(name('ffn_norm'), p('ffn_norm'), resid.s);
    const sGate = rangeScale(range(name('gate')), 127);
    const gate = proj('mlp.w1', n2.s, C, F, sGate.s, n2.f);
    const sSilu = rangeScale(range(name('silu')), 32767);
    put(name('mlp.silu'), siluTable(sGate.d, sSilu.d, 'int16'), [256]);
    const sUp = rangeScale(range(name('up')), 32767);
    const up = proj('mlp.w3', n2.s, C, F, sUp.s, n2.f);
    const sProd = rangeScale(range(name('prod')), 32767);
    const prod = pair(snapScale((sSilu.s * sUp.s) / sProd.s).d);
    const down = proj('mlp.w2', sProd.s, F, C, resid.s);
    layers.push({ attnNorm: n1.quant, q, k, v, softmax, pv, o, ffnNorm: n2.quant, gate, up, prod, down });
  }

  const nf = rms('norm', f('norm'), resid.s);
  // The classifier's input channels are its columns: fold the equalization into its int8 copy.
  const cls = f(cfg.sharedClassifier ? 'embed' : 'head');
  const head = quantizeRows(Float64Array.from(cls, (x, i) => x * nf.f[i % C]!), cfg.vocabSize, C);
  put('head.w', head.q, [cfg.vocabSize, C]);
  // Common logit scale: 8 bits finer than the coarsest row.
  const logits = snapScale((nf.s * Math.max(...head.scales)) / 256);
  const headScales = channelScales(nf.s, head.scales, logits.s);

  const ordered = new Map(llamaIntTensorSpecs(cfg).map(([n]) => [n, tensors.get(n)!]));
  return {
    config: cfg,
    vocab,
    quant: { residual: pair(resid.d), layers, norm: nf.quant, head: headScales, logits: pair(logits.d) },
    tensors: ordered,
  };
}
