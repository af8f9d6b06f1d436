/**
 * A GGUF export broken the way llama converters break them, so that the cross-check against
 * llama.cpp (compare.ts) can show that it notices: llama.cpp's llama rotates adjacent pairs
 * (x[2i], x[2i+1]) of each head, as llama2.c and spml do, while Hugging Face checkpoints store
 * q and k with each head's outputs reordered to rotate halves (x[i], x[i + hs/2]); a converter
 * that applies (or forgets to undo) that reordering writes this.
 */
import type { LlamaConfig } from '../../engine/arch/llama/config.js';
import type { FloatCheckpoint } from '../../engine/format/checkpoint.js';

/** Columns of a row-major [rows, cols] matrix reordered within each head: even outputs first, then odd. */
function halvesLayout(data: Float32Array, rows: number, cols: number, headSize: number): Float32Array {
  const out = new Float32Array(data.length);
  const half = headSize / 2;
  for (let r = 0; r < rows; r++) {
    for (let head = 0; head < cols; head += headSize) {
      for (let k = 0; k < half; k++) {
        out[r * cols + head + k] = data[r * cols + head + 2 * k]!;
        out[r * cols + head + half + k] = data[r * cols + head + 2 * k + 1]!;
      }
    }
  }
  return out;
}

/** The checkpoint with every layer's wq and wk in the rotate-halves layout (see the header). */
export function permuteRotaryHalves(ck: FloatCheckpoint): FloatCheckpoint {
  const cfg = ck.config as LlamaConfig;
  const headSize = cfg.width / cfg.heads;
  const tensors = new Map(ck.tensors);
  for (let l = 0; l < cfg.layers; l++) {
    for (const name of [`h${l}.attn.wq`, `h${l}.attn.wk`]) {
      const t = ck.tensors.get(name)!;
      tensors.set(name, { shape: t.shape, data: halvesLayout(t.data, t.shape[0]!, t.shape[1]!, headSize) });
    }
  }
  return { ...ck, tensors };
}
