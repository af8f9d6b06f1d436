/**
 * Typed errors for every way an input can be wrong (DEVELOPERS.md, "Bad input").
 *
 * Each error names the op it came from and what was wrong, so that a caller can both
 * show a useful message and branch on `code` without parsing text.
 */

export type SpmlErrorCode =
  | 'SHAPE' // a shape is wrong for the op, or two shapes disagree
  | 'DTYPE' // a tensor has a dtype the op does not take
  | 'RANGE' // a value (data or parameter) is outside the range the spec allows
  | 'PARAM' // a parameter is missing, malformed, or of the wrong kind
  | 'NO_KERNEL' // no kernel for this op is registered on the backend
  | 'BACKEND' // a backend is unknown, cannot start, or tensors come from different backends
  | 'FORMAT' // a model file breaks docs/MODEL_FORMAT.md (or a model cannot be written in it)
  | 'PROTOCOL' // a protocol message or protocol parameter is rejected (protocol/errors.ts)
  | 'LEDGER' // a ledger operation would break a balance rule or the conservation invariant
  | 'TRANSPORT'; // a call to another node brought no reply: timeout, unreachable, dropped (protocol/transport)

export class SpmlError extends Error {
  readonly code: SpmlErrorCode;
  /** The op or function that rejected the input, e.g. `matmul`. */
  readonly op: string;

  constructor(code: SpmlErrorCode, op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = new.target.name;
    this.code = code;
    this.op = op;
  }
}

export class ShapeError extends SpmlError {
  constructor(op: string, message: string) {
    super('SHAPE', op, message);
  }
}

export class DTypeError extends SpmlError {
  constructor(op: string, message: string) {
    super('DTYPE', op, message);
  }
}

export class ValueRangeError extends SpmlError {
  constructor(op: string, message: string) {
    super('RANGE', op, message);
  }
}


export class ParamError extends SpmlError {
  constructor(op: string, message: string) {
    super('PARAM', op, message);
  }
}

export class NoKernelError extends SpmlError {
  constructor(op: string, backend: string) {
    super('NO_KERNEL', op, `no kernel '${op}' is registered for backend '${backend}'`);
  }
}

export class BackendError extends SpmlError {
  constructor(op: string, message: string) {
    super('BACKEND', op, message);
  }
}

/**
 * A model file (or an in-memory model about to be written) breaks docs/MODEL_FORMAT.md.
 * `offset` is the byte position in the file where the problem is, when known; `reason` is the
 * message without the op prefix and the position.
 */
export class ModelFormatError extends SpmlError {
  readonly offset?: number;
  readonly reason: string;

  constructor(message: string, offset?: number, op = 'loadModel') {
    super('FORMAT', op, offset === undefined ? message : `${message} (at byte ${offset})`);
    this.offset = offset;
    this.reason = message;
  }
}
