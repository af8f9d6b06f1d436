/**
 * Temperature in user terms (engine/generate.ts, temperatureRange): a temperature whose sampling
 * scale s_logit·K/t (NUMERICS.md §20.4) dyadicFromReal cannot represent ([2^-32, 2^31), §1.2) is
 * refused with the range the model supports, not with the scale's 60 digits; the range is exact
 * to the binary64, and valid temperatures give the same bytes as before.
 */
import { Decimal } from 'decimal.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate, loadModel, type SpmlModel } from '../../lib/index.js';
import { ParamError } from '../../engine/errors.js';
import { temperatureRange } from '../../engine/generate.js';
import { dyadicToDecimal } from '../../engine/quant.js';

let model: SpmlModel;
beforeAll(async () => {
  model = await loadModel('moby-gpt');
});
const logitScale = () => {
  if (model.task !== 'generate') throw new Error('moby-gpt is a language model');
  return model.runtime.logitScale;
};
const adjacent = (x: number, dir: 1 | -1) => {
  const f = new Float64Array([x]);
  new BigInt64Array(f.buffer)[0]! += BigInt(dir);
  return f[0]!;
};
const run = (temperature: number) => generate(model, 'a', { maxTokens: 2, temperature });

describe('temperature range', () => {
  it('is s_logit·K/2^31 .. s_logit·K·2^32, exact to the binary64', async () => {
    const { min, max } = temperatureRange(logitScale());
    const sK = dyadicToDecimal(logitScale()).times(new Decimal(256).div(Decimal.ln(2)));
    expect(min / sK.div(2 ** 31).toNumber()).toBeCloseTo(1, 14);
    expect(max / sK.times(2 ** 32).toNumber()).toBeCloseTo(1, 14);
    await expect(run(min)).resolves.toHaveProperty('tokens');
    await expect(run(max)).resolves.toHaveProperty('tokens');
    await expect(run(adjacent(min, -1))).rejects.toThrow(ParamError);
    await expect(run(adjacent(max, 1))).rejects.toThrow(ParamError);
  });

  it.each([1e-30, 1e-13, 1e7, 1e300])('temperature %s is refused with the range, in user terms', async (t) => {
    const err = await run(t).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ParamError);
    expect((err as Error).message).toBe(`generate: temperature ${t} is outside the range this model supports, [1.5e-13, 1.3e6] (or 0 for greedy)`);
  });

  it('the printed bounds are themselves accepted', async () => {
    await expect(run(1.5e-13)).resolves.toHaveProperty('tokens');
    await expect(run(1.3e6)).resolves.toHaveProperty('tokens');
  });

  it('valid temperatures give the same bytes as before: the demo run', async () => {
    const r = await generate(model, 'Call me Ishmael. ', { maxTokens: 80, temperature: 0.8, seed: 42n });
    expect(r.outputHash).toBe('012c77ca50260cadae04bff458adaa85c853f98e5ce75aea1352af3931d6e5f0');
    expect(r.traceRoot).toBe('5508bff5d188c6de91cecc9adc801041a9902c21d157c6e743433050222cad89');
  });
});
