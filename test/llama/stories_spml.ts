/**
 * stories260K as `.spml` bytes: the checkpoint quantized in the test (int_llama.ts) and written
 * by the llama plug-in's own encoder, memoized per process, so the cross-backend and browser
 * checks load exactly the same file on every backend.
 */
import { llamaArchitecture } from '../../engine/arch/llama/index.js';
import { encodeModel } from '../../engine/format/format.js';
import { storiesIntModel } from './int_llama.js';

let bytes: Uint8Array | undefined;

export function storiesSpml(): Uint8Array {
  return (bytes ??= encodeModel(llamaArchitecture.toFile(storiesIntModel(), { name: 'stories260K' })));
}
