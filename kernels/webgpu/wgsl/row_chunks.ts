/**
 * Row chunking shared by the webgpu row reductions (softmax.ts, sample.ts): llvmpipe ends an
 * invocation's loops after about 65535 iterations in all (engine/NUMERICS.md §16.3), so rows (up
 * to 2^16 entries) are split into chunks of ROW_CHUNK, each reduced by its own invocation, and
 * the chunk results are combined in a further pass.
 */

export const ROW_CHUNK = 4096;

// Row chunk reductions. P: n, len, chunks, chunkLen, (m, shift). Invocation i = row·chunks + ch.
export const CHUNK_HEAD = `  let len = P[1];
  let chunks = P[2];
  let rowStart = (i / chunks) * len;
  let j0 = (i % chunks) * P[3];
  let j1 = min(j0 + P[3], len);`;
