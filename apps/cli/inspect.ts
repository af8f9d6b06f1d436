/**
 * `spml inspect`: what a model is (its architecture and the shape of each part), its parameter
 * count, sizes, quantization summary, vocabulary, provenance and hash. The model is a shipped
 * name, a .spml file, or a llama2.c (with --tokenizer) or GGUF file, converted as on `spml import`.
 */
import { inspectModel } from '../../engine/api.js';
import { printFields, printJson } from './format_result.js';
import { loadFromFlags } from './load.js';

/** The config keys of the shipped architectures in words; any other key shows as it is named. */
const LABELS: Record<string, string> = {
  width: 'width (model dim)',
  layers: 'layers',
  heads: 'attention heads',
  kvHeads: 'key/value heads',
  hiddenWidth: 'MLP hidden width',
  mlpWidth: 'MLP hidden width',
  contextLength: 'context (tokens)',
  vocabSize: 'vocabulary (tokens)',
  normEps: 'RMSNorm epsilon',
  lnEps: 'LayerNorm epsilon',
  ropeBase: 'rotary base',
  sharedClassifier: 'classifier = embedding',
};

/** The vocabulary in a line: a BPE vocabulary is JSON with its special ids, a character one a string. */
function describeVocab(vocab: unknown): string | undefined {
  if (typeof vocab !== 'string') return undefined;
  try {
    const v = JSON.parse(vocab) as { tokens?: unknown[]; bos?: number; eos?: number; unk?: number };
    if (Array.isArray(v.tokens)) return `BPE, ${v.tokens.length} tokens (BOS ${v.bos}, EOS ${v.eos}, unknown ${v.unk})`;
  } catch {
    // Not JSON: a character vocabulary.
  }
  return `${[...vocab].length} characters`;
}

export async function inspect(source: string, flags: { json?: boolean; tokenizer?: string }): Promise<number> {
  const model = await loadFromFlags('inspect', { model: source, ...(flags.tokenizer !== undefined ? { tokenizer: flags.tokenizer } : {}) });
  const info = inspectModel(model);
  if (flags.json) {
    printJson(info);
    return 0;
  }
  const { arch, ...shape } = info.architecture as unknown as Record<string, unknown>;
  const vocab = describeVocab(info.meta.vocab);
  printFields({
    name: info.name,
    'model hash': info.hash,
    'file size': `${info.fileBytes} bytes`,
    architecture: `${String(arch)}: ${model.architecture.description}`,
    parameters: info.parameters,
    tensors: info.tensors,
    ...(vocab !== undefined ? { vocabulary: vocab } : {}),
  });
  console.log('\nshape:');
  const shapeFields: Record<string, string> = {};
  for (const [k, v] of Object.entries(shape)) shapeFields[`  ${LABELS[k] ?? k}`] = String(v);
  if (typeof shape.width === 'number' && typeof shape.heads === 'number') shapeFields['  head size'] = String(shape.width / shape.heads);
  printFields(shapeFields);
  console.log('\nquantization (symmetric, zero point 0; scales are integer multiplier/shift pairs):');
  for (const [dtype, s] of Object.entries(info.byDtype)) console.log(`  ${dtype.padEnd(6)} ${String(s.tensors).padStart(3)} tensors  ${String(s.elements).padStart(8)} values  ${String(s.bytes).padStart(8)} bytes`);
  const meta = Object.entries(info.meta).filter(([k]) => k !== 'vocab');
  if (meta.length) console.log('\n' + meta.map(([k, v]) => `${k}: ${String(v)}`).join('\n'));
  return 0;
}
