/** Exact comparison of backend output with an oracle, reporting the first mismatching index. */
import { expect } from 'vitest';

export function expectExact(label: string, actual: ArrayLike<number | bigint>, expected: ArrayLike<number | bigint>): void {
  expect(`${label}: length ${actual.length}`).toBe(`${label}: length ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = BigInt(actual[i]!);
    const e = BigInt(expected[i]!);
    if (a !== e) {
      // Fails with the index, the actual and the expected value in the message.
      expect(`${label}[${i}] = ${a}`).toBe(`${label}[${i}] = ${e}`);
    }
  }
}

/** Expect `fn` to throw an spml error with the given code. */
export function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error to be thrown').toBeInstanceOf(Error);
  expect((caught as { code?: string }).code).toBe(code);
}
