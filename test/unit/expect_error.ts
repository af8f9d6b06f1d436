/**
 * Assertions for typed errors: the call must throw (never return a value), and what it throws
 * must be the right SpmlError subclass with the right code, op and message.
 */
import { expect } from 'vitest';
import {
  BackendError,
  DTypeError,
  NoKernelError,
  ParamError,
  ShapeError,
  SpmlError,
  ValueRangeError,
  type SpmlErrorCode,
} from '../../lib/index.js';

export type ErrorClass =
  | typeof ShapeError
  | typeof DTypeError
  | typeof ValueRangeError
  | typeof ParamError
  | typeof NoKernelError
  | typeof BackendError;

export const CODE_OF = new Map<ErrorClass, SpmlErrorCode>([
  [ShapeError, 'SHAPE'],
  [DTypeError, 'DTYPE'],
  [ValueRangeError, 'RANGE'],
  [ParamError, 'PARAM'],
  [NoKernelError, 'NO_KERNEL'],
  [BackendError, 'BACKEND'],
]);

function describeValue(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  return v.constructor?.name ?? 'object';
}

/** What `run` throws synchronously; fails if it returns (a silent result) instead. */
export function thrown(run: () => unknown): unknown {
  let out: unknown;
  try {
    out = run();
  } catch (e) {
    return e;
  }
  if (out instanceof Promise) out.catch(() => undefined);
  throw new Error(`expected a throw, but it returned ${describeValue(out)}`);
}

/** What `run`'s promise rejects with; fails if it resolves instead. */
export async function rejected(run: () => unknown): Promise<unknown> {
  let out: unknown;
  try {
    out = await run();
  } catch (e) {
    return e;
  }
  throw new Error(`expected a rejection, but it resolved to ${describeValue(out)}`);
}

export function expectSpmlError(e: unknown, cls: ErrorClass, op: string, mentions: readonly string[] = []): asserts e is SpmlError {
  if (!(e instanceof SpmlError)) throw new Error(`expected ${cls.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  expect(e, e.message).toBeInstanceOf(cls);
  expect(e.name).toBe(cls.name);
  expect(e.code).toBe(CODE_OF.get(cls));
  expect(e.op).toBe(op);
  expect(e.message.startsWith(`${op}: `)).toBe(true);
  for (const m of mentions) expect(e.message).toContain(m);
}
