/**
 * The mission's headline (engine/NUMERICS.md §0, §18): the shipped models give the same output
 * hash and the same trace root on every backend this machine can run. The cpu run is the
 * reference; every other backend registered in the calling test file's worker must reproduce
 * its hashes byte for byte. Each backend family calls this from a file of its own
 * (kernels/shared/native_gl.ts says why they cannot share a process). Beside the shipped models,
 * the llama stories260K checkpoint, quantized in the test (test/llama/int_llama.ts), and seeded
 * random-weight llamas of shapes it lacks (tools/data/random_llama_models.ts: odd head counts,
 * grouped-query attention, a separate classifier, a tiny vocabulary).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { classify, generate, loadModel } from '../../engine/api.js';
import { loadMnist } from '../../tools/data/mnist.js';
import { backendsAgainstReference, REFERENCE } from '../helpers/backends.js';
import { storiesSpml } from '../llama/stories_spml.js';
import { RANDOM_LLAMA_PROMPT, RANDOM_LLAMAS, randomLlamaBytes, type RandomLlamaSpec } from '../../tools/data/random_llama_models.js';

const PROMPT = 'Call me Ishmael. ';
const GENERATE = { maxTokens: 12, seed: 42n, temperature: 0.8 } as const;
const IMAGES = 16;

interface Hashes {
  readonly output: string;
  readonly trace: string;
}

async function mobyHashes(backend: string): Promise<Hashes & { text: string }> {
  const model = await loadModel('moby-gpt', { backend });
  const r = await generate(model, PROMPT, GENERATE);
  return { output: r.outputHash, trace: r.traceRoot, text: r.completion };
}

async function mnistHashes(backend: string): Promise<Hashes> {
  const model = await loadModel('mnist-mlp', { backend });
  const images = loadMnist('test').images.subarray(0, IMAGES * 784);
  const r = await classify(model, images, IMAGES);
  return { output: r.outputHash, trace: r.traceRoot };
}

/** stories260K quantized by the llama quantizer (test/llama/stories_spml.ts). */
async function storiesHashes(backend: string): Promise<Hashes & { text: string }> {
  const model = await loadModel(storiesSpml(), { backend });
  const r = await generate(model, 'Once upon a time', GENERATE);
  return { output: r.outputHash, trace: r.traceRoot, text: r.completion };
}

/** A seeded random llama's .spml bytes, made once per process. */
const randomLlamas = new Map<string, Uint8Array>();
async function randomLlamaHashes(spec: RandomLlamaSpec, backend: string): Promise<Hashes & { text: string }> {
  let bytes = randomLlamas.get(spec.name);
  if (!bytes) randomLlamas.set(spec.name, (bytes = randomLlamaBytes(spec)));
  const model = await loadModel(bytes, { backend });
  const r = await generate(model, RANDOM_LLAMA_PROMPT, GENERATE);
  return { output: r.outputHash, trace: r.traceRoot, text: r.completion };
}

const describeShape = ({ shape: s }: RandomLlamaSpec): string =>
  `${s.heads} heads, ${s.kvHeads} kv, width ${s.width}, ${s.layers} layers, vocab ${s.vocabSize}${s.sharedClassifier === false ? ', own classifier' : ''}`;

export function shippedModelsMatchCpu(): void {
  let moby: Hashes & { text: string };
  let mnist: Hashes;
  let stories: Hashes & { text: string };
  const randomLlama = new Map<string, Hashes & { text: string }>();
  beforeAll(async () => {
    moby = await mobyHashes(REFERENCE);
    mnist = await mnistHashes(REFERENCE);
    stories = await storiesHashes(REFERENCE);
    for (const spec of RANDOM_LLAMAS) randomLlama.set(spec.name, await randomLlamaHashes(spec, REFERENCE));
  });

  describe.each(backendsAgainstReference())('%s reproduces the cpu hashes', (backend) => {
    it(`moby-gpt: "${PROMPT}" with seed 42 gives the same text, output hash and trace root`, async () => {
      expect(await mobyHashes(backend)).toEqual(moby);
    });

    it(`mnist-mlp: ${IMAGES} test images give the same output hash and trace root`, async () => {
      expect(await mnistHashes(backend)).toEqual(mnist);
    });

    it('stories260K (llama, quantized here): "Once upon a time" with seed 42 gives the same text, output hash and trace root', async () => {
      expect(await storiesHashes(backend)).toEqual(stories);
    });

    it.each(RANDOM_LLAMAS.map((spec) => [spec.name, describeShape(spec), spec] as const))(
      `%s (%s, seeded random weights): "${RANDOM_LLAMA_PROMPT}" with seed 42 gives the same text, output hash and trace root`,
      async (name, _shape, spec) => {
        expect(await randomLlamaHashes(spec, backend)).toEqual(randomLlama.get(name));
      },
    );
  });
}
