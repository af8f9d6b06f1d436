/**
 * The float64 pieces that the architectures' reference forward passes (gpt/float.ts,
 * llama/float.ts) share: weight lookup, the dense layer and causal softmax attention with grouped
 * key/value heads (a GPT is the case kvHeads = heads). These are the plain maths the quantizers
 * calibrate on and the accuracy checks compare with, not part of the integer contract
 * (engine/NUMERICS.md); one copy keeps the two references from drifting apart.
 */

export type FloatWeights = ReadonlyMap<string, { shape: readonly number[]; data: Float32Array | Float64Array }>;

/** Called with each named activation (row-major [T, width]) as a forward pass makes it. */
export type ActivationHook = (point: string, values: Float64Array, width: number) => void;

export function weight(weights: FloatWeights, name: string): Float32Array | Float64Array {
  const t = weights.get(name);
  if (!t) throw new Error(`float weights lack ${name}`);
  return t.data;
}

/** y[T, N] = x[T, K] · W[K, N] (+ b[N]) */
export function linear(x: Float64Array, t: number, k: number, W: ArrayLike<number>, n: number, b?: ArrayLike<number>): Float64Array {
  const y = new Float64Array(t * n);
  for (let i = 0; i < t; i++) {
    const row = y.subarray(i * n, i * n + n);
    if (b) for (let j = 0; j < n; j++) row[j] = b[j]!;
    for (let q = 0; q < k; q++) {
      const a = x[i * k + q]!;
      if (a === 0) continue;
      for (let j = 0; j < n; j++) row[j]! += a * W[q * n + j]!;
    }
  }
  return y;
}

/**
 * Causal softmax attention of q [T, heads·hs] over k, v [T, kvHeads·hs]: query head h reads kv
 * head ⌊h / (heads / kvHeads)⌋, scores scaled by 1/√hs. Returns [T, heads·hs].
 */
export function causalAttention(q: Float64Array, k: Float64Array, v: Float64Array, t: number, heads: number, kvHeads: number, hs: number): Float64Array {
  const C = heads * hs;
  const KV = kvHeads * hs;
  const group = heads / kvHeads;
  const att = new Float64Array(t * C);
  const scores = new Float64Array(t);
  for (let hd = 0; hd < heads; hd++) {
    const kh = Math.floor(hd / group);
    for (let i = 0; i < t; i++) {
      let max = -Infinity;
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let d = 0; d < hs; d++) s += q[i * C + hd * hs + d]! * k[j * KV + kh * hs + d]!;
        scores[j] = s / Math.sqrt(hs);
        if (scores[j]! > max) max = scores[j]!;
      }
      let sum = 0;
      for (let j = 0; j <= i; j++) sum += scores[j] = Math.exp(scores[j]! - max);
      for (let j = 0; j <= i; j++) {
        const pj = scores[j]! / sum;
        for (let d = 0; d < hs; d++) att[i * C + hd * hs + d]! += pj * v[j * KV + kh * hs + d]!;
      }
    }
  }
  return att;
}
