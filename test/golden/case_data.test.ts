/**
 * The golden vectors as data (engine/NUMERICS.md §18.2): cases.json must hold exactly the cases
 * whose hashes golden.json pins, with the inputs and attributes test/conformance/cases.ts
 * generates, and its expected outputs must hash to golden.json's pinned values. Then the cpu
 * backend, reached through the package entry point and the public op API, must reproduce every
 * expected output from the file's own inputs byte for byte. The last block shows the comparison
 * is live: one changed expected element is reported as a mismatch.
 */
import { describe, expect, it } from 'vitest';
import { getBackend, type Backend } from '../../lib/index.js';
import { CASES, runCase, type TensorData } from '../conformance/cases.js';
import { compareOutputs, outputHash } from '../conformance/compare.js';
import { INLINE_MAX, decodeCase, encodeAttrs, encodeOutput, readCases, type CaseJson } from './case_data.js';
import { REGENERATE, numericsVersion, readGolden } from './vectors.js';

const file = readCases();
const golden = readGolden();
const generated = new Map(CASES.map((c) => [c.name, c]));
const cpu = (): Promise<Backend> => getBackend('cpu');

/** The same integers, dtype and shape (the typed arrays are compared element by element). */
const sameTensor = (a: TensorData, b: TensorData) =>
  a.dtype === b.dtype &&
  a.shape.length === b.shape.length &&
  a.shape.every((d, i) => d === b.shape[i]) &&
  a.data.length === b.data.length &&
  a.data.every((v, i) => v === b.data[i]);

describe('cases.json', () => {
  it('was generated under the numerics version stated in engine/NUMERICS.md', () => {
    expect(file.numericsVersion, REGENERATE).toBe(numericsVersion());
  });

  it('holds exactly the cases golden.json pins, in the same order', () => {
    expect(file.cases.map((c) => c.name)).toEqual(golden.vectors.map((v) => v.name));
  });

  it("each expected output hashes to golden.json's pinned hash, with its op, dtype and shape", () => {
    const wrong: string[] = [];
    file.cases.forEach((j, i) => {
      const want = golden.vectors[i]!;
      const { expected } = decodeCase(j);
      const ok =
        outputHash(expected) === want.outputHash &&
        j.output.sha256 === want.outputHash &&
        expected.dtype === want.dtype &&
        expected.shape.join() === want.shape.join() &&
        j.op === want.op;
      if (!ok) wrong.push(j.name);
    });
    expect(wrong, `cases.json outputs that disagree with golden.json. ${REGENERATE}`).toEqual([]);
  });

  it('each case has the inputs and attributes test/conformance/cases.ts generates', () => {
    const wrong: string[] = [];
    for (const j of file.cases) {
      const c = generated.get(j.name);
      const { c: d } = decodeCase(j);
      const ok =
        c !== undefined &&
        c.op === j.op &&
        c.kind === j.kind &&
        JSON.stringify(encodeAttrs(c)) === JSON.stringify(j.attrs) &&
        c.inputs.length === d.inputs.length &&
        c.inputs.every((t, i) => sameTensor(t, d.inputs[i]!));
      if (!ok) wrong.push(j.name);
    }
    expect(wrong, `cases.json no longer matches the generated cases. ${REGENERATE}`).toEqual([]);
  });

  it('uses both tensor encodings, exactly one per tensor', () => {
    const tensors = file.cases.flatMap((j) => [...j.inputs, j.output]);
    expect(tensors.some((t) => t.values !== undefined)).toBe(true);
    expect(tensors.some((t) => t.zlib !== undefined)).toBe(true);
    expect(tensors.every((t) => (t.values === undefined) !== (t.zlib === undefined))).toBe(true);
  });
});

describe('cpu reproduces every case of cases.json byte for byte', () => {
  it.each(file.cases.map((j) => [j.name, j] as const))('%s', async (name, j) => {
    const { c, expected } = decodeCase(j);
    const actual = await runCase(c, await cpu());
    expect(compareOutputs(name, actual, expected)?.message, REGENERATE).toBeUndefined();
    expect(outputHash(actual)).toBe(j.output.sha256);
  });
});

describe('a changed expected value fails the comparison', () => {
  /** Run `j` on cpu against its expected output with element `index` moved by one. */
  async function flipped(j: CaseJson, index: number) {
    const { c, expected } = decodeCase(j);
    const data = expected.data.slice();
    data[index] = data[index]! === 0 ? 1 : data[index]! - Math.sign(data[index]!);
    // Through the file's own encoding, so the decoder is part of what is shown to fail.
    const edited: CaseJson = { ...j, output: encodeOutput({ ...expected, data }) };
    const { expected: wrong } = decodeCase(edited);
    const actual = await runCase(c, await cpu());
    return { mismatch: compareOutputs(j.name, actual, wrong), before: expected.data[index]!, after: data[index]!, edited };
  }

  it('an inline expected value', async () => {
    const j = file.cases.find((x) => x.output.values !== undefined && x.output.values.length > 3)!;
    const r = await flipped(j, 3);
    expect(r.edited.output.values).toBeDefined();
    expect(r.mismatch).toMatchObject({ what: 'data', index: 3, expected: r.after, actual: r.before, count: 1 });
    expect(r.edited.output.sha256).not.toBe(j.output.sha256);
  });

  it('a zlib-encoded expected value', async () => {
    const j = file.cases.find((x) => x.output.zlib !== undefined && x.op === 'softmax')!;
    const index = INLINE_MAX + 7;
    const r = await flipped(j, index);
    expect(r.edited.output.zlib).toBeDefined();
    expect(r.mismatch).toMatchObject({ what: 'data', index, expected: r.after, actual: r.before, count: 1 });
  });
});
