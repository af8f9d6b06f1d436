/**
 * One crafted file per loader rule (docs/MODEL_FORMAT.md, "What the loader checks"). Every
 * crafted file carries a valid SHA-256 trailer (recomputed after the edit), so each test
 * exercises the structural check itself, not the checksum; each expects a ModelFormatError at
 * the byte offset the rule names.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../engine/format/canonical_json.js';
import { decodeModel, encodeModel, MAX_HEADER_BYTES, MAX_TENSORS, type ModelFile } from '../../engine/format/format.js';
import { align8, bytesEqual, craft, dataSection, expectFormatError, headerText, resign, withHeader } from './helpers.js';

const tiny = (): ModelFile => ({
  config: { arch: 'mlp', sizes: [3, 2] },
  quant: { input: [1073741824, 30] },
  meta: { name: 'tiny' },
  tensors: [
    { name: 'b0', dtype: 'int32', shape: [2], data: new Int32Array([1, -2]) },
    { name: 's', dtype: 'int16', shape: [], data: new Int16Array([-300]) },
    { name: 'w0', dtype: 'int8', shape: [3, 2], data: new Int8Array([1, 2, 3, 4, 5, -6]) },
    { name: 'z', dtype: 'int8', shape: [0, 4], data: new Int8Array(0) },
  ],
});

const FILE = encodeModel(tiny());
const TEXT = headerText(FILE); // ASCII, so string index = byte index
const H = TEXT.length;
const DATA = dataSection(FILE).slice();
const DATA_START = align8(12 + H);

/** The file with one exact substring of its header replaced (H, padding and trailer recomputed). */
function edited(from: string, to: string): { bytes: Uint8Array; text: string } {
  const at = TEXT.indexOf(from);
  expect(at, `"${from}" in header`).toBeGreaterThanOrEqual(0);
  expect(TEXT.indexOf(from, at + 1), `"${from}" once in header`).toBe(-1);
  const text = TEXT.slice(0, at) + to + TEXT.slice(at + from.length);
  return { bytes: withHeader(FILE, text), text };
}

/** File offset of a substring of the (edited) header. */
const posIn = (text: string, s: string) => {
  const i = text.indexOf(s);
  expect(i, s).toBeGreaterThanOrEqual(0);
  return 12 + i;
};

/** Start of the data section of a file whose header is `text`. */
const ds = (text: string) => align8(12 + new TextEncoder().encode(text).length);

const firstDiff = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
};

function rejectEdit(from: string, to: string, mentions: string[], offsetOf: (text: string) => number): void {
  const { bytes, text } = edited(from, to);
  expectFormatError(() => decodeModel(bytes), mentions, offsetOf(text));
}

/** A non-canonical edit: rejected at the first byte where it differs from the canonical form. */
function rejectNonCanonical(from: string, to: string): void {
  const { bytes, text } = edited(from, to);
  expect(canonicalJson(JSON.parse(text)), 'the edit keeps the value').toBe(TEXT);
  expectFormatError(() => decodeModel(bytes), ['not canonical'], 12 + firstDiff(text, TEXT));
}

const ENTRY_B0 = '{"dtype":"int32","length":8,"name":"b0","offset":0,"shape":[2]}';
const ENTRY_S = '{"dtype":"int16","length":2,"name":"s","offset":8,"shape":[]}';
const ENTRY_W0 = '{"dtype":"int8","length":6,"name":"w0","offset":16,"shape":[3,2]}';
const ENTRY_Z = '{"dtype":"int8","length":0,"name":"z","offset":24,"shape":[0,4]}';

describe('the base file', () => {
  it('is what the tests assume, and decodes', () => {
    expect(TEXT).toBe(`{"config":{"arch":"mlp","sizes":[3,2]},"meta":{"name":"tiny"},"quant":{"input":[1073741824,30]},"tensors":[${ENTRY_B0},${ENTRY_S},${ENTRY_W0},${ENTRY_Z}]}`);
    expect((12 + H) % 8).not.toBe(0); // there is header padding to test
    expect(bytesEqual(craft({ header: TEXT, data: DATA }), FILE)).toBe(true);
    decodeModel(FILE);
  });
});

describe('preamble and trailer', () => {
  it('too short', () => {
    expectFormatError(() => decodeModel(FILE.subarray(0, 43)), ['43 bytes, shorter than'], 43);
    expectFormatError(() => decodeModel(new Uint8Array(0)), ['0 bytes'], 0);
  });
  it('not a Uint8Array', () => {
    expectFormatError(() => decodeModel(FILE.buffer as unknown as Uint8Array), ['expected a Uint8Array']);
    expectFormatError(() => decodeModel([1, 2] as unknown as Uint8Array), ['expected a Uint8Array']);
  });
  it('bad magic', () => {
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, magic: [0x53, 0x50, 0x4d, 0x4d] })), ['bad magic'], 3);
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, magic: [0x73, 0x70, 0x6d, 0x6c] })), ['bad magic'], 0);
  });
  it('unsupported version', () => {
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, version: 2 })), ['unsupported format version 2'], 4);
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, version: 0 })), ['version 0'], 4);
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, version: 0x100 })), ['version 256'], 4);
  });
  it('non-zero flags', () => {
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, flags: 1 })), ['flags are 0x1'], 6);
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, flags: 0x8000 })), ['flags are 0x8000'], 6);
  });
  it('header length zero, over the cap, or past the end of the file', () => {
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, headerLength: 0 })), ['header length is 0'], 8);
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, headerLength: MAX_HEADER_BYTES + 1 })), ['exceeds the limit'], 8);
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, headerLength: 0xffffffff })), ['exceeds the limit'], 8);
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, headerLength: FILE.length })), ['runs past the end of the file'], 8);
    // H that still fits but does not end where the JSON ends: one more or one fewer byte.
    // One byte fewer: the closing brace falls into the padding (or, where 12 + H - 1 is a multiple
    // of 8, into the data section and the JSON is cut); one more: a NUL joins the JSON.
    const fewer = craft({ header: TEXT, data: DATA, headerLength: H - 1 });
    if ((12 + H - 1) % 8 === 0) expectFormatError(() => decodeModel(fewer), ['not valid JSON'], 12);
    else expectFormatError(() => decodeModel(fewer), ['header padding byte is not zero'], 12 + H - 1);
    const wide = TEXT.replace('"tiny"', '"tiny!"'); // the other case
    const fewer2 = craft({ header: wide, data: DATA, headerLength: wide.length - 1 });
    if ((12 + wide.length - 1) % 8 === 0) expectFormatError(() => decodeModel(fewer2), ['not valid JSON'], 12);
    else expectFormatError(() => decodeModel(fewer2), ['header padding byte is not zero'], 12 + wide.length - 1);
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, headerLength: H + 1 })), ['not valid JSON'], 12);
  });
  it('checksum mismatch (data, header or trailer changed without re-signing)', () => {
    for (const at of [DATA_START, 20, FILE.length - 1, FILE.length - 32]) {
      const bad = FILE.slice();
      bad[at]! ^= 0x10;
      expectFormatError(() => decodeModel(bad), ['checksum mismatch'], FILE.length - 32);
    }
  });
});

describe('header bytes', () => {
  it('header padding must be zero', () => {
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: DATA, padByte: 0x20 })), ['header padding byte is not zero'], 12 + H);
    const bad = FILE.slice();
    bad[DATA_START - 1] = 1;
    expectFormatError(() => decodeModel(resign(bad)), ['header padding'], DATA_START - 1);
  });
  it('header must be valid UTF-8', () => {
    const enc = new TextEncoder().encode(TEXT);
    const at = TEXT.indexOf('tiny');
    for (const seq of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe9]]) {
      const header = new Uint8Array([...enc.subarray(0, at), ...seq, ...enc.subarray(at + 1)]);
      expectFormatError(() => decodeModel(craft({ header, data: DATA })), ['not valid UTF-8'], 12);
    }
  });
  it('header must be JSON', () => {
    expectFormatError(() => decodeModel(withHeader(FILE, TEXT.slice(0, -1))), ['not valid JSON'], 12);
    expectFormatError(() => decodeModel(withHeader(FILE, '\ufeff' + TEXT)), ['not valid JSON'], 12);
    expectFormatError(() => decodeModel(withHeader(FILE, TEXT.replace('"tiny"', "'tiny'"))), ['not valid JSON'], 12);
    expectFormatError(() => decodeModel(withHeader(FILE, TEXT + '\u0000')), ['not valid JSON'], 12);
  });
  it('header JSON must be canonical, byte for byte', () => {
    rejectNonCanonical('"meta":', '"meta": ');
    rejectNonCanonical('"arch":"mlp","sizes":[3,2]', '"sizes":[3,2],"arch":"mlp"');
    rejectNonCanonical('30]', '3e1]');
    rejectNonCanonical('30]', '30.0]');
    rejectNonCanonical('"tiny"', '"t\\u0069ny"');
    rejectNonCanonical('"tiny"', '"tin\\u0079"');
    rejectNonCanonical('{"name":"tiny"}', '{"name":"x","name":"tiny"}');
    rejectNonCanonical('"length":0,', '"length":-0,');
    rejectNonCanonical('"offset":0,', '"offset":0E0,');
    const trailing = withHeader(FILE, TEXT + '\n');
    expectFormatError(() => decodeModel(trailing), ['not canonical'], 12 + H);
  });
  it('non-ASCII is written as UTF-8, never as \\u escapes', () => {
    const m = tiny();
    m.meta.name = 'é😀';
    const file = encodeModel(m);
    const text = headerText(file);
    const escaped = text.replace('é😀', '\\u00e9\\ud83d\\ude00');
    expectFormatError(() => decodeModel(withHeader(file, escaped)), ['not canonical'], posIn(text, 'é'));
  });
  it('values JSON cannot hold exactly', () => {
    rejectEdit('"tiny"', '"\\ud800"', ['header: $.meta.name: string holds a lone surrogate'], () => 12);
    rejectEdit('30]', '1e400]', ['header: $.quant.input[1]: number Infinity is not finite'], () => 12);
    rejectEdit('[1073741824,30]', '['.repeat(70) + ']'.repeat(70), ['nested deeper than 64'], () => 12);
  });
});

describe('header structure', () => {
  it('must be an object with exactly config, meta, quant, tensors', () => {
    expectFormatError(() => decodeModel(withHeader(FILE, '[]')), ['not a JSON object'], 12);
    expectFormatError(() => decodeModel(withHeader(FILE, '"x"')), ['not a JSON object'], 12);
    rejectEdit(',"quant":{"input":[1073741824,30]}', '', ['header keys are [config, meta, tensors]'], () => 12);
    rejectEdit(`${ENTRY_Z}]}`, `${ENTRY_Z}],"version":1}`, ['must be exactly [config, meta, quant, tensors]'], () => 12);
  });
  it('config must pass checkConfig and have exactly its keys', () => {
    const at = () => 12 + '{"config":'.length;
    rejectEdit('"arch":"mlp"', '"arch":"rnn"', ['config: unknown arch "rnn"'], at);
    rejectEdit('"sizes":[3,2]', '"sizes":[3]', ['config: sizes must be'], at);
    rejectEdit('"sizes":[3,2]', '"sizes":[3,2.5]', ['config: sizes must be'], at);
    rejectEdit('"arch":"mlp",', '"arch":"mlp","lnEps":0.00001,', ['config: unknown key "lnEps" for arch mlp'], at);
    rejectEdit('{"arch":"mlp","sizes":[3,2]}', '[]', ['config'], at);
  });
  it('quant must be integer-only JSON', () => {
    const at = (t: string) => posIn(t, '"quant":') + '"quant":'.length;
    rejectEdit('[1073741824,30]', '[1073741824,0.5]', ['quant.input[1]: 0.5 is not an integer (no float may enter inference)'], at);
    rejectEdit('[1073741824,30]', '[1073741824,null]', ['quant.input[1]: null is not allowed'], at);
    rejectEdit('[1073741824,30]', '[9007199254740992,30]', ['outside the exact integer range'], at);
    rejectEdit('{"input":[1073741824,30]}', 'null', ['quant: null'], at);
    rejectEdit('{"input":[1073741824,30]}', '{"a":{"b":[true,"x",{"c":1e-7}]}}', ['quant.a.b[2].c: 1e-7 is not an integer'], at);
    rejectEdit('{"input":[1073741824,30]}', '{"__proto__":1}', ['__proto__'], () => 12);
  });
  it('meta must have a string name and integer-only values', () => {
    const at = (t: string) => posIn(t, '"meta":') + '"meta":'.length;
    rejectEdit('{"name":"tiny"}', '{}', ['meta.name: must be a string'], at);
    rejectEdit('{"name":"tiny"}', '{"name":5}', ['meta.name: must be a string'], at);
    rejectEdit('{"name":"tiny"}', '{"description":5,"name":"tiny"}', ['meta.description: must be a string'], at);
    rejectEdit('{"name":"tiny"}', '{"name":"tiny","vocab":["a"]}', ['meta.vocab: must be a string'], at);
    rejectEdit('{"name":"tiny"}', '{"name":"tiny","x":1.5}', ['meta.x: 1.5 is not an integer'], at);
    rejectEdit('{"name":"tiny"}', '{"name":"tiny","x":null}', ['meta.x: null'], at);
    rejectEdit('{"name":"tiny"}', '[]', ['meta: not an object'], at);
  });
});

describe('tensor table', () => {
  const entryAt = (entry: string) => (t: string) => posIn(t, entry);
  it('must be an array of objects with exactly dtype, length, name, offset, shape', () => {
    const tableAt = (t: string) => posIn(t, '"tensors":') + '"tensors":'.length;
    rejectEdit(`[${ENTRY_B0},${ENTRY_S},${ENTRY_W0},${ENTRY_Z}]`, '{}', ['tensors: not an array'], tableAt);
    rejectEdit(`[${ENTRY_B0},`, `[${ENTRY_B0},7,`, ['tensors[1]: not an object'], (t) => posIn(t, ',7,') + 1);
    rejectEdit(ENTRY_S, ENTRY_S.replace('"offset":8,', '"offset":8,"scale":1,'), ['tensors[1]: keys are [dtype, length, name, offset, scale, shape]'], entryAt('{"dtype":"int16"'));
    rejectEdit(ENTRY_S, ENTRY_S.replace('"length":2,', ''), ['tensors[1]: keys are [dtype, name, offset, shape]'], entryAt('{"dtype":"int16"'));
  });
  it('too many tensors', () => {
    const entries = Array.from({ length: MAX_TENSORS + 1 }, (_, i) => `{"dtype":"int8","length":0,"name":"t${String(i).padStart(6, '0')}","offset":0,"shape":[0]}`);
    const text = TEXT.slice(0, TEXT.indexOf('"tensors":') + 10) + `[${entries.join(',')}]}`;
    expectFormatError(() => decodeModel(craft({ header: text })), ['65537 tensors exceed the limit of 65536'], posIn(text, '"tensors":') + 10);
  });
  it('names: non-empty strings, unique, sorted by code point', () => {
    rejectEdit('"name":"b0"', '"name":""', ['tensors[0]: name must be a non-empty string'], entryAt(ENTRY_B0.replace('"b0"', '""')));
    rejectEdit('"name":"b0"', '"name":7', ['tensors[0]: name must be a non-empty string, got 7'], entryAt(ENTRY_B0.replace('"b0"', '7')));
    rejectEdit('"name":"s"', '"name":"b0"', ['tensor b0: duplicate name'], entryAt('{"dtype":"int16"'));
    rejectEdit('"name":"s"', '"name":"a"', ['tensor a: not in canonical order (must sort after "b0" by code point)'], entryAt('{"dtype":"int16"'));
    // Sorted by UTF-16 code unit (as `<` sorts) but not by code point.
    const m: ModelFile = { ...tiny(), tensors: [
      { name: 'a\uffff', dtype: 'int8', shape: [1], data: new Int8Array([1]) },
      { name: 'a😀', dtype: 'int8', shape: [1], data: new Int8Array([2]) },
    ] };
    const file = encodeModel(m);
    const text = headerText(file);
    const swapped = text.replace('"a\uffff"', '"@@"').replace('"a😀"', '"a\uffff"').replace('"@@"', '"a😀"');
    expectFormatError(() => decodeModel(withHeader(file, swapped)), ['tensor a\uffff: not in canonical order'], 12 + new TextEncoder().encode(swapped.slice(0, swapped.lastIndexOf('{"dtype"'))).length);
  });
  it('dtype must be int8, int16 or int32', () => {
    rejectEdit('"dtype":"int8","length":6', '"dtype":"uint8","length":6', ['tensor w0: unknown dtype "uint8"'], entryAt('{"dtype":"uint8"'));
    rejectEdit('"dtype":"int16"', '"dtype":"float32"', ['tensor s: unknown dtype "float32"'], entryAt('{"dtype":"float32"'));
    rejectEdit('"dtype":"int16"', '"dtype":2', ['tensor s: unknown dtype 2'], entryAt('{"dtype":2'));
  });
  it('shape: an array of integers in [0, 2^31-1], rank <= 255, at most 2^31-1 elements', () => {
    const w0 = entryAt('{"dtype":"int8","length":6');
    rejectEdit('"shape":[3,2]', '"shape":6', ['tensor w0: shape must be an array, got 6'], w0);
    rejectEdit('"shape":[3,2]', '"shape":[3,-2]', ['tensor w0: shape [3,-2] must hold integers'], w0);
    rejectEdit('"shape":[3,2]', '"shape":[3,2.5]', ['must hold integers'], w0);
    rejectEdit('"shape":[3,2]', '"shape":[3,"2"]', ['must hold integers'], w0);
    rejectEdit('"shape":[3,2]', '"shape":[3,2147483648]', ['must hold integers in [0, 2^31-1]'], w0);
    rejectEdit('"shape":[3,2]', '"shape":[65536,65536]', ['more than 2^31-1 elements'], w0);
    rejectEdit('"shape":[3,2]', `"shape":[${Array(256).fill(1).join(',')}]`, ['rank 256 exceeds 255'], w0);
  });
  it('length must be size x dtype width', () => {
    rejectEdit('"length":8', '"length":12', ['tensor b0: length 12 bytes, but shape [2] of int32 needs 8'], entryAt('{"dtype":"int32"'));
    rejectEdit('"length":8', '"length":"8"', ['length "8" bytes'], entryAt('{"dtype":"int32"'));
    rejectEdit('"length":2,', '"length":1,', ['tensor s: length 1 bytes, but shape [] of int16 needs 2'], entryAt('{"dtype":"int16"'));
  });
  it('offset: a non-negative integer, a multiple of 8, exactly after the previous tensor', () => {
    const s = entryAt('{"dtype":"int16"');
    rejectEdit('"offset":8,', '"offset":-8,', ['tensor s: offset -8 is not a non-negative integer'], s);
    rejectEdit('"offset":8,', '"offset":8.5,', ['offset 8.5 is not a non-negative integer'], s);
    rejectEdit('"offset":8,', '"offset":"8",', ['offset "8" is not'], s);
    rejectEdit('"offset":8,', '"offset":12,', ['tensor s: data offset 12 is not a multiple of 8'], (t) => ds(t) + 12);
    rejectEdit('"offset":16,', '"offset":8,', ['tensor w0: data offset 8 overlaps the previous tensor (which ends at 16)'], (t) => ds(t) + 8);
    rejectEdit('"offset":0,', '"offset":8,', ['tensor b0: data offset 8 leaves a gap after the previous tensor (expected 0)'], (t) => ds(t));
    rejectEdit('"offset":8,', '"offset":16,', ['tensor s: data offset 16 leaves a gap'], (t) => ds(t) + 8);
    // A gap is located where it starts; a bad offset beyond the end of the file at the tensor's table entry.
    rejectEdit('"offset":16,', '"offset":4096,', ['data offset 4096 leaves a gap'], (t) => ds(t) + 16);
    rejectEdit('"offset":16,', '"offset":4,', ['not a multiple of 8'], (t) => ds(t) + 4);
    rejectEdit('"offset":16,', '"offset":100000004,', ['not a multiple of 8'], entryAt('{"dtype":"int8","length":6'));
  });
  it('a zero-size tensor shares its offset with the next one, and may have any other dimensions', () => {
    const { bytes } = edited('"shape":[0,4]', '"shape":[2147483647,0]');
    const m = decodeModel(bytes);
    expect(m.tensors[3]!.shape).toEqual([2147483647, 0]);
    expect(bytesEqual(encodeModel(m), bytes)).toBe(true);
  });
});

describe('data section', () => {
  it('tensor data must lie inside the data section', () => {
    const short = craft({ header: TEXT, data: DATA.subarray(0, 16) });
    expectFormatError(() => decodeModel(short), ['tensor w0: data [16, 24) runs past the end of the data section (16 bytes)'], posIn(TEXT, ENTRY_W0));
    const none = craft({ header: TEXT });
    expectFormatError(() => decodeModel(none), ['tensor b0: data [0, 8) runs past the end of the data section (0 bytes)'], posIn(TEXT, ENTRY_B0));
  });
  it('padding after a tensor must be zero', () => {
    const data = DATA.slice();
    data[8 + 2] = 1; // after s (2 bytes at 8)
    expectFormatError(() => decodeModel(craft({ header: TEXT, data })), ['tensor s: padding byte after its data is not zero'], DATA_START + 10);
    const data2 = DATA.slice();
    data2[23] = 0x80; // after w0 (6 bytes at 16)
    expectFormatError(() => decodeModel(craft({ header: TEXT, data: data2 })), ['tensor w0: padding'], DATA_START + 23);
  });
  it('the data section ends exactly at the trailer', () => {
    for (const extra of [1, 3, 8, 64]) {
      const data = new Uint8Array(DATA.length + extra);
      data.set(DATA);
      expectFormatError(() => decodeModel(craft({ header: TEXT, data })), [`data section has ${extra} bytes after the last tensor`], DATA_START + DATA.length);
    }
    const empty = TEXT.slice(0, TEXT.indexOf('"tensors":') + 10) + '[]}';
    expectFormatError(() => decodeModel(craft({ header: empty, data: new Uint8Array(8) })), ['8 bytes after the last tensor'], align8(12 + empty.length));
    decodeModel(craft({ header: empty }));
  });
});

describe('accepted files are canonical', () => {
  it('a float in the GPT config (lnEps) is written in shortest round-trip form', () => {
    const m: ModelFile = { ...tiny(), config: { arch: 'gpt', vocabSize: 5, contextLength: 8, width: 4, layers: 1, heads: 2, mlpWidth: 16, lnEps: 1e-5 } };
    const file = encodeModel(m);
    expect(headerText(file)).toContain('"lnEps":0.00001,');
    expect(decodeModel(file).config).toEqual(m.config);
    const other = headerText(file).replace('"lnEps":0.00001,', '"lnEps":1e-5,');
    expectFormatError(() => decodeModel(withHeader(file, other)), ['not canonical'], posIn(other, '1e-5'));
  });
});
