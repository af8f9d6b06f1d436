/**
 * `npx tsx tools/llamacpp_check.ts [--stories N] [--steps N]`: spml's llama against llama.cpp
 * (node-llama-cpp) on the GGUF export of stories260K, with every number printed as tables (the
 * figures of docs/ACCURACY.md, "Llama: spml's float reference against llama.cpp"):
 *   - tokenizer: the seeded corpus (tools/llamacpp/corpus.ts), differences for the vocabulary a
 *     GGUF file gives and for llama2.c's (run.c's rule for a literal '▁');
 *   - greedy: per prompt, tokens that match before any divergence, its gap, spml's smallest top-2
 *     gap, the largest logit difference;
 *   - teacher-forced: top-1 agreement on stories sampled from the model (4 × 512 tokens by default
 *     is twice the test's), near-ties and disagreements with their gaps;
 * for llama.cpp with an F32 KV cache (the check), its default F16 cache, and the Q8_0 export, and
 * for two broken exports (tools/llamacpp/mutations.ts, another space marker) to show the checks
 * notice. test/llama/llamacpp.test.ts asserts the thresholds on a subset.
 */
import { parseArgs } from 'node:util';
import type { LlamaConfig } from '../engine/arch/llama/config.js';
import { llamaArchitecture } from '../engine/arch/llama/index.js';
import { llamaVocabularyText, parseLlamaVocabulary } from '../engine/arch/llama/vocabulary.js';
import type { FloatCheckpoint } from '../engine/format/checkpoint.js';
import { readGgufLlama, writeGgufLlama } from '../engine/format/gguf_llama.js';
import { readLlama2c } from '../engine/format/llama2c.js';
import { readStoriesFile } from './data/stories260k.js';
import { compareGreedy, compareTeacherForced, compareTokenizers, NEAR_TIE, sampleStory, type TeacherForcedComparison } from './llamacpp/compare.js';
import { tokenizerCorpus } from './llamacpp/corpus.js';
import { openLlamaCpp, type LlamaCppOptions } from './llamacpp/llamacpp.js';
import { permuteRotaryHalves } from './llamacpp/mutations.js';

const { values: args } = parseArgs({ options: { stories: { type: 'string', default: '8' }, steps: { type: 'string', default: '200' } } });
const STORIES = Number(args.stories);
const STEPS = Number(args.steps);
const STORY_LENGTH = 512;
const PROMPTS = ['Once upon a time', 'One day', 'Tom and his mom', 'The little bird', 'Lily wanted', 'The sun was', 'Sam had a', 'The dog'];

const log = (s = '') => console.log(s);
const sci = (x: number) => (Number.isFinite(x) ? x.toExponential(1) : '—');
const pct = (a: number, n: number) => `${((100 * a) / n).toFixed(2)}%`;

/** The sha256-checked llama2.c files. */
const stories260K = (): FloatCheckpoint => readLlama2c(readStoriesFile('stories260K.bin'), readStoriesFile('tok512.bin'));

/** A teacher-forced row: positions, agreement, near-ties, largest logit difference, disagreements with gaps. */
function tfRow(label: string, r: TeacherForcedComparison): string {
  const gaps = r.disagreements.map((d) => `@${d.at}: spml ${d.spml} gap ${sci(d.spmlGap)}, llama.cpp ${d.llamacpp} gap ${sci(d.llamacppGap)}`);
  return `| ${label} | ${r.positions} | ${r.agreed} (${pct(r.agreed, r.positions)}) | ${r.nearTies} | ${sci(r.maxLogitDiff)} | ${gaps.slice(0, 3).join('; ') || 'none'}${gaps.length > 3 ? ` (+${gaps.length - 3})` : ''} |`;
}

async function main() {
  const llama2c = stories260K();
  const f32 = writeGgufLlama(llama2c, { type: 'F32', name: 'stories260K' });
  const ck = readGgufLlama(f32);
  const cfg = ck.config as LlamaConfig;
  const tok = llamaArchitecture.checkpointTokenizer!(ck);
  const open = (gguf: Uint8Array, kvCache: LlamaCppOptions['kvCache']) => openLlamaCpp(gguf, { vocabSize: cfg.vocabSize, maxTokens: STORY_LENGTH, kvCache });
  const cpp = await open(f32, 'F32');

  log(`## Tokenizer: spml's BPE against llama.cpp's (BOS first, as both add it)\n`);
  const texts = tokenizerCorpus();
  const ggufTok = compareTokenizers(tok, cpp, texts);
  const llama2cTok = compareTokenizers(llamaArchitecture.checkpointTokenizer!(llama2c), cpp, texts);
  const v = parseLlamaVocabulary('llamacpp_check', llama2c.vocab, cfg.vocabSize);
  const otherMarker = await open(writeGgufLlama({ ...llama2c, vocab: llamaVocabularyText({ ...v, spaceMarker: '\u0120' }) }, { type: 'F32' }), 'F32');
  const brokenTok = compareTokenizers(tok, otherMarker, texts);
  await otherMarker.dispose();
  log('| spml vocabulary | llama.cpp file | strings | differences | of them without a literal ▁ |');
  log('|---|---|---:|---:|---:|');
  const withoutMarker = (r: typeof ggufTok) => r.differences.filter((d) => !d.text.includes('▁')).length;
  log(`| GGUF (spaceMarker ▁) | F32 export | ${ggufTok.strings} | ${ggufTok.differences.length} | ${withoutMarker(ggufTok)} |`);
  log(`| llama2.c (run.c rule) | F32 export | ${llama2cTok.strings} | ${llama2cTok.differences.length} | ${withoutMarker(llama2cTok)} |`);
  log(`| GGUF (spaceMarker ▁) | broken: Ġ for a space | ${brokenTok.strings} | ${brokenTok.differences.length} | ${withoutMarker(brokenTok)} |`);
  for (const d of ggufTok.differences.slice(0, 5)) log(`  differs: ${JSON.stringify(d.text)} spml ${JSON.stringify(d.spml)} llama.cpp ${JSON.stringify(d.llamacpp)}`);

  log(`\n## Sampled stories: ${STORIES} × ${STORY_LENGTH} tokens at temperature 1 from llama.cpp (F32), seeds 2000…\n`);
  const stories: number[][] = [];
  for (let i = 0; i < STORIES; i++) stories.push(await sampleStory(cpp, tok.encode(PROMPTS[i % PROMPTS.length]!), STORY_LENGTH, 2000 + i));
  log(`first: ${JSON.stringify(tok.decode(stories[0]!).slice(0, 160))}…`);

  const configs: [string, Uint8Array, LlamaCppOptions['kvCache']][] = [
    ['F32 export, F32 KV cache', f32, 'F32'],
    ["F32 export, F16 KV cache (llama.cpp's default)", f32, 'F16'],
    ['Q8_0 export, F32 KV cache', writeGgufLlama(llama2c, { type: 'Q8_0' }), 'F32'],
    ['broken: rotary pairs permuted', writeGgufLlama(permuteRotaryHalves(llama2c), { type: 'F32' }), 'F32'],
  ];
  const tf: string[] = [];
  for (const [label, gguf, kv] of configs) {
    const c = kv === 'F32' && gguf === f32 ? cpp : await open(gguf, kv);
    log(`\n## Greedy, ${STEPS} tokens after BOS and the prompt: ${label}\n`);
    log('| prompt | same tokens | divergence (step: spml / llama.cpp, their top-2 gaps) | spml min top-2 gap | max abs logit diff |');
    log('|---|---:|---|---:|---:|');
    for (const prompt of PROMPTS.slice(0, 6)) {
      const r = await compareGreedy(cfg, ck.tensors, c, tok.encode(prompt), STEPS);
      const d = r.divergence;
      const div = d ? `${d.at}: ${d.spml} / ${d.llamacpp}, gaps ${sci(d.spmlGap)} / ${sci(d.llamacppGap)}${d.spmlGap < NEAR_TIE ? ' (near-tie)' : ''}` : 'none';
      log(`| ${prompt} | ${r.matched}/${r.steps} | ${div} | ${sci(r.minGap)} | ${sci(r.maxLogitDiff)} |`);
    }
    tf.push(tfRow(label, await compareTeacherForced(cfg, ck.tensors, c, stories)));
    if (c !== cpp) await c.dispose();
  }
  log(`\n## Teacher-forced top-1 on the sampled stories (near-tie: spml's top-2 gap < ${NEAR_TIE})\n`);
  log('| llama.cpp runs | positions | same top-1 | near-ties | max abs logit diff | disagreements |');
  log('|---|---:|---:|---:|---:|---|');
  for (const row of tf) log(row);
  log('\nLogits compared as differences from each position\'s top logit, over tokens llama.cpp gives a log-probability ≥ −80.');
  await cpp.dispose();
}

await main();
