/**
 * `npm run eval`: measures the shipped int8 models against their float checkpoints on held-out
 * data and writes docs/ACCURACY.md, with the accuracy targets in its table.
 *   moby-gpt:  loss in nats/char (float vs int8) and greedy next-character top-1 agreement on
 *              windows of the last 10% of Moby-Dick, which training never saw.
 *   mnist-mlp: test accuracy (float vs int8) and argmax agreement on the 10,000 test images.
 *   stories260k: teacher-forced top-1 agreement and perplexity (float vs int8) on held-out stories,
 *              and what a Q8_0 GGUF source costs (tools/eval_llama.ts).
 * The llama.cpp section that tools/llamacpp_check.ts measures is kept as it is in the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, type LoadedLanguageModel, type LoadedClassifier } from '../engine/api.js';
import '../kernels/cpu/index.js';
import { checkpointFromJson } from '../engine/format/checkpoint.js';
import { crossEntropy } from '../engine/arch/gpt/float.js';
import { dyadicToNumber } from '../engine/quant.js';
import { loadMnist } from './data/mnist.js';
import { evalQ8Requantization, evalStories260k, heldOutStories, HELD_OUT, stories260kCheckpoint } from './eval_llama.js';
import { encode, readMobyDick, splitTokens } from './train/moby_gpt.js';
import type { GptConfig } from '../engine/arch/gpt/config.js';
import type { MlpConfig } from '../engine/arch/mlp/config.js';

const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'models');
const progress = (msg: string) => process.stderr.write(`\r${msg}`.padEnd(70));

const argmaxRow = (x: ArrayLike<number>, start: number, n: number) => {
  let best = 0;
  for (let j = 1; j < n; j++) if (x[start + j]! > x[start + best]!) best = j;
  return best;
};

export async function evalMobyGpt(windows = 48) {
  const ck = checkpointFromJson(readFileSync(join(modelsDir, 'moby-gpt', 'float.ckpt.json'), 'utf8'));
  const cfg = ck.config as GptConfig;
  const model = (await loadModel('moby-gpt')) as LoadedLanguageModel;
  const { val } = splitTokens(encode(readMobyDick(), [...ck.vocab!]));
  const T = cfg.contextLength;
  const V = cfg.vocabSize;
  const sLogit = dyadicToNumber(model.runtime.logitScale);
  const step = Math.floor((val.length - T - 1) / windows);
  let floatLoss = 0;
  let intLoss = 0;
  let agree = 0;
  let total = 0;
  for (let w = 0; w < windows; w++) {
    progress(`moby-gpt: window ${w + 1}/${windows}`);
    const seq = Array.from(val.subarray(w * step, w * step + T + 1));
    const input = seq.slice(0, T);
    const targets = seq.slice(1);
    const fl = model.architecture.floatLogits(ck, input);
    const logits = await model.runtime.session().forward(input).data();
    const real = Float64Array.from(logits, (v) => v * sLogit);
    floatLoss += crossEntropy(fl, V, targets) * T;
    intLoss += crossEntropy(real, V, targets) * T;
    for (let t = 0; t < T; t++) if (argmaxRow(fl, t * V, V) === argmaxRow(logits, t * V, V)) agree++;
    total += T;
  }
  process.stderr.write('\n');
  return { floatLoss: floatLoss / total, intLoss: intLoss / total, agreement: agree / total, predictions: total, windows, hash: model.hash };
}

export async function evalMnistMlp() {
  const ck = checkpointFromJson(readFileSync(join(modelsDir, 'mnist-mlp', 'float.ckpt.json'), 'utf8'));
  const cfg = ck.config as MlpConfig;
  const model = (await loadModel('mnist-mlp')) as LoadedClassifier;
  const test = loadMnist('test');
  const size = test.rows * test.cols;
  const classes = cfg.sizes[cfg.sizes.length - 1]!;
  let floatCorrect = 0;
  let intCorrect = 0;
  let agree = 0;
  const batch = 500;
  for (let start = 0; start < test.count; start += batch) {
    progress(`mnist-mlp: images ${start + batch}/${test.count}`);
    const n = Math.min(batch, test.count - start);
    const pixels = test.images.subarray(start * size, (start + n) * size);
    const fl = model.architecture.floatLogits(ck, Float64Array.from(pixels, (p) => p / 255), n);
    const logits = await model.runtime.forward(model.runtime.encodeInput(pixels, n)).data();
    for (let i = 0; i < n; i++) {
      const f = argmaxRow(fl, i * classes, classes);
      const q = argmaxRow(logits, i * classes, classes);
      const label = test.labels[start + i];
      if (f === label) floatCorrect++;
      if (q === label) intCorrect++;
      if (f === q) agree++;
    }
  }
  process.stderr.write('\n');
  return { floatAccuracy: floatCorrect / test.count, intAccuracy: intCorrect / test.count, agreement: agree / test.count, images: test.count, hash: model.hash };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  const gpt = await evalMobyGpt();
  const mlp = await evalMnistMlp();
  const held = await heldOutStories(stories260kCheckpoint());
  const llama = await evalStories260k(held);
  const q8 = await evalQ8Requantization(held);
  const docPath = join(modelsDir, '..', 'docs', 'ACCURACY.md');
  const LLAMA_CPP_SECTION = "## Llama: spml's float reference against llama.cpp";
  const previous = readFileSync(docPath, 'utf8');
  const kept = previous.includes(LLAMA_CPP_SECTION) ? '\n' + previous.slice(previous.indexOf(LLAMA_CPP_SECTION)) : '';
  const pplGap = llama.intPerplexity / llama.floatPerplexity - 1;
  const q8Gap = q8.q8Int.intPerplexity / q8.q8Int.floatPerplexity - 1;
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const lossGap = gpt.intLoss / gpt.floatLoss - 1;
  const ok = (b: boolean) => (b ? 'met' : '**missed**');
  const doc = `# Accuracy of the shipped int8 models

Generated by \`npm run eval\` (tools/eval.ts) on ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, in ${((Date.now() - started) / 1000).toFixed(0)} s.
Both models are measured on data their training never saw; the float numbers come from the
float64 reference forward pass over the committed float checkpoint, the int8 numbers from the
spml cpu backend running the shipped \`.spml\` file.

## moby-gpt

Held-out data: ${gpt.windows} evenly spaced windows of 128 characters from the last 10% of
Moby-Dick (${gpt.predictions} next-character predictions). Model hash \`${gpt.hash}\`.

| measure | float32 | int8 spml | target | |
|---|---|---|---|---|
| loss (nats/char) | ${gpt.floatLoss.toFixed(4)} | ${gpt.intLoss.toFixed(4)} | int8 within 5% of float (gap ${(100 * lossGap).toFixed(2)}%) | ${ok(lossGap <= 0.05)} |
| greedy next-character top-1 agreement | | ${pct(gpt.agreement)} | ≥ 97% | ${ok(gpt.agreement >= 0.97)} |

## mnist-mlp

Held-out data: the ${mlp.images} MNIST test images. Model hash \`${mlp.hash}\`.

| measure | float32 | int8 spml | target | |
|---|---|---|---|---|
| test accuracy | ${pct(mlp.floatAccuracy)} | ${pct(mlp.intAccuracy)} | int8 within 0.3 points of float (gap ${(100 * (mlp.floatAccuracy - mlp.intAccuracy)).toFixed(2)}) | ${ok(mlp.floatAccuracy - mlp.intAccuracy <= 0.003)} |
| argmax agreement | | ${pct(mlp.agreement)} | | |

## Llama (stories260K): int8 against float

Held-out data: ${llama.stories} stories of ${HELD_OUT.length} tokens that the float model writes itself,
sampled at temperature 1 from BOS with seeds ${HELD_OUT.firstSeed}–${HELD_OUT.firstSeed + llama.stories - 1}
(calibration used seeds 1–8 of spml's own sampler). They are drawn from llama.cpp running the F32
GGUF export of the same weights, which has the float64 reference's top-1 at every position checked
(below), because the cache-less float64 reference would take minutes to write them.
${llama.positions} teacher-forced next-token predictions. Model hash \`${llama.hash}\`.
Int8 logits become probabilities at the model's logit scale (real logit = int logit · logitScale,
NUMERICS §20.7), then a float64 softmax. This section alone: \`npx tsx tools/eval_llama.ts\` (JSON);
\`npx vitest run test/llama/accuracy.test.ts\` holds its bounds on 4 of the stories.

| measure | float64 | int8 spml | target | |
|---|---|---|---|---|
| perplexity | ${llama.floatPerplexity.toFixed(4)} | ${llama.intPerplexity.toFixed(4)} | int8 within 5% of float (gap ${(100 * pplGap).toFixed(2)}%) | ${ok(pplGap <= 0.05)} |
| greedy top-1 agreement with float | | ${pct(llama.agreement)} | ≥ 97% | ${ok(llama.agreement >= 0.97)} |

What a GGUF Q8_0 file as the source costs (spml's Q8_0 export of the same weights, read back and
quantized again by spml's quantizer, compared with the F32 float reference on the same stories):

| measure | value |
|---|---|
| Q8_0-dequantized float model: top-1 agreement with the F32 float | ${pct(q8.q8FloatAgreement)} |
| Q8_0-dequantized float model: perplexity | ${q8.q8FloatPerplexity.toFixed(4)} (F32: ${llama.floatPerplexity.toFixed(4)}) |
| int8 model made from the Q8_0 file: top-1 agreement with the F32 float | ${pct(q8.q8Int.agreement)} (from F32: ${pct(llama.agreement)}) |
| int8 model made from the Q8_0 file: perplexity | ${q8.q8Int.intPerplexity.toFixed(4)} (gap ${(100 * q8Gap).toFixed(2)}%) |

Where the int8 llama loses its top-1 points, measured inside the float64 reference by rounding
one thing at a time as spml does and leaving all else float (on these stories): the int8 weights
together keep 98.87% top-1; on top of them, int8 keys with a scale per rotary pair give 96.45%,
10-bit keys 98.09%, 12-bit keys 98.33%; the int8 gate (it indexes the SiLU table) 98.43%; the
int16 RMSNorm outputs saturating at their calibrated channel ranges 98.53% and 98.36% (attention
and MLP norms), which 1.25× headroom brings back to 98.85% and 98.82%. Every other int16
activation costs under 0.05 points. Everything together gives 95.32% with int8 keys, 97.30%
with 12-bit keys and 97.65% with 12-bit keys and the norm headroom: hence the llama's keys are
12 bits, two int8 planes in the cache (NUMERICS §20.7), and its norms have the headroom.
${kept}`;
  writeFileSync(docPath, doc);
  console.log(doc);
}
