/**
 * canonicalJson and code-point ordering (docs/MODEL_FORMAT.md, "Canonical JSON").
 */
import { describe, expect, it } from 'vitest';
import { ParamError } from '../../engine/errors.js';
import { canonicalJson, compareCodePoints, MAX_JSON_DEPTH } from '../../engine/format/canonical_json.js';
import { Rng } from '../../tools/data/rng.js';
import { thrown } from './helpers.js';

function expectRejected(v: unknown, mention: string): void {
  const e = thrown(() => canonicalJson(v));
  expect(e).toBeInstanceOf(ParamError);
  expect((e as ParamError).op).toBe('canonicalJson');
  expect((e as Error).message).toContain(mention);
}

describe('canonicalJson', () => {
  it('sorts keys, drops whitespace, writes numbers and strings in one way', () => {
    expect(canonicalJson({ b: 1, a: [true, false, null, 'x'], c: { z: -0, y: 1e21, x: 0.1, w: 1e-7, v: 100 } })).toBe(
      '{"a":[true,false,null,"x"],"b":1,"c":{"v":100,"w":1e-7,"x":0.1,"y":1e+21,"z":0}}',
    );
    expect(canonicalJson(1e-5)).toBe('0.00001');
    expect(canonicalJson('a"b\\c\n\t\u0001\u001f\u007f é😀')).toBe('"a\\"b\\\\c\\n\\t\\u0001\\u001f\u007f é😀"');
    expect(canonicalJson({ 10: 1, 9: 2, a: 3 })).toBe('{"10":1,"9":2,"a":3}');
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson(Object.assign(Object.create(null) as object, { k: 1 }))).toBe('{"k":1}');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
  });

  it('orders keys by code point, not UTF-16 unit', () => {
    // U+FFFF sorts before U+1F600 by code point, after it by UTF-16 unit.
    expect(canonicalJson({ '😀': 1, '\uffff': 2 })).toBe('{"\uffff":2,"😀":1}');
  });

  it('is a fixed point of JSON.parse for canonical text', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const v = { n: rng.int(-1e9, 1e9), f: rng.float() * 10 ** rng.int(-30, 30), s: String.fromCodePoint(...rng.ints(5, 0, 0xd7ff)), a: rng.ints(3, -5, 5) };
      const text = canonicalJson(v);
      expect(canonicalJson(JSON.parse(text))).toBe(text);
    }
  });

  it('rejects what JSON cannot hold exactly', () => {
    expectRejected(NaN, 'not finite');
    expectRejected({ a: [1, Infinity] }, '$.a[1]: number Infinity is not finite');
    expectRejected([1, undefined], 'missing or undefined');
    expectRejected([1, , 2], 'missing or undefined');
    expectRejected('\ud800x', 'lone surrogate');
    expectRejected({ ['\udc00']: 1 }, 'lone surrogate');
    expectRejected(10n, 'bigint');
    expectRejected(() => 1, 'function');
    expectRejected(new Int8Array(2), 'Int8Array');
    expectRejected(new Date(0), 'Date');
    expectRejected(JSON.parse('{"__proto__":1}'), '__proto__');
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) deep = [deep];
    expect(() => canonicalJson(deep)).not.toThrow();
    expectRejected([deep], 'nested deeper');
  });
});

describe('compareCodePoints', () => {
  it('agrees with the order of UTF-8 bytes', () => {
    const rng = new Rng(11);
    const pick = () => {
      const r = rng.int(0, 3);
      return r === 0 ? rng.int(0, 0x7f) : r === 1 ? rng.int(0x80, 0xd7ff) : r === 2 ? rng.int(0xe000, 0xffff) : rng.int(0x10000, 0x10ffff);
    };
    const enc = new TextEncoder();
    for (let i = 0; i < 5000; i++) {
      const a = String.fromCodePoint(...Array.from({ length: rng.int(0, 3) }, pick));
      const b = rng.int(0, 4) === 0 ? a : String.fromCodePoint(...Array.from({ length: rng.int(0, 3) }, pick));
      const want = Math.sign(Buffer.compare(enc.encode(a), enc.encode(b)));
      expect(Math.sign(compareCodePoints(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(want);
    }
  });
});
