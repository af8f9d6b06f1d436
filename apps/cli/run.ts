/**
 * `spml run` and `spml demo`: generate text with a language model, streaming it to stdout as each
 * token is made (whole characters only), then print its hashes and speed. With
 * `--expect-hash` (and `--expect-trace`) the run is also a verification: it exits 1 when the
 * recomputed hashes differ from the expected ones (`spml verify` does the same and more).
 * `--json` prints one JSON document at the end instead.
 */
import { generate } from '../../engine/api.js';
import { ParamError } from '../../engine/errors.js';
import { printFields, printJson, rounded } from './format_result.js';
import { loadFromFlags } from './load.js';
import { generateOptions, type GenerationFlags } from './verify.js';

export interface RunFlags extends GenerationFlags {
  prompt: string;
  tokenizer?: string;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

export async function run(flags: RunFlags): Promise<number> {
  for (const [option, value] of [['--expect-hash', flags.expectHash], ['--expect-trace', flags.expectTrace]] as const) {
    if (value !== undefined && !HEX64.test(value)) throw new ParamError('run', `${option} must be 64 hex digits (a SHA-256), got '${value}'`);
  }
  const model = await loadFromFlags('run', flags);
  const options = generateOptions(flags);
  // The text as it is made: the prompt once the first token comes (so a prompt the model refuses
  // prints nothing), then each token's characters.
  let begun = false;
  const begin = () => void (begun || ((begun = true), process.stdout.write(flags.prompt)));
  const onToken = flags.json ? undefined : ({ text }: { text: string }) => void (begin(), process.stdout.write(text));
  const r = await generate(model, flags.prompt, { ...options, keepTrace: true, ...(onToken ? { onToken } : {}) });
  const hashMatches = flags.expectHash === undefined || flags.expectHash.toLowerCase() === r.outputHash;
  const traceMatches = flags.expectTrace === undefined || flags.expectTrace.toLowerCase() === r.traceRoot;
  const expected = flags.expectHash !== undefined || flags.expectTrace !== undefined;
  if (flags.json) {
    // The same field names as the API's GenerationResult, so `spml verify --expect-leaves` reads this back.
    printJson({
      model: model.name,
      modelHash: r.modelHash,
      backend: flags.backend,
      prompt: flags.prompt,
      ...options,
      text: r.text,
      completion: r.completion,
      tokens: r.tokens,
      outputHash: r.outputHash,
      traceRoot: r.traceRoot,
      traceLength: r.traceLength,
      traceLeaves: r.traceLeaves,
      ms: rounded(r.ms),
      tokensPerSecond: rounded(r.tokensPerSecond),
      ...(expected ? { matchesExpected: hashMatches && traceMatches } : {}),
    });
  } else {
    begin();
    process.stdout.write('\n\n');
    printFields({
      model: `${model.name} (${model.hash})`,
      backend: flags.backend,
      'output hash': r.outputHash + (flags.expectHash === undefined ? '' : hashMatches ? '  (matches the expected hash)' : `  DIFFERS from the expected ${flags.expectHash}`),
      'trace root': `${r.traceRoot} (${r.traceLength} layer outputs)` + (flags.expectTrace === undefined ? '' : traceMatches ? '  (matches the expected root)' : `  DIFFERS from the expected ${flags.expectTrace}`),
      speed: `${r.tokens.length} tokens in ${r.ms.toFixed(0)} ms, ${r.tokensPerSecond.toFixed(1)} tokens/s`,
    });
  }
  return hashMatches && traceMatches ? 0 : 1;
}
