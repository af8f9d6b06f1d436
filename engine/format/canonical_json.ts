/**
 * Canonical JSON: the one byte string a JSON value serializes to (docs/MODEL_FORMAT.md,
 * "Canonical JSON"). Model file headers are written with it and a loader rejects any header
 * that is not exactly its output, so that equal models have equal bytes and equal hashes.
 *
 * Rules: no whitespace; object keys sorted by Unicode code point (= UTF-8 byte order);
 * strings as JSON.stringify writes them (only `"`, `\` and U+0000–U+001F escaped, the short
 * escapes \b \t \n \f \r where they exist, else \u00xx in lowercase hex) and they must be
 * well-formed Unicode (no lone surrogates); numbers finite, written as ECMAScript
 * Number.prototype.toString writes them (the shortest round-trip form, as in RFC 8785),
 * −0 written as 0; no `undefined` except as an object property value, which is omitted;
 * only plain objects and arrays; no key `__proto__`; nesting at most MAX_JSON_DEPTH deep.
 */
import { ParamError } from '../errors.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Deepest nesting of arrays and objects accepted (the top-level value is depth 1). */
export const MAX_JSON_DEPTH = 64;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `s` holds no lone surrogate, i.e. it has a UTF-8 encoding. */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * Compare two strings by Unicode code point (for well-formed strings this is the order of
 * their UTF-8 bytes), unlike `<`, which compares UTF-16 code units.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (code points >= 0x10000) must sort after U+E000..U+FFFF.
    x = x >= 0xd800 && x <= 0xdfff ? x + 0x2000 : x >= 0xe000 ? x - 0x800 : x;
    y = y >= 0xd800 && y <= 0xdfff ? y + 0x2000 : y >= 0xe000 ? y - 0x800 : y;
    return x - y;
  }
  return a.length - b.length;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The canonical serialization of `value`. Throws ParamError (op `canonicalJson`, naming the
 * path of the offending value, e.g. `$.quant.layers[0]`) for anything JSON cannot hold exactly.
 */
export function canonicalJson(value: unknown): string {
  return write(value, []);
}

/** A JSON path for messages, built only when one is needed: `$.a.b[3]`. */
export function formatPath(root: string, path: readonly (string | number)[]): string {
  return root + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
}

function fail(path: (string | number)[], msg: string): never {
  throw new ParamError('canonicalJson', `${formatPath('$', path)}: ${msg}`);
}

// Strings that need no escaping and hold no surrogate: written as they are (the common case).
const PLAIN = /^[\u0020\u0021\u0023-\u005b\u005d-\ud7ff\ue000-\uffff]*$/;

function quote(s: string, path: (string | number)[], what: string): string {
  if (PLAIN.test(s)) return '"' + s + '"';
  if (!isWellFormed(s)) fail(path, `${what} holds a lone surrogate (not well-formed Unicode)`);
  return JSON.stringify(s);
}

function write(v: unknown, path: (string | number)[]): string {
  switch (typeof v) {
    case 'string':
      return quote(v, path, 'string');
    case 'number':
      if (!Number.isFinite(v)) fail(path, `number ${String(v)} is not finite`);
      return Object.is(v, -0) ? '0' : String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    default:
      return fail(path, `a ${typeof v} has no JSON form`);
  }
  if (v === null) return 'null';
  if (path.length >= MAX_JSON_DEPTH) fail(path, `nested deeper than ${MAX_JSON_DEPTH} levels`);
  let out: string;
  if (Array.isArray(v)) {
    out = '[';
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      if (!(i in v) || v[i] === undefined) fail(path, 'array element is missing or undefined');
      out += (i > 0 ? ',' : '') + write(v[i], path);
      path.pop();
    }
    return out + ']';
  }
  if (!isPlainObject(v)) fail(path, `a ${v.constructor?.name ?? 'non-plain object'} has no JSON form`);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined);
  keys.sort(compareCodePoints);
  out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k === '__proto__') fail(path, 'key "__proto__" is not allowed');
    path.push(k);
    out += (i > 0 ? ',' : '') + quote(k, path, 'key') + ':' + write(o[k], path);
    path.pop();
  }
  return out + '}';
}
