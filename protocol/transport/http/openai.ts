/**
 * OpenAI's completions API (POST /v1/completions, GET /v1/models) on a server node, so that existing
 * OpenAI clients can ask a node for text, as llama.cpp's server lets them. Each reply is OpenAI's
 * `text_completion` plus an `spml` object with what makes it checkable (paper §3.1 "Deterministic ML
 * Execution"): the model hash, input hash, seed, output hash and trace root, which `spml verify`
 * or any node recomputes.
 *
 * Two ways in:
 * - a plain OpenAI body: the node runs the model directly (protocol/inference.ts runInference), the
 *   same f(x) a signed request gets, and answers unsigned;
 * - with `spml: { request }`, a user-signed InferenceRequest (§3.2 step 1) asking for the same prompt,
 *   options and seed as the OpenAI fields: it goes through the node's own 'infer' call, so it is
 *   verified, served per the node's strategy and remembered for a dispute, and the reply carries
 *   the signed InferenceResponse (step 2). A request that asks for anything else is refused, naming
 *   the field, because the text returned must be the text signed.
 *
 * An OpenAI field left out means the engine's default, as it does in a signed request's options
 * (max_tokens 64, temperature 0: greedy, top_p 1, seed 0), not OpenAI's own defaults: a body
 * and a signed request that both leave a field out then ask for the same run. The engine always
 * generates max_tokens tokens (no stop token), so finish_reason is always 'length'; fields that
 * would change the output in ways the engine cannot (stop, penalties, logit_bias, n > 1, echo,
 * streaming, logprobs) are refused unless they hold their no-op value. `top_k` is accepted as
 * llama.cpp's server accepts it.
 */
import type { LoadedLanguageModel, SpmlModel } from '../../../engine/api.js';
import { GENERATE_DEFAULTS } from '../../../engine/generate.js';
import { SpmlError } from '../../../engine/errors.js';
import { randomHex32 } from '../../crypto.js';
import { MessageRejected, ProtocolParamError } from '../../errors.js';
import { runInference, type InferenceResult } from '../../inference.js';
import { inputHash } from '../../messages/encode.js';
import { checkShape } from '../../messages/schema.js';
import { DOMAINS, type GenerationOptions, type InferenceRequest, type InferenceResponse } from '../../messages/types.js';
import type { NodeHandler } from '../transport.js';

const OP = 'completions';

/** What the `spml` object of a reply holds. */
export interface CompletionProof {
  readonly model_hash: string;
  readonly input_hash: string;
  /** The sampling seed, as a decimal string (a u64 does not fit a JSON number). */
  readonly seed: string;
  readonly output_hash: string;
  readonly trace_root: string;
  /** The node's signed answer, when the body carried a signed request. */
  readonly response?: InferenceResponse;
}

export interface CompletionReply {
  readonly id: string;
  readonly object: 'text_completion';
  readonly created: number;
  readonly model: string;
  readonly choices: readonly [{ readonly text: string; readonly index: 0; readonly finish_reason: 'length'; readonly logprobs: null }];
  readonly usage: { readonly prompt_tokens: number; readonly completion_tokens: number; readonly total_tokens: number };
  readonly spml: CompletionProof;
}

export interface ModelList {
  readonly object: 'list';
  readonly data: readonly { readonly id: string; readonly object: 'model'; readonly created: number; readonly owned_by: string; readonly spml: { readonly model_hash: string; readonly arch: string; readonly task: string } }[];
}

/** A completions body, checked: the run it asks for, and the signed request if it carried one. */
interface CompletionCall {
  readonly prompt: string;
  readonly options: GenerationOptions;
  readonly seed: bigint;
  readonly request?: InferenceRequest;
}

function bad(param: string, what: string): never {
  throw new ProtocolParamError(OP, param, what);
}

/** The fields this endpoint reads; the rest of OpenAI's are accepted only at their no-op value. */
const FIELDS = new Set(['model', 'prompt', 'max_tokens', 'temperature', 'top_p', 'top_k', 'seed', 'spml', 'user']);
const NO_OP: Record<string, (v: unknown) => boolean> = {
  n: (v) => v === 1,
  best_of: (v) => v === 1,
  stream: (v) => v === false,
  stream_options: (v) => v === null,
  echo: (v) => v === false,
  logprobs: (v) => v === null || v === 0,
  stop: (v) => Array.isArray(v) && v.length === 0,
  suffix: (v) => v === null || v === '',
  presence_penalty: (v) => v === 0,
  frequency_penalty: (v) => v === 0,
  logit_bias: (v) => typeof v === 'object' && v !== null && Object.keys(v).length === 0,
};

/** A body's field, with null read as absent (OpenAI clients send null for "not set"). */
function field(body: Record<string, unknown>, name: string): unknown {
  return body[name] === null ? undefined : body[name];
}

function optionalNumber(body: Record<string, unknown>, name: string, ok: (n: number) => boolean, range: string): number | undefined {
  const v = field(body, name);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) bad(name, `must be a number ${range}, got ${JSON.stringify(v)}`);
  return v as number;
}

function seedOf(body: Record<string, unknown>): bigint {
  const v = field(body, 'seed');
  if (v === undefined) return BigInt(GENERATE_DEFAULTS.seed);
  const ok = (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(v) && BigInt(v) < 1n << 64n);
  if (!ok) bad('seed', `must be an integer in [0, 2^64) (as a decimal string above 2^53), got ${JSON.stringify(v)}`);
  return BigInt(v as number | string);
}

/** Checks a completions body against the served model, naming the first bad field. */
function parseCall(model: LoadedLanguageModel, raw: unknown): CompletionCall {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('body', 'must be a JSON object');
  const body = raw as Record<string, unknown>;
  for (const [name, value] of Object.entries(body)) {
    if (FIELDS.has(name) || value === null || value === undefined) continue;
    // Own keys only: a body's "constructor" is no parameter.
    const noOp = Object.hasOwn(NO_OP, name) ? NO_OP[name] : undefined;
    if (!noOp) bad(name, 'is not a parameter this server takes');
    if (!noOp(value)) bad(name, `is not supported here: spml generates exactly max_tokens tokens from the prompt alone, got ${JSON.stringify(value)}`);
  }
  const name = field(body, 'model');
  if (name !== undefined && name !== model.name && name !== model.hash) bad('model', `this node serves '${model.name}' (${model.hash}), not ${JSON.stringify(name)}`);
  let prompt = field(body, 'prompt');
  if (Array.isArray(prompt) && prompt.length === 1) prompt = prompt[0];
  if (typeof prompt !== 'string' || prompt === '') bad('prompt', 'must be one non-empty string');
  const maxTokens = optionalNumber(body, 'max_tokens', (n) => Number.isSafeInteger(n) && n >= 0, 'an integer >= 0');
  const temperature = optionalNumber(body, 'temperature', (n) => n >= 0, '>= 0 (0 is greedy)');
  const topP = optionalNumber(body, 'top_p', (n) => n > 0 && n <= 1, 'in (0, 1]');
  const topK = optionalNumber(body, 'top_k', (n) => Number.isSafeInteger(n) && n >= 1, 'an integer >= 1');
  const options: GenerationOptions = {
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(topK === undefined ? {} : { topK }),
    ...(topP === undefined ? {} : { topP }),
  };
  const call = { prompt: prompt as string, options, seed: seedOf(body) };
  const spml = field(body, 'spml');
  if (spml === undefined) return call;
  const request = typeof spml === 'object' && !Array.isArray(spml) ? (spml as { request?: unknown }).request : undefined;
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return bad('spml', 'must be { request: <signed InferenceRequest> }');
  // Its shape first, so that reading its fields below is safe; its signature is the node's to check.
  checkShape(DOMAINS.request, request, OP);
  return { ...call, request: sameRun(call, request as InferenceRequest) };
}

/**
 * The signed request, if it asks for exactly the run the OpenAI fields ask for: each option compared
 * as the engine will read it (absent is the default), so `max_tokens: 64` matches an absent maxTokens.
 */
function sameRun(call: Omit<CompletionCall, 'request'>, request: InferenceRequest): InferenceRequest {
  const mismatch = (param: string, signed: string, asked: unknown, got: unknown): never =>
    bad(param, `asks for ${JSON.stringify(asked)}, but the signed request's ${signed} is ${JSON.stringify(got)}: the text returned must be the text signed`);
  if (request.input.kind !== 'text') mismatch('prompt', 'input.kind', 'text', request.input.kind);
  else if (request.input.prompt !== call.prompt) mismatch('prompt', 'input.prompt', call.prompt, request.input.prompt);
  const asked = effective(call.options);
  const signed = effective(request.options);
  const pairs = [
    ['max_tokens', 'maxTokens'],
    ['temperature', 'temperature'],
    ['top_p', 'topP'],
    ['top_k', 'topK'],
  ] as const;
  for (const [param, option] of pairs) if (asked[option] !== signed[option]) mismatch(param, `options.${option}`, asked[option], signed[option]);
  if (BigInt(request.seed) !== call.seed) mismatch('seed', 'seed', call.seed.toString(), request.seed);
  return request;
}

/** Options as the engine runs them: an absent field is its default (engine/generate.ts). */
function effective(o: GenerationOptions): Required<Omit<GenerationOptions, 'topK'>> & { topK: number | null } {
  return { maxTokens: o.maxTokens ?? GENERATE_DEFAULTS.maxTokens, temperature: o.temperature ?? GENERATE_DEFAULTS.temperature, topP: o.topP ?? 1, topK: o.topK ?? null };
}

/** The OpenAI endpoints of one node: its model, and its handler for signed requests. */
export class CompletionsApi {
  constructor(
    private readonly model: SpmlModel,
    private readonly handler: NodeHandler,
  ) {}

  models(): ModelList {
    const m = this.model;
    return { object: 'list', data: [{ id: m.name, object: 'model', created: 0, owned_by: 'spml', spml: { model_hash: m.hash, arch: m.kind, task: m.task } }] };
  }

  /** One completion; a bad body throws ProtocolParamError or MessageRejected (openAIErrorReply maps them). */
  async complete(body: unknown): Promise<CompletionReply> {
    const model = this.model;
    if (model.task !== 'generate') bad('model', `'${model.name}' is a ${model.kind} classifier, which completes no text`);
    const call = parseCall(model, body);
    const run = await this.run(model, call);
    const promptTokens = model.runtime.tokenizer.encode(call.prompt).length;
    return {
      id: `cmpl-${(call.request?.requestId ?? randomHex32()).slice(0, 24)}`,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: model.name,
      choices: [{ text: model.runtime.tokenizer.decode(run.tokens), index: 0, finish_reason: 'length', logprobs: null }],
      usage: { prompt_tokens: promptTokens, completion_tokens: run.tokens.length, total_tokens: promptTokens + run.tokens.length },
      spml: {
        model_hash: run.modelHash,
        input_hash: run.inputHash,
        seed: call.seed.toString(),
        output_hash: run.outputHash,
        trace_root: run.traceRoot,
        ...(run.response ? { response: run.response } : {}),
      },
    };
  }

  /**
   * The tokens and hashes of the run: the node's signed response to the request, through its own
   * 'infer' call (verified, served per its strategy, remembered for a dispute), or else f(x) run here.
   */
  private async run(model: LoadedLanguageModel, call: CompletionCall): Promise<Omit<InferenceResult, 'output' | 'outputTensor' | 'leaves'> & { tokens: readonly number[]; response?: InferenceResponse }> {
    if (!call.request) {
      const r = await runInference(model, { kind: 'text', prompt: call.prompt }, call.options, call.seed);
      return { ...r, tokens: r.outputTensor.data };
    }
    const reply = (await this.handler('infer', { request: call.request })) as { response?: InferenceResponse } | null;
    const response = reply?.response;
    if (!response) throw new Error("the node's infer call returned no response");
    return { modelHash: response.modelHash, inputHash: response.inputHash, outputHash: response.outputHash, traceRoot: response.traceRoot, tokens: response.output.data, response };
  }
}

/** An OpenAI-style error reply for what complete() threw. */
export function openAIErrorReply(e: unknown): { status: number; body: { error: { message: string; type: string; param: string | null; code: string | null } } } {
  const error = (status: number, type: string, message: string, param: string | null, code: string | null) => ({ status, body: { error: { message, type, param, code } } });
  if (e instanceof ProtocolParamError) return error(400, 'invalid_request_error', e.message, e.param, null);
  // A refused signed request: the field is the request's, its reason (MALFORMED, EXPIRED, …) the code.
  if (e instanceof MessageRejected) return error(400, 'invalid_request_error', e.message, `spml.request${e.field === undefined ? '' : `.${e.field}`}`, e.reason);
  // The engine's refusals (a temperature outside the model's range, a prompt too long or outside its vocabulary).
  if (e instanceof SpmlError) return error(400, 'invalid_request_error', e.message, null, e.code.toLowerCase());
  return error(500, 'server_error', e instanceof Error ? e.message : String(e), null, null);
}
