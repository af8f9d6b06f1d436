/**
 * Loads the backends the CLI can offer: every family of the backend list (kernels/backends.ts),
 * each of which registers itself on import.
 */
import { loadAllBackends } from '../../kernels/backends.js';

await loadAllBackends();

export { getBackend, listBackends } from '../../engine/backend.js';
