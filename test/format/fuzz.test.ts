/**
 * Seeded mutation fuzzing of the model loader (docs/MODEL_FORMAT.md, "What the loader checks").
 *
 * A realistic GPT-like file (about 70 tensors, 250 KB, a 40 KB header) is mutated in many ways:
 * bit flips, byte changes, truncations, insertions, duplicated and deleted ranges, appended
 * bytes (all with the original trailer, so the checksum should catch them), and preamble edits,
 * header-length edits, textual and structural JSON edits and binary edits with the trailer
 * recomputed (so that the structural checks must catch them). Every case must either
 *   - throw ModelFormatError (with an offset inside the file, if any), or
 *   - decode to a model whose re-encoding is byte-identical to the mutated file. If the trailer
 *     was not recomputed, that file must be the original (the mutation was a no-op); with a
 *     recomputed trailer it may be a different, valid, canonical file (say a changed weight
 *     byte or quant integer: the checksum is integrity, not authentication).
 * Any other exception, a slow case, or an accepted file that is not the canonical encoding of
 * what it decodes to fails the test. Counts by mutation kind and rejection reason are printed.
 */
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../engine/errors.js';
import { canonicalJson } from '../../engine/format/canonical_json.js';
import { decodeModel, encodeModel, type ModelFile } from '../../engine/format/format.js';
import { Rng } from '../../tools/data/rng.js';
import { align8, bytesEqual, dataSection, gptLikeModel, headerLength, headerText, resign, withHeader } from './helpers.js';

const CASES = 10_000;
const SLOW_MS = 1000;

const MODEL = gptLikeModel();
const ORIGINAL = encodeModel(MODEL);
const TEXT = headerText(ORIGINAL);
const H = headerLength(ORIGINAL);
const DATA_START = align8(12 + H);
const TABLE_AT = TEXT.indexOf('"tensors":');

interface Mutation {
  kind: string;
  bytes: Uint8Array;
  /** The trailer was recomputed after the edit. */
  resigned: boolean;
}

const REASONS: [string, RegExp][] = [
  ['too short', /shorter than/],
  ['bad magic', /bad magic/],
  ['version', /format version/],
  ['flags', /^flags/],
  ['header length', /^header length/],
  ['checksum', /checksum mismatch/],
  ['header padding', /^header padding/],
  ['header not UTF-8', /UTF-8/],
  ['header not JSON', /not valid JSON/],
  ['header not canonical', /not canonical/],
  ['header value not representable', /^header: /],
  ['header keys', /^header (keys|is not a JSON object)/],
  ['config', /^config/],
  ['quant', /^quant/],
  ['meta', /^meta/],
  ['table: entry', /^tensors(\[\d+\])?: (not|keys)|tensors exceed/],
  ['table: name/order', /name must be|duplicate name|canonical order|lone surrogate/],
  ['table: dtype', /unknown dtype/],
  ['table: length', /: length .* bytes, but shape/],
  ['table: shape', /shape|rank/],
  ['table: offset value', /offset .* is not a non-negative integer/],
  ['data: misaligned', /not a multiple of 8/],
  ['data: overlap', /overlaps the previous tensor/],
  ['data: gap', /leaves a gap/],
  ['data: out of bounds', /runs past the end of the data section/],
  ['data: tensor padding', /padding byte after its data/],
  ['data: trailing bytes', /after the last tensor/],
  ['re-encoding differs', /canonical encoding|re-encoding/],
];

const classify = (reason: string) => REASONS.find(([, re]) => re.test(reason))?.[0] ?? `other: ${reason.slice(0, 60)}`;

const splice = (b: Uint8Array, at: number, del: number, ins: Uint8Array = new Uint8Array(0)) => {
  const out = new Uint8Array(b.length - del + ins.length);
  out.set(b.subarray(0, at), 0);
  out.set(ins, at);
  out.set(b.subarray(at + del), at + ins.length);
  return out;
};

const JSON_CHARS = [...' {}[]:,"0123456789-+.eE\\/abcdefghijklmnopqrstuvwxyz', 'é', '😀', '\u0000', '\t', '\n', '\ufeff', '\ud800'];

function randomBytes(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.int(0, 255));
}

/** A position biased towards the interesting parts: preamble, tensor table, padding, tails. */
function position(rng: Rng, n: number): number {
  switch (rng.int(0, 5)) {
    case 0:
      return rng.int(0, Math.min(n - 1, 15));
    case 1:
      return rng.int(Math.min(n - 1, 12 + TABLE_AT), Math.min(n - 1, DATA_START + 64));
    case 2:
      return rng.int(Math.max(0, n - 64), n - 1);
    default:
      return rng.int(0, n - 1);
  }
}

function binaryEdit(rng: Rng, b: Uint8Array): { kind: string; bytes: Uint8Array } {
  const n = b.length;
  switch (rng.int(0, 6)) {
    case 0: {
      const out = b.slice();
      for (let k = rng.int(1, 8); k > 0; k--) out[position(rng, n)]! ^= 1 << rng.int(0, 7);
      return { kind: 'bit flips', bytes: out };
    }
    case 1: {
      const out = b.slice();
      for (let k = rng.int(1, 4); k > 0; k--) out[position(rng, n)] = rng.int(0, 255);
      return { kind: 'byte changes', bytes: out };
    }
    case 2:
      return { kind: 'truncation', bytes: b.slice(0, rng.int(0, 3) === 0 ? rng.int(0, 64) : position(rng, n)) };
    case 3:
      return { kind: 'insertion', bytes: splice(b, position(rng, n), 0, randomBytes(rng, rng.int(1, rng.int(0, 1) ? 8 : 64))) };
    case 4: {
      const at = position(rng, n);
      const len = rng.int(1, Math.min(n - at, rng.int(0, 1) ? 8 : 4096));
      return { kind: 'duplicated range', bytes: splice(b, rng.int(0, n), 0, b.slice(at, at + len)) };
    }
    case 5: {
      const at = position(rng, n);
      return { kind: 'deleted range', bytes: splice(b, at, rng.int(1, Math.min(n - at, rng.int(0, 1) ? 8 : 4096))) };
    }
    default: {
      const tail = rng.int(0, 1) ? new Uint8Array(rng.int(1, 16)) : randomBytes(rng, rng.int(1, 16));
      return { kind: 'appended bytes', bytes: splice(b, n, 0, tail) };
    }
  }
}

function textEdit(rng: Rng): { kind: string; text: string } {
  const t = TEXT;
  const at = rng.int(0, 1) ? rng.int(TABLE_AT, t.length - 1) : rng.int(0, t.length - 1);
  const ch = () => JSON_CHARS[rng.int(0, JSON_CHARS.length - 1)]!;
  switch (rng.int(0, 5)) {
    case 0:
      return { kind: 'json: char replaced', text: t.slice(0, at) + ch() + t.slice(at + 1) };
    case 1:
      return { kind: 'json: char deleted', text: t.slice(0, at) + t.slice(at + 1) };
    case 2:
      return { kind: 'json: char inserted', text: t.slice(0, at) + ch() + t.slice(at) };
    case 3: {
      // change one digit somewhere: quant integers, shapes, offsets, lengths
      let i = at;
      while (i < t.length && !/[0-9]/.test(t[i]!)) i++;
      if (i >= t.length) i = t.search(/[0-9]/);
      return { kind: 'json: digit changed', text: t.slice(0, i) + String(rng.int(0, 9)) + t.slice(i + 1) };
    }
    case 4: {
      const ws = [' ', '\n', '\t', '\r'][rng.int(0, 3)]!;
      const i = t.indexOf(rng.int(0, 1) ? ',' : ':', at);
      const j = i < 0 ? at : i + 1;
      return { kind: 'json: whitespace', text: t.slice(0, j) + ws + t.slice(j) };
    }
    default: {
      // numbers in another (equal-valued) form
      const m = /[0-9]+/g;
      m.lastIndex = at;
      const hit = m.exec(t) ?? m.exec(t);
      if (!hit) return { kind: 'json: number form', text: t };
      const forms = [`${hit[0]}.0`, `${hit[0]}e0`, `0${hit[0]}`, `${Number(hit[0]) + 0.5}`, `-${hit[0]}`, `${hit[0]}E+0`];
      return { kind: 'json: number form', text: t.slice(0, hit.index) + forms[rng.int(0, forms.length - 1)] + t.slice(hit.index + hit[0].length) };
    }
  }
}

type Header = { config: Record<string, unknown>; meta: Record<string, unknown>; quant: Record<string, unknown>; tensors: Record<string, unknown>[] } & Record<string, unknown>;

/** A semantic edit of the header, re-serialized canonically, so that only the meaning is wrong. */
function structuralEdit(rng: Rng): { kind: string; text: string } {
  const h = JSON.parse(TEXT) as Header;
  const ts = h.tensors;
  const i = rng.int(0, ts.length - 1);
  const e = ts[i]!;
  const j = rng.int(0, ts.length - 1);
  const k = (s: string) => `json+: ${s}`;
  switch (rng.int(0, 13)) {
    case 0:
      [ts[i], ts[j]] = [ts[j]!, ts[i]!];
      return { kind: k('entries swapped'), text: canonicalJson(h) };
    case 1:
      ts.splice(i, 0, { ...e });
      return { kind: k('entry duplicated'), text: canonicalJson(h) };
    case 2:
      ts.splice(i, 1);
      return { kind: k('entry deleted'), text: canonicalJson(h) };
    case 3:
      e.dtype = ['int8', 'int16', 'int32', 'uint8', 'float32', 8][rng.int(0, 5)];
      return { kind: k('dtype changed'), text: canonicalJson(h) };
    case 4: {
      const shape = e.shape as number[];
      if (shape.length > 0 && rng.int(0, 2) > 0) shape[rng.int(0, shape.length - 1)]! += rng.int(0, 1) ? 1 : -1;
      else if (rng.int(0, 1)) shape.push(1);
      else shape.pop();
      return { kind: k('shape changed'), text: canonicalJson(h) };
    }
    case 5:
      e.offset = (e.offset as number) + [8, -8, 1, -1, 4, 1 << 20][rng.int(0, 5)]!;
      return { kind: k('offset changed'), text: canonicalJson(h) };
    case 6:
      e.length = (e.length as number) + [1, -1, 8, -8][rng.int(0, 3)]!;
      return { kind: k('length changed'), text: canonicalJson(h) };
    case 7:
      e.name = rng.int(0, 1) ? ts[j]!.name : `${e.name as string}${['', 'x', '\u0000', '😀'][rng.int(0, 3)]}`;
      return { kind: k('name changed'), text: canonicalJson(h) };
    case 8: {
      const layer = (h.quant.layers as Record<string, unknown>[])[rng.int(0, 3)]!;
      const q = layer.q as number[][];
      q[rng.int(0, q.length - 1)]![rng.int(0, 1)] = [0.5, 1e-7, 2 ** 53, 1.5e300][rng.int(0, 3)]!;
      return { kind: k('float in quant'), text: canonicalJson(h) };
    }
    case 9: {
      const where = [h.meta, h.quant, h.config, e, h][rng.int(0, 4)]!;
      where[['extra', 'zz', 'name', 'vocab', 'arch'][rng.int(0, 4)]!] = [null, 1.5, 'x', 7, [], {}][rng.int(0, 5)];
      return { kind: k('key added or changed'), text: canonicalJson(h) };
    }
    case 10: {
      const where = [h.meta, h.config, e, h][rng.int(0, 3)]!;
      const keys = Object.keys(where);
      delete where[keys[rng.int(0, keys.length - 1)]!];
      return { kind: k('key removed'), text: canonicalJson(h) };
    }
    case 11:
      h.config[['layers', 'width', 'heads', 'vocabSize', 'lnEps'][rng.int(0, 4)]!] = [0, -1, 3, 1e-9, 65537, '4'][rng.int(0, 5)];
      return { kind: k('config value changed'), text: canonicalJson(h) };
    case 12: {
      const q = h.quant.head as number[][];
      q[rng.int(0, q.length - 1)]![0] = rng.int(0, 2 ** 31 - 1);
      return { kind: k('quant integer changed'), text: canonicalJson(h) };
    }
    default:
      return { kind: k('re-serialized unchanged'), text: canonicalJson(h) };
  }
}

function mutate(rng: Rng): Mutation {
  const r = rng.int(0, 99);
  if (r < 45) {
    const { kind, bytes } = binaryEdit(rng, ORIGINAL);
    return { kind, bytes, resigned: false };
  }
  if (r < 52) {
    const out = ORIGINAL.slice();
    out[rng.int(0, 11)] = rng.int(0, 1) ? rng.int(0, 255) : out[rng.int(0, 11)]!;
    return { kind: 'preamble byte (re-signed)', bytes: resign(out), resigned: true };
  }
  if (r < 60) {
    const out = ORIGINAL.slice();
    const deltas = [1, -1, 2, -2, 7, -7, 8, -8, 9, -9, 64, -64];
    const v = rng.int(0, 3) === 0 ? rng.int(0, 2 ** 32 - 1) : Math.max(0, H + deltas[rng.int(0, deltas.length - 1)]!);
    new DataView(out.buffer).setUint32(8, v, true);
    return { kind: 'header length (re-signed)', bytes: resign(out), resigned: true };
  }
  if (r < 74) {
    const { kind, text } = textEdit(rng);
    return { kind, bytes: withHeader(ORIGINAL, text), resigned: true };
  }
  if (r < 88) {
    const { kind, text } = structuralEdit(rng);
    return { kind, bytes: withHeader(ORIGINAL, text), resigned: true };
  }
  if (r < 99) {
    const { kind, bytes } = binaryEdit(rng, ORIGINAL);
    return { kind: `${kind} (re-signed)`, bytes: resign(bytes), resigned: true };
  }
  return { kind: 'identity', bytes: ORIGINAL.slice(), resigned: false };
}

/** What an accepted, changed file changed. */
function changedParts(m: ModelFile, mut: Uint8Array): string {
  const parts: string[] = [];
  if (headerText(mut) !== TEXT) {
    if (canonicalJson(m.config) !== canonicalJson(MODEL.config)) parts.push('config');
    if (canonicalJson(m.meta) !== canonicalJson(MODEL.meta)) parts.push('meta');
    if (canonicalJson(m.quant) !== canonicalJson(MODEL.quant)) parts.push('quant');
    const table = (f: ModelFile) => canonicalJson(f.tensors.map((t) => [t.name, t.dtype, t.shape]));
    if (table(m) !== table(MODEL)) parts.push('tensor table');
  }
  if (!bytesEqual(dataSection(mut), dataSection(ORIGINAL))) parts.push('tensor data');
  return parts.join('+') || 'nothing?';
}

describe('loader fuzz', () => {
  it(`${CASES} seeded mutations of a GPT-like file: rejected with ModelFormatError or canonical`, () => {
    expect(MODEL.tensors.length).toBeGreaterThanOrEqual(60);
    expect(ORIGINAL.length).toBeGreaterThan(200_000);
    const rng = new Rng(0x5eed_f11e);
    const byKind = new Map<string, { rejected: number; acceptedSame: number; acceptedOther: number }>();
    const reasons = new Map<string, number>();
    const acceptedWhat = new Map<string, number>();
    const failures: string[] = [];
    let slowest = 0;
    let mutateMs = 0;
    let decodeMs = 0;
    const started = performance.now();
    for (let c = 0; c < CASES; c++) {
      const m0 = performance.now();
      const mut = mutate(rng);
      mutateMs += performance.now() - m0;
      const row = byKind.get(mut.kind) ?? { rejected: 0, acceptedSame: 0, acceptedOther: 0 };
      byKind.set(mut.kind, row);
      const fail = (msg: string) => failures.push(`case ${c} (${mut.kind}): ${msg}`);
      let model: ModelFile | undefined;
      let error: unknown;
      const t0 = performance.now();
      try {
        model = decodeModel(mut.bytes);
      } catch (e) {
        error = e;
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      decodeMs += ms;
      if (ms > SLOW_MS) fail(`took ${ms.toFixed(0)} ms`);
      if (error !== undefined) {
        if (!(error instanceof ModelFormatError)) {
          fail(`threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
          continue;
        }
        if (error.offset !== undefined && !(Number.isInteger(error.offset) && error.offset >= 0 && error.offset <= mut.bytes.length)) {
          fail(`offset ${error.offset} outside the file (${mut.bytes.length} bytes): ${error.message}`);
        }
        row.rejected++;
        const cls = classify(error.reason);
        reasons.set(cls, (reasons.get(cls) ?? 0) + 1);
        continue;
      }
      const again = encodeModel(model!);
      if (!bytesEqual(again, mut.bytes)) {
        fail('accepted a file that is not the canonical encoding of what it decodes to');
        continue;
      }
      if (bytesEqual(mut.bytes, ORIGINAL)) {
        row.acceptedSame++;
      } else if (!mut.resigned) {
        fail('accepted a changed file whose trailer was not recomputed');
      } else {
        row.acceptedOther++;
        const what = changedParts(model!, mut.bytes);
        acceptedWhat.set(what, (acceptedWhat.get(what) ?? 0) + 1);
      }
    }
    const seconds = (performance.now() - started) / 1000;

    const total = [...byKind.values()].reduce((a, r) => ({ rejected: a.rejected + r.rejected, same: a.same + r.acceptedSame, other: a.other + r.acceptedOther }), { rejected: 0, same: 0, other: 0 });
    const lines = [
      `loader fuzz: ${CASES} cases on a ${ORIGINAL.length}-byte file (${MODEL.tensors.length} tensors, header ${H} bytes) in ${seconds.toFixed(1)} s (making mutations ${(mutateMs / 1000).toFixed(1)} s, decoding ${(decodeMs / 1000).toFixed(1)} s), slowest decode ${slowest.toFixed(1)} ms`,
      `  rejected ${total.rejected}, accepted as the original (no-op) ${total.same}, accepted as another valid file (re-signed edits) ${total.other}`,
      '  by mutation kind (rejected / accepted no-op / accepted other):',
      ...[...byKind.entries()].sort().map(([k, r]) => `    ${k.padEnd(34)} ${String(r.rejected).padStart(5)} / ${String(r.acceptedSame).padStart(4)} / ${String(r.acceptedOther).padStart(4)}`),
      '  rejections by reason:',
      ...[...reasons.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `    ${k.padEnd(34)} ${String(v).padStart(5)}`),
      '  accepted other files changed:',
      ...[...acceptedWhat.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `    ${k.padEnd(34)} ${String(v).padStart(5)}`),
    ];
    console.log(lines.join('\n'));

    expect(failures.slice(0, 20), failures.slice(0, 20).join('\n')).toEqual([]);
    // The fuzz reaches deep: most reason classes are hit, and every mutation kind is rejected somewhere.
    expect(reasons.size).toBeGreaterThanOrEqual(20);
    expect([...reasons.keys()].filter((k) => k.startsWith('other'))).toEqual([]);
    const alwaysValid = ['identity', 'json+: re-serialized unchanged', 'json+: quant integer changed'];
    for (const [k, r] of byKind) if (!alwaysValid.includes(k)) expect(r.rejected, k).toBeGreaterThan(0);
    expect(total.same).toBeGreaterThan(0);
  });
});
