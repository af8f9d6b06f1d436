/**
 * Field-by-field shape checks for the spML messages (paper §3.2; field lists in ./types.ts).
 *
 * A message must have exactly the fields of its type, each of the right form, before anything else is
 * looked at; the first bad field is named in a MessageRejected MALFORMED (nested fields by path, e.g.
 * `responseA.outputHash`). Strictness matters because everything in a message is signed: an unknown
 * field would be signed data that no check ever reads.
 */
import { isWellFormed } from '../../engine/format/canonical_json.js';
import { isHex } from '../crypto.js';
import { MessageRejected } from '../errors.js';
import { DOMAINS, type Domain } from './types.js';

type Check = (value: unknown, path: string, op: string) => void;

const U64_MAX = (1n << 64n) - 1n;
const NETWORK_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function malformed(op: string, path: string, what: string): never {
  throw new MessageRejected(op, 'MALFORMED', what, path);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

const hex32: Check = (v, path, op) => {
  if (!isHex(v, 32)) malformed(op, path, 'must be 32 bytes as 64 lowercase hex digits');
};
const hex64: Check = (v, path, op) => {
  if (!isHex(v, 64)) malformed(op, path, 'must be 64 bytes as 128 lowercase hex digits');
};
const text: Check = (v, path, op) => {
  if (typeof v !== 'string' || !isWellFormed(v)) malformed(op, path, 'must be a well-formed Unicode string');
};
const networkId: Check = (v, path, op) => {
  if (typeof v !== 'string' || !NETWORK_ID.test(v)) malformed(op, path, 'must be 1–64 characters of a-z 0-9 . _ - starting with a letter or digit');
};
const seed: Check = (v, path, op) => {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(v) || BigInt(v) > U64_MAX) {
    malformed(op, path, 'must be a decimal u64 string (0 … 2^64−1, no leading zeros)');
  }
};
const expiry: Check = (v, path, op) => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) malformed(op, path, 'must be a non-negative integer of milliseconds');
};
const positiveInt: Check = (v, path, op) => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) malformed(op, path, 'must be a positive integer');
};
const honesty: Check = (v, path, op) => {
  if (v !== 'honest' && v !== 'dishonest') malformed(op, path, "must be 'honest' or 'dishonest'");
};

function optional(check: Check): Check & { optional: true } {
  return Object.assign((v: unknown, path: string, op: string) => check(v, path, op), { optional: true as const });
}

function object(fields: Record<string, Check>): Check {
  return (v, path, op) => {
    if (!isPlainObject(v)) malformed(op, path || '(message)', 'must be a plain object');
    const prefix = path ? `${path}.` : '';
    for (const key of Object.keys(v)) if (!(key in fields)) malformed(op, prefix + key, 'is not a field of this message');
    for (const [key, check] of Object.entries(fields)) {
      if (v[key] === undefined) {
        if ('optional' in check) continue;
        malformed(op, prefix + key, 'is missing');
      }
      check(v[key], prefix + key, op);
    }
  };
}

const input: Check = (v, path, op) => {
  if (!isPlainObject(v)) malformed(op, path, 'must be an object');
  if (v.kind === 'text') return object({ kind: text, prompt: text })(v, path, op);
  if (v.kind === 'pixels') {
    object({ kind: text, pixels: text, count: positiveInt })(v, path, op);
    if (!/^(?:[0-9a-f]{2})+$/.test(v.pixels as string)) malformed(op, `${path}.pixels`, 'must be pixel bytes as lowercase hex');
    return;
  }
  malformed(op, `${path}.kind`, "must be 'text' or 'pixels'");
};

const options = object({
  maxTokens: optional(positiveInt),
  temperature: optional((v, path, op) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) malformed(op, path, 'must be a finite number ≥ 0');
  }),
  topK: optional(positiveInt),
  topP: optional((v, path, op) => {
    if (typeof v !== 'number' || !(v > 0 && v <= 1)) malformed(op, path, 'must be a number in (0, 1]');
  }),
});

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** An int32 tensor (types.ts InferenceOutput): rank 1–255, dimensions u32, data exactly as many int32s as the shape holds. */
const output: Check = (v, path, op) => {
  if (!isPlainObject(v)) malformed(op, path, 'must be an object { shape, data }');
  for (const key of Object.keys(v)) if (key !== 'shape' && key !== 'data') malformed(op, `${path}.${key}`, 'is not a field of this message');
  const { shape, data } = v;
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 255) malformed(op, `${path}.shape`, 'must be an array of 1 to 255 dimensions');
  let size = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0 || d > 0xffffffff) malformed(op, `${path}.shape`, 'dimensions must be integers in [0, 2^32)');
    size *= d;
  }
  if (!Array.isArray(data)) malformed(op, `${path}.data`, 'must be an array of int32');
  if (data.length !== size) malformed(op, `${path}.data`, `holds ${data.length} elements, the shape ${size}`);
  for (const x of data) {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < INT32_MIN || x > INT32_MAX) malformed(op, `${path}.data`, 'must hold only int32 integers');
  }
};

const domainTag =
  (expected: Domain): Check =>
  (v, path, op) => {
    if (typeof v !== 'string') malformed(op, path, 'must be a string');
    if (v !== expected) throw new MessageRejected(op, 'WRONG_DOMAIN', `is '${v}', expected '${expected}'`, path);
  };

function header(domain: Domain): Record<string, Check> {
  return { domain: domainTag(domain), networkId, modelHash: hex32, inputHash: hex32, seed, requestId: hex32, nonce: hex32, expiry, signer: hex32, signature: hex64 };
}

const request = object({ ...header(DOMAINS.request), server: hex32, input, options, commitment: hex32 });
const response = object({ ...header(DOMAINS.response), requestDigest: hex32, commitment: hex32, output, outputHash: hex32, traceRoot: hex32 });
const reveal = object({ ...header(DOMAINS.reveal), commitment: hex32, secret: hex32, responseDigest: hex32 });

const SCHEMAS: Record<Domain, Check> = {
  [DOMAINS.request]: request,
  [DOMAINS.response]: response,
  [DOMAINS.reveal]: reveal,
  [DOMAINS.attestation]: object({ ...header(DOMAINS.attestation), request }),
  [DOMAINS.dispute]: object({ ...header(DOMAINS.dispute), responseA: response, responseB: response, reveal }),
  [DOMAINS.vote]: object({ ...header(DOMAINS.vote), disputeDigest: hex32, verdict: object({ user: honesty, serverA: honesty, serverB: honesty }) }),
};

/**
 * Throws MessageRejected unless `msg` has exactly the shape of a `domain` message: WRONG_DOMAIN when its
 * domain tag is another type's, MALFORMED (naming the field, prefixed by `path`) for anything else.
 */
export function checkShape(domain: Domain, msg: unknown, op: string, path = ''): void {
  if (isPlainObject(msg)) domainTag(domain)(msg.domain, path ? `${path}.domain` : 'domain', op);
  SCHEMAS[domain](msg, path, op);
}
