/** What the transport tests share: the TransportError a call must end in. */
import { expect } from 'vitest';
import { TransportError } from '../../protocol/transport/transport.js';

/** The TransportError `call` ends in; fails the test when it succeeds or throws anything else. */
export async function transportError(call: Promise<unknown>): Promise<TransportError> {
  const e = await call.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TransportError);
  return e as TransportError;
}
