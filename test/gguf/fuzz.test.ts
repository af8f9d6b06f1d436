/**
 * Seeded mutation fuzzing of the GGUF reader: 10^4 mutations (bit flips, byte overwrites,
 * truncations, insertions, 64-bit count/length overwrites) of a small valid file that the test
 * writes. Every case must throw a GgufError or decode (and then floats() of every tensor must
 * return or throw a GgufError). Any other exception, or a slow case, fails the test. Counts by
 * mutation and by error kind are printed.
 */
import { describe, expect, it } from 'vitest';
import { decodeGguf, encodeGguf, GgufError } from '../../engine/format/gguf.js';
import { Rng } from '../../tools/data/rng.js';
import { mutate } from './mutate.js';

const CASES = 10_000;

function original(): Uint8Array {
  const rng = new Rng(7);
  const data = (n: number) => Float32Array.from({ length: n }, () => rng.float() * 2 - 1);
  return encodeGguf({
    metadata: [
      ['general.architecture', { type: 'string', value: 'llama' }],
      ['llama.block_count', { type: 'u32', value: 1 }],
      ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: Math.fround(1e-5) }],
      ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: ['<s>', 'a', 'b'] }],
      ['tokenizer.ggml.scores', { type: 'array', itemType: 'f32', value: [0, -1, -2] }],
      ['t.flag', { type: 'bool', value: false }],
      ['t.big', { type: 'i64', value: -5n }],
      ['t.nested', { type: 'array', itemType: 'array', value: [{ type: 'array', itemType: 'u16', value: [1, 2] }] }],
    ],
    tensors: [
      { name: 'token_embd.weight', shape: [3, 32], type: 'Q8_0', data: data(96) },
      { name: 'output_norm.weight', shape: [32], type: 'F32', data: data(32) },
    ],
  });
}

describe('GGUF reader fuzz', () => {
  it(`${CASES} seeded mutations: only GgufErrors, no hangs`, () => {
    const src = original();
    decodeGguf(src); // the original is valid
    const rng = new Rng(2026);
    const byKind = new Map<string, number>();
    const byMutation = new Map<string, number>();
    const untyped: string[] = [];
    let accepted = 0;
    let maxMs = 0;
    const t0 = performance.now();
    for (let i = 0; i < CASES; i++) {
      const { kind, bytes } = mutate(src, rng);
      byMutation.set(kind, (byMutation.get(kind) ?? 0) + 1);
      const s = performance.now();
      try {
        const file = decodeGguf(bytes);
        for (const t of file.tensors) {
          try { t.floats(); } catch (e) { if (!(e instanceof GgufError)) throw e; }
        }
        accepted++;
      } catch (e) {
        if (e instanceof GgufError) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
        else untyped.push(`case ${i} (${kind}): ${String(e)}`);
      }
      maxMs = Math.max(maxMs, performance.now() - s);
    }
    const total = performance.now() - t0;
    console.log(`GGUF fuzz: ${CASES} mutations of a ${src.length}-byte file in ${total.toFixed(0)} ms (max ${maxMs.toFixed(2)} ms per file)`);
    console.log(`  mutations: ${JSON.stringify(Object.fromEntries(byMutation))}`);
    console.log(`  accepted: ${accepted}; typed errors by kind: ${JSON.stringify(Object.fromEntries([...byKind].sort((a, b) => b[1] - a[1])))}`);
    expect(untyped.slice(0, 5)).toEqual([]);
    expect(maxMs).toBeLessThan(200);
    expect(total).toBeLessThan(20_000);
  }, 30_000);
});
