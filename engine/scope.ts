/**
 * Tensor scopes, after tfjs-core's `tidy`: every tensor made inside `tidy(fn)` is disposed when
 * fn returns, except the tensors fn returns and those passed to `keep`. A backend whose memory
 * the garbage collector cannot see (WebAssembly linear memory, GPU buffers) relies on this to
 * stay bounded over a long generation; on host-memory backends disposing is free.
 */
import type { Tensor } from './tensor.js';

const scopes: Set<Tensor>[] = [];

/** Called by every new tensor: it belongs to the innermost open scope, if any. */
export function track(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Take `t` out of every open scope: it outlives them, and its owner disposes it. */
export function keep<T extends Tensor | undefined>(t: T): T {
  if (t) for (const s of scopes) s.delete(t);
  return t;
}

function returned(x: unknown, into: Set<Tensor>): void {
  if (x === null || typeof x !== 'object') return;
  if ('dispose' in x && 'storage' in x) into.add(x as Tensor);
  else if (Array.isArray(x)) for (const v of x) returned(v, into);
  else for (const v of Object.values(x)) returned(v, into);
}

/** Run fn; dispose the tensors it made that it neither returns nor keeps. */
export function tidy<T>(fn: () => T): T {
  const made = new Set<Tensor>();
  scopes.push(made);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const out = new Set<Tensor>();
  returned(result, out);
  for (const t of made) {
    if (out.has(t)) track(t); // the caller's scope owns it now
    else t.dispose();
  }
  return result;
}
