/**
 * Server and user behaviours for the protocol harness, as data plus the functions that carry them
 * out (paper §2.2 and §3.3): the honest server, the cheats whose payoffs U1 and U2 Theorem 1
 * weighs (always, or with probability q), model substitution (§3: serving a cheaper model under
 * the requested model's hash), the lazy validator and the colluding coalition of Assumption 3
 * (a fraction r of the nodes), and the dishonest user of §3.2 step 7 who sends A and B different
 * inputs.
 *
 * Every choice is a function of the strategy, the request and a key: SHA-256 stands in for the
 * coins, so a run replays exactly from its seed.
 */
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { loadModel, type SpmlModel } from '../engine/api.js';
import { DTYPE_MAX, DTYPE_MIN } from '../engine/dtype.js';
import { ParamError } from '../engine/errors.js';
import { hashData } from '../engine/hash.js';
import { sha256 } from '../engine/sha256.js';
import { encodeModel } from '../engine/format/format.js';
import { checkGenerateOptions } from '../engine/generate.js';
import { merkleRoot } from '../engine/trace.js';
import { ProtocolParamError } from './errors.js';
import { inputHash } from './messages/encode.js';
import type { GenerationOptions, InferenceInput, InferenceOutput } from './messages/types.js';
import { engineOptions, runInference, traceSchedule, type InferenceResult, type ModelStore } from './inference.js';

/** Nodes that act together (Assumption 3); `members` are node ids. */
export interface Coalition {
  readonly id: string;
  readonly members: readonly string[];
}

export type ServerStrategy =
  | { readonly kind: 'honest' }
  /** Never runs the model: answers with made-up tokens or logits and a made-up trace. */
  | { readonly kind: 'cheat' }
  /** Cheats on a request with probability q, decided by a keyed coin; otherwise honest. */
  | { readonly kind: 'cheat-sometimes'; readonly q: number }
  /** Runs the model with this hash (in the store) but claims the requested one. */
  | { readonly kind: 'substitute'; readonly modelHash: string }
  /** As a validator of a coalition asserter, copies its result instead of computing; otherwise honest. */
  | { readonly kind: 'lazy'; readonly coalition: Coalition }
  /** As asserter, answers the coalition's wrong answer; as validator of a coalition asserter, echoes it. */
  | { readonly kind: 'colluding'; readonly coalition: Coalition };

export type UserStrategy = { readonly kind: 'honest' } | { readonly kind: 'split-input' };

/** What a server is asked to compute (the fields of an InferenceRequest that matter to f). */
export interface Job {
  readonly requestId: string;
  readonly modelHash: string;
  readonly input: InferenceInput;
  readonly options: GenerationOptions;
  readonly seed: bigint;
}

export interface ServeContext {
  readonly nodeId: string;
  readonly role: 'asserter' | 'validator';
  readonly job: Job;
  readonly store: ModelStore;
  /** A validator's view of the asserter: its id and, if they share a coalition, its result. */
  readonly asserter?: { readonly nodeId: string; readonly result: InferenceResult };
}

export interface Served {
  readonly result: InferenceResult;
  /** Whether the server ran a model, and so paid the computational cost C of §2.2. */
  readonly computed: boolean;
  /** Whether the server departed from the protocol (made up, substituted or copied its answer). */
  readonly deviated: boolean;
}

/** SHA-256 of the key and a counter, as many bytes as asked: the keyed coins of this module. */
function keyedBytes(key: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let block = 0; block * 32 < length; block++) {
    const digest = sha256(utf8ToBytes(`${key}#${block}`));
    out.set(digest.subarray(0, Math.min(32, length - block * 32)), block * 32);
  }
  return out;
}

/** A uniform number in [0, 1) from the key (53 bits). */
export function keyedUnit(key: string): number {
  const b = keyedBytes(key, 8);
  const hi = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const lo = ((b[4]! << 24) | (b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 0;
  return (hi * 2 ** 21 + (lo >>> 11)) / 2 ** 53;
}

function keyedInts(key: string, count: number, below: number): number[] {
  const b = keyedBytes(key, 4 * count);
  return Array.from({ length: count }, (_, i) => (((b[4 * i]! << 24) | (b[4 * i + 1]! << 16) | (b[4 * i + 2]! << 8) | b[4 * i + 3]!) >>> 0) % below);
}

function checkFraction(op: string, param: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new ProtocolParamError(op, param, `must be a number in [0, 1], got ${String(v)}`);
}

/**
 * The coalition controlling a fraction r of the nodes (Assumption 3): floor(r·n) members, so it
 * never holds more than r, chosen by a keyed shuffle of the ids.
 */
export function formCoalition(id: string, nodeIds: readonly string[], r: number, key: string): Coalition {
  checkFraction('formCoalition', 'r', r);
  const rank = (n: string) => bytesToHex(keyedBytes(`coalition:${key}:${n}`, 32));
  const shuffled = [...nodeIds].sort((x, y) => (rank(x) < rank(y) ? -1 : rank(x) > rank(y) ? 1 : 0));
  return { id, members: shuffled.slice(0, Math.floor(r * nodeIds.length)) };
}

export interface Perturbation {
  /** Name of the tensor in the model file, e.g. 'w1' or 'h2.attn.wq'. */
  readonly tensor: string;
  /** Flat index of the element to change. */
  readonly index: number;
  /** Added to the element, saturating at its dtype's bounds. */
  readonly delta: number;
}

/**
 * A copy of `model` with one weight changed: a model whose outputs look plausible but whose file
 * hash, and so every protocol message naming it, differs (§3's cheaper-model substitution).
 */
export async function perturbModel(model: SpmlModel, p: Perturbation): Promise<SpmlModel> {
  const op = 'perturbModel';
  const target = model.file.tensors.find((t) => t.name === p.tensor);
  if (!target) throw new ParamError(op, `model has no tensor '${p.tensor}'`);
  if (!Number.isInteger(p.index) || p.index < 0 || p.index >= target.data.length) {
    throw new ParamError(op, `index ${p.index} is outside [0, ${target.data.length}) of '${p.tensor}'`);
  }
  const data = target.data.slice();
  const before = data[p.index]!;
  data[p.index] = Math.min(DTYPE_MAX[target.dtype], Math.max(DTYPE_MIN[target.dtype], before + p.delta));
  if (data[p.index] === before) throw new ParamError(op, `delta ${p.delta} leaves '${p.tensor}'[${p.index}] = ${before} unchanged`);
  const tensors = model.file.tensors.map((t) => (t === target ? { ...t, data } : t));
  return loadModel(encodeModel({ ...model.file, tensors }), { backend: model.backend.name });
}

/**
 * A made-up answer in the shape of a real one, at no computational cost: random token ids (a
 * language model) or random int32 logits (a classifier, whose output hash is the logits' hash
 * and also the last leaf), and random leaves under the labels an honest trace would carry.
 */
export function fabricateResult(model: SpmlModel, job: Job, key: string): InferenceResult {
  const schedule = traceSchedule(model, job.input, job.options);
  let output: number[];
  let outputHash: string;
  let outputTensor: InferenceOutput;
  if (model.task === 'generate') {
    const n = checkGenerateOptions(engineOptions(job.options, job.seed)).maxTokens;
    output = keyedInts(`${key}:tokens`, n, model.runtime.vocabSize);
    outputHash = bytesToHex(hashData('int32', [n], Int32Array.from(output)));
    outputTensor = { shape: [n], data: output };
  } else {
    const classes = model.runtime.classes;
    const count = job.input.kind === 'pixels' ? job.input.count : 0;
    const logits = Int32Array.from(keyedInts(`${key}:logits`, count * classes, 1 << 16), (v) => v - (1 << 15));
    output = Array.from({ length: count }, (_, i) => {
      const row = logits.subarray(i * classes, (i + 1) * classes);
      return row.indexOf(Math.max(...row));
    });
    outputHash = bytesToHex(hashData('int32', [count, classes], logits));
    outputTensor = { shape: [count, classes], data: Array.from(logits) };
  }
  const leaves = schedule.map((s, i) => ({
    label: s.label,
    tensorHash: model.task === 'classify' && i === schedule.length - 1 ? outputHash : bytesToHex(keyedBytes(`${key}:leaf${i}`, 32)),
  }));
  return { modelHash: job.modelHash, inputHash: inputHash(job.input), output, outputHash, outputTensor, traceRoot: merkleRoot(leaves), leaves };
}

function inCoalition(c: Coalition, nodeId: string): boolean {
  return c.members.includes(nodeId);
}

/** Carry out `strategy` for one request. */
export async function serve(strategy: ServerStrategy, ctx: ServeContext): Promise<Served> {
  const { job, store } = ctx;
  const requested = store.get(job.modelHash);
  const honest = async (): Promise<Served> => ({ result: await runInference(requested, job.input, job.options, job.seed), computed: true, deviated: false });
  const coin = `${ctx.nodeId}:${job.requestId}:${job.seed}`;
  switch (strategy.kind) {
    case 'honest':
      return honest();
    case 'cheat':
      return { result: fabricateResult(requested, job, `cheat:${coin}`), computed: false, deviated: true };
    case 'cheat-sometimes':
      checkFraction('serve', 'q', strategy.q);
      if (keyedUnit(`cheat-sometimes:${coin}`) >= strategy.q) return honest();
      return { result: fabricateResult(requested, job, `cheat:${coin}`), computed: false, deviated: true };
    case 'substitute': {
      const served = await runInference(store.get(strategy.modelHash), job.input, job.options, job.seed);
      return { result: { ...served, modelHash: job.modelHash }, computed: true, deviated: true };
    }
    case 'lazy':
    case 'colluding': {
      const partner = ctx.asserter;
      if (ctx.role === 'validator' && partner && partner.nodeId !== ctx.nodeId && inCoalition(strategy.coalition, partner.nodeId)) {
        return { result: partner.result, computed: false, deviated: true };
      }
      if (strategy.kind === 'colluding' && ctx.role === 'asserter') {
        // Every member would give the same wrong answer, so it is keyed by coalition, not node.
        return { result: fabricateResult(requested, job, `coalition:${strategy.coalition.id}:${job.requestId}:${job.seed}`), computed: false, deviated: true };
      }
      // Outside its coalition a node gains nothing by deviating (Property 1), so it computes.
      return honest();
    }
  }
}

/**
 * The inputs a user sends to A and to B. An honest user sends the same input; a split-input user
 * changes B's a little (drops the prompt's last character, or doubles a one-character prompt;
 * inverts one keyed pixel), which §3.2 step 7's input broadcast exposes.
 */
export function userInputs(strategy: UserStrategy, input: InferenceInput, key: string): { toA: InferenceInput; toB: InferenceInput } {
  if (strategy.kind === 'honest') return { toA: input, toB: input };
  if (input.kind === 'text') {
    const chars = [...input.prompt];
    const prompt = chars.length > 1 ? chars.slice(0, -1).join('') : input.prompt + input.prompt;
    return { toA: input, toB: { kind: 'text', prompt } };
  }
  const pixels = hexToBytes(input.pixels);
  const at = keyedInts(`split-input:${key}`, 1, pixels.length)[0]!;
  pixels[at] = pixels[at]! ^ 0xff;
  return { toA: input, toB: { ...input, pixels: bytesToHex(pixels) } };
}
