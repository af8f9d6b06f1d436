/**
 * Seeded mutations of a file's bytes for the fuzz tests: bit flips, byte overwrites, truncations,
 * insertions, and 64-bit little-endian overwrites with huge or boundary values (GGUF's counts,
 * lengths, dims and offsets are 64-bit).
 */
import { Rng } from '../../tools/data/rng.js';

export function mutate(src: Uint8Array, rng: Rng): { kind: string; bytes: Uint8Array } {
  const b = src.slice();
  const at = rng.int(0, src.length - 1);
  switch (rng.int(0, 4)) {
    case 0: {
      const n = rng.int(1, 4);
      for (let i = 0; i < n; i++) { const p = rng.int(0, b.length - 1); b[p]! ^= 1 << rng.int(0, 7); }
      return { kind: 'bit flip', bytes: b };
    }
    case 1:
      b[at] = rng.int(0, 255);
      return { kind: 'byte overwrite', bytes: b };
    case 2:
      return { kind: 'truncation', bytes: src.slice(0, at) };
    case 3: {
      const ins = Uint8Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 255));
      const out = new Uint8Array(src.length + ins.length);
      out.set(src.subarray(0, at));
      out.set(ins, at);
      out.set(src.subarray(at), at + ins.length);
      return { kind: 'insertion', bytes: out };
    }
    default: {
      // a 64-bit little-endian value overwritten with a huge or boundary number (counts, lengths, dims, offsets)
      const p = rng.int(0, Math.max(0, b.length - 8));
      const vals = [2n ** 60n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 32n, 0n, 1n, BigInt(rng.u32())];
      new DataView(b.buffer).setBigUint64(p, vals[rng.int(0, vals.length - 1)]!, true);
      return { kind: 'u64 overwrite', bytes: b };
    }
  }
}
