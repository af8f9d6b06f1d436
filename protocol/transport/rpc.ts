/**
 * The calls a server node answers (transport.ts NODE_METHODS) and what each returns: the server's
 * side of an spML round (paper §3.2 steps 2, 5, 7 and 8) and of arbitration by trace bisection.
 *
 *   info                        → NodeInfo             who the node is and what it serves
 *   infer   { request }         → { response }         steps 2/5: answer a signed request
 *   attest  { requestId }       → { attestation }      step 7: sign the request it received
 *   open    { requestId }       → { leaves }           its trace leaves, which hash to its signed root
 *   reveal  { requestId, index }→ { state }            one leaf's tensor, for re-execution
 *   judge   JudgeCall           → { vote }             step 8: judge a dispute and sign a vote
 *
 * Every body is checked here before a node acts on it (ProtocolParamError names the bad field); the
 * signed messages inside are then checked by the node's MessageVerifier.
 */
import { DTYPE_BYTES, DTYPES, type DType, type IntArray } from '../../engine/dtype.js';
import { ProtocolParamError } from '../errors.js';
import { isHex } from '../crypto.js';
import type { Dispute, InferenceRequest, InferenceResponse, InputAttestation, Vote } from '../messages/types.js';

export interface NodeInfo {
  readonly id: string;
  readonly publicKey: string;
  readonly networkId: string;
  readonly modelHash: string;
}

/** A trace leaf as it travels: its label and its tensor's hash (engine/trace.ts TraceLeaf). */
export interface WireLeaf {
  readonly label: string;
  readonly tensorHash: string;
}

/** A tensor as it travels: dtype, shape and its elements' little-endian bytes in base64. */
export interface WireTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly base64: string;
}

/** A staked server as the board's registry lists it: what a voter needs to redo the validator draw. */
export interface WireStake {
  readonly id: string;
  readonly publicKey: string;
  /** Decimal base units. */
  readonly stake: string;
}

/** One party's reveal of a leaf tensor, fetched by the board for the voters (bisection.ts leavesToReveal). */
export interface WireReveal {
  readonly party: 'A' | 'B';
  readonly index: number;
  readonly state: WireTensor;
}

/**
 * Everything a voter needs to judge a dispute on its own (arbitration.ts judgeDispute): the signed
 * evidence, the round's draw inputs and stake table, both traces as their servers opened them, and
 * the leaf tensors re-execution reads, as their servers revealed them. The board only relays: every
 * piece is checked by the voter against a signature or a hash it already trusts.
 */
export interface JudgeCall {
  readonly dispute: Dispute;
  readonly attestationA: InputAttestation;
  readonly attestationB: InputAttestation;
  /** The challenge probability p as a decimal string. */
  readonly p: string;
  readonly beacon: string;
  /** The servers eligible in the round (the validator draw's pool) and the asserter's id. */
  readonly pool: readonly WireStake[];
  readonly asserter: string;
  readonly validatorCount: number;
  /** Validators replaced for silence, in order (live/validator_order.ts). */
  readonly silent: readonly string[];
  readonly traceA: readonly WireLeaf[];
  readonly traceB: readonly WireLeaf[];
  readonly reveals: readonly WireReveal[];
}

export interface InferCall {
  readonly request: InferenceRequest;
}
export interface RequestRef {
  readonly requestId: string;
}
export interface RevealCall extends RequestRef {
  readonly index: number;
}

/**
 * What a node signs for a settlement contract besides its spML message, when its network settles on
 * a chain (protocol/live/statement_signer.ts): the same statement under the chain's own signature
 * scheme, which the board relays to the contract. Hex signatures.
 */
export interface ChainStatements {
  /** For an inference: as asserter (with the response digest) and as validator. */
  readonly response?: string;
  readonly validation?: string;
  readonly attestation?: string;
  readonly vote?: string;
}

export interface Replies {
  info: NodeInfo;
  infer: { readonly response: InferenceResponse; readonly chain?: ChainStatements };
  attest: { readonly attestation: InputAttestation; readonly chain?: ChainStatements };
  open: { readonly leaves: readonly WireLeaf[] };
  reveal: { readonly state: WireTensor };
  judge: { readonly vote: Vote; readonly chain?: ChainStatements };
}

const fail = (op: string, field: string, what: string): never => {
  throw new ProtocolParamError(op, field, what);
};

function record(op: string, body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail(op, 'body', 'must be a JSON object');
  return body as Record<string, unknown>;
}

/** A body holding a 32-byte request id. */
export function requestRef(op: string, body: unknown): RequestRef {
  const b = record(op, body);
  if (!isHex(b.requestId, 32)) fail(op, 'requestId', 'must be 64 lowercase hex characters');
  return { requestId: b.requestId as string };
}

export function revealCall(op: string, body: unknown): RevealCall {
  const { requestId } = requestRef(op, body);
  const index = record(op, body).index;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) fail(op, 'index', `must be a leaf index >= 0, got ${String(index)}`);
  return { requestId, index: index as number };
}

export function inferCall(op: string, body: unknown): InferCall {
  const b = record(op, body);
  if (typeof b.request !== 'object' || b.request === null) fail(op, 'request', 'must be a signed inference request');
  return { request: b.request as InferenceRequest };
}

function leaves(op: string, field: string, x: unknown): WireLeaf[] {
  if (!Array.isArray(x)) fail(op, field, 'must be an array of {label, tensorHash}');
  return (x as unknown[]).map((l, i) => {
    const leaf = record(op, l);
    if (typeof leaf.label !== 'string' || !isHex(leaf.tensorHash, 32)) fail(op, `${field}[${i}]`, 'must be {label: string, tensorHash: 64 hex}');
    return { label: leaf.label as string, tensorHash: leaf.tensorHash as string };
  });
}

export function wireTensor(op: string, field: string, x: unknown): WireTensor {
  const t = record(op, x);
  if (!DTYPES.includes(t.dtype as DType)) fail(op, `${field}.dtype`, `must be one of ${DTYPES.join(', ')}`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) fail(op, `${field}.shape`, 'must be an array of sizes >= 0');
  if (typeof t.base64 !== 'string') fail(op, `${field}.base64`, 'must be a base64 string');
  return { dtype: t.dtype as DType, shape: t.shape as number[], base64: t.base64 as string };
}

/** Checks a judge body's shape; the messages in it are checked by the voter's verifier. */
export function judgeCall(op: string, body: unknown): JudgeCall {
  const b = record(op, body);
  for (const f of ['dispute', 'attestationA', 'attestationB'] as const) if (typeof b[f] !== 'object' || b[f] === null) fail(op, f, 'must be a signed message');
  if (typeof b.p !== 'string') fail(op, 'p', 'must be a decimal string');
  if (!isHex(b.beacon, 32)) fail(op, 'beacon', 'must be 64 lowercase hex characters');
  if (typeof b.asserter !== 'string') fail(op, 'asserter', 'must be a node id');
  if (!Number.isSafeInteger(b.validatorCount) || (b.validatorCount as number) < 1) fail(op, 'validatorCount', 'must be an integer >= 1');
  if (!Array.isArray(b.pool)) fail(op, 'pool', 'must be an array of {id, publicKey, stake}');
  const pool = (b.pool as unknown[]).map((x, i) => {
    const s = record(op, x);
    if (typeof s.id !== 'string' || !isHex(s.publicKey, 32) || typeof s.stake !== 'string' || !/^[0-9]+$/.test(s.stake))
      fail(op, `pool[${i}]`, 'must be {id, publicKey: 64 hex, stake: decimal string}');
    return { id: s.id as string, publicKey: s.publicKey as string, stake: s.stake as string };
  });
  if (!Array.isArray(b.silent) || !b.silent.every((x) => typeof x === 'string')) fail(op, 'silent', 'must be an array of node ids');
  if (!Array.isArray(b.reveals)) fail(op, 'reveals', 'must be an array');
  const reveals = (b.reveals as unknown[]).map((x, i) => {
    const r = record(op, x);
    if (r.party !== 'A' && r.party !== 'B') fail(op, `reveals[${i}].party`, "must be 'A' or 'B'");
    if (!Number.isSafeInteger(r.index) || (r.index as number) < 0) fail(op, `reveals[${i}].index`, 'must be a leaf index >= 0');
    return { party: r.party as 'A' | 'B', index: r.index as number, state: wireTensor(op, `reveals[${i}].state`, r.state) };
  });
  return {
    dispute: b.dispute as Dispute,
    attestationA: b.attestationA as InputAttestation,
    attestationB: b.attestationB as InputAttestation,
    p: b.p as string,
    beacon: b.beacon as string,
    pool,
    asserter: b.asserter as string,
    validatorCount: b.validatorCount as number,
    silent: b.silent as string[],
    traceA: leaves(op, 'traceA', b.traceA),
    traceB: leaves(op, 'traceB', b.traceB),
    reveals,
  };
}

/** A tensor's elements as they travel (little-endian bytes, base64). */
export function tensorToWire(dtype: DType, shape: readonly number[], data: IntArray): WireTensor {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { dtype, shape: [...shape], base64: btoa(binary) };
}

const ARRAYS = { int8: Int8Array, int16: Int16Array, int32: Int32Array } as const;

/** The elements of a wire tensor; ProtocolParamError when its bytes do not fill its shape exactly. */
export function tensorFromWire(op: string, field: string, t: WireTensor): { dtype: DType; shape: number[]; data: IntArray } {
  let binary: string;
  try {
    binary = atob(t.base64);
  } catch {
    return fail(op, `${field}.base64`, 'is not base64');
  }
  const count = t.shape.reduce((n, d) => n * d, 1);
  if (binary.length !== count * DTYPE_BYTES[t.dtype]) fail(op, field, `holds ${binary.length} bytes, not the ${count * DTYPE_BYTES[t.dtype]} of a ${t.dtype} [${t.shape.join(', ')}]`);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return { dtype: t.dtype, shape: [...t.shape], data: new ARRAYS[t.dtype](bytes.buffer) };
}
