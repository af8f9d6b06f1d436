/**
 * engine/scope.ts and the storage sharing of views: tidy frees what it made and did not return,
 * keep takes a tensor out, and a reshape view keeps its source's storage alive until both are
 * disposed. Also requantize's reuse of validated scales (engine/ops/requantize.ts): only frozen
 * lists are reused, so a caller that edits its own list between calls gets the new scales.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../engine/backend.js';
import { channels } from '../../engine/arch/int_model.js';
import { getBackend, keep, requantize, reshape, tensor, tidy, type Dyadic } from '../../lib/index.js';

/** A cpu-like backend that counts what it frees. */
async function counting(): Promise<{ be: Backend; freed: unknown[] }> {
  const cpu = await getBackend('cpu');
  const freed: unknown[] = [];
  const be: Backend = { name: 'cpu', description: 'counting', upload: (d, x) => cpu.upload(d, x), read: (s, d, n) => cpu.read(s, d, n), readSync: (s, d, n) => cpu.readSync!(s, d, n), dispose: (s) => void freed.push(s) };
  return { be, freed };
}

describe('tensor scopes', () => {
  it('tidy disposes what it made and neither returned nor kept', async () => {
    const { be } = await counting();
    const outside = tensor(be, [1, 2], [2], 'int8');
    let inner!: ReturnType<typeof tensor>;
    let kept!: ReturnType<typeof tensor>;
    const out = tidy(() => {
      inner = tensor(be, [3], [1], 'int8');
      kept = keep(tensor(be, [4], [1], 'int8'));
      return { t: tensor(be, [5], [1], 'int8') };
    });
    expect(inner.isDisposed).toBe(true);
    expect(kept.isDisposed).toBe(false);
    expect(out.t.isDisposed).toBe(false);
    expect(outside.isDisposed).toBe(false);
  });

  it('frees a storage only when the last tensor on it (a reshape view) is disposed', async () => {
    const { be, freed } = await counting();
    const x = tensor(be, [1, 2, 3, 4], [2, 2], 'int8');
    const view = reshape(x, [4]);
    x.dispose();
    expect(freed).toHaveLength(0);
    expect(Array.from(await view.data())).toEqual([1, 2, 3, 4]);
    view.dispose();
    expect(freed).toEqual([x.storage]);
  });
});

describe('requantize scale reuse', () => {
  it('rereads a list the caller changed, and gives a frozen list the same bytes', async () => {
    const cpu = await getBackend('cpu');
    const x = tensor(cpu, [100, -100], [1, 2], 'int32');
    const scales: Dyadic[] = [{ multiplier: 1, shift: 1 }, { multiplier: 1, shift: 1 }];
    expect(Array.from(await requantize(x, scales, 'int32').data())).toEqual([50, -50]);
    scales[1] = { multiplier: 3, shift: 1 };
    expect(Array.from(await requantize(x, scales, 'int32').data())).toEqual([50, -150]);
    const frozen = channels([[1, 1], [3, 1]]);
    expect(Object.isFrozen(frozen)).toBe(true);
    expect(channels([[1, 1], [3, 1]])).not.toBe(frozen); // one list per model quant array
    expect(Array.from(await requantize(x, frozen, 'int32').data())).toEqual([50, -150]);
    expect(Array.from(await requantize(x, frozen, 'int32').data())).toEqual([50, -150]);
  });
});
