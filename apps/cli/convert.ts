/**
 * `spml convert`: build a .spml model from the formats the engine reads (docs/MODEL_FORMAT.md):
 * a float checkpoint (`.ckpt.json`, what spml's training writes) or TensorFlow.js weights (a
 * `model.json` with its shards, plus `--config` and, for a language model, `--vocab`). The
 * architecture's quantizer calibrates on `--calibration`: text for a language model (evenly
 * spaced windows of its tokens), raw input rows for a classifier. The same inputs always give
 * the same bytes, hence the same model hash.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ParamError } from '../../engine/errors.js';
import { getArchitecture } from '../../engine/arch/registry.js';
import { checkConfig, parameterCount } from '../../engine/arch/config.js';
import { checkpointFromJson, type FloatCheckpoint } from '../../engine/format/checkpoint.js';
import { encodeModel, modelHash } from '../../engine/format/format.js';
import { checkpointFromTfjsFiles } from '../../engine/format/tfjs.js';
import { calibrationWindows } from '../../tools/data/calibration.js';
import { printFields, printJson } from './format_result.js';

export interface ConvertFlags {
  out: string;
  name?: string;
  description?: string;
  calibration: string;
  windows: number;
  config?: string;
  vocab?: string;
  json?: boolean;
}

const OP = 'convert';

function readText(option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ParamError(OP, `${option} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** A float checkpoint from either format, told apart by what the JSON holds. */
async function readCheckpoint(input: string, flags: ConvertFlags): Promise<FloatCheckpoint> {
  const text = readText('input', input);
  let doc: { format?: unknown; weightsManifest?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (e) {
    throw new ParamError(OP, `${input} is not JSON (${(e as Error).message.split('\n')[0]}); give a .ckpt.json float checkpoint or a tfjs model.json`);
  }
  if (doc?.format === 'spml-float-checkpoint') return checkpointFromJson(text);
  if (Array.isArray(doc?.weightsManifest)) {
    if (flags.config === undefined) throw new ParamError(OP, `${input} is TensorFlow.js weights: --config <file.json> must give the architecture config`);
    let config: unknown;
    try {
      config = JSON.parse(readText('--config', flags.config));
    } catch (e) {
      throw e instanceof ParamError ? e : new ParamError(OP, `--config ${flags.config} is not JSON`);
    }
    const vocab = flags.vocab === undefined ? undefined : readText('--vocab', flags.vocab).replace(/\n$/, '');
    return checkpointFromTfjsFiles(input, { config: checkConfig(OP, config), ...(vocab !== undefined ? { vocab } : {}) });
  }
  throw new ParamError(OP, `${input} is neither a spml float checkpoint (format "spml-float-checkpoint") nor a tfjs model.json (weightsManifest)`);
}

export async function convertCommand(input: string, flags: ConvertFlags): Promise<number> {
  if (!Number.isInteger(flags.windows) || flags.windows < 1) throw new ParamError(OP, `--windows must be an integer >= 1, got ${flags.windows}`);
  const checkpoint = await readCheckpoint(input, flags);
  const arch = getArchitecture(checkpoint.config.arch)!;
  let intModel: unknown;
  if (arch.task === 'generate') {
    const ids = arch.checkpointTokenizer(checkpoint).encode(readText('--calibration', flags.calibration));
    const length = Math.min(checkpoint.config.contextLength as number, ids.length);
    if (length < 2) throw new ParamError(OP, `--calibration ${flags.calibration} holds ${ids.length} tokens; it needs at least 2`);
    intModel = arch.quantize(checkpoint, { sequences: calibrationWindows(Int32Array.from(ids), length, flags.windows) });
  } else {
    const pixels = new Uint8Array(readFileSync(flags.calibration));
    const inputSize = arch.inputSize(checkpoint.config);
    if (pixels.length === 0 || pixels.length % inputSize !== 0) throw new ParamError(OP, `--calibration ${flags.calibration} holds ${pixels.length} bytes, not rows of ${inputSize}`);
    intModel = arch.quantize(checkpoint, { pixels, count: pixels.length / inputSize });
  }
  const name = flags.name ?? basename(flags.out).replace(/\.spml$/, '');
  const bytes = encodeModel(arch.toFile(intModel, { name, ...(flags.description !== undefined ? { description: flags.description } : {}), calibration: basename(flags.calibration) }));
  writeFileSync(flags.out, bytes);
  const summary = { name, architecture: arch.name, parameters: parameterCount(checkpoint.config), file: flags.out, bytes: bytes.length, modelHash: modelHash(bytes) };
  if (flags.json) printJson(summary);
  else printFields({ model: `${name} (${summary.architecture}, ${summary.parameters} parameters)`, file: `${flags.out} (${bytes.length} bytes)`, 'model hash': summary.modelHash });
  return 0;
}
