/**
 * Regenerate test/golden/golden.json from the cpu reference: `npm run golden:update`.
 *
 * Only for a deliberate change of numerics (engine/NUMERICS.md §18), together with a bump of its
 * "Numerics version". Every case is computed twice and must agree with itself before anything is
 * written, so a nondeterministic reference can never be pinned.
 */
import { writeFileSync } from 'node:fs';
import { reference } from '../helpers/backends.js';
import { GOLDEN_PATH, computeVectors, formatGolden, numericsVersion } from './vectors.js';

const cpu = await reference();
const first = await computeVectors(cpu);
const second = await computeVectors(cpu);
const unstable = first.filter((v, i) => v.outputHash !== second[i]?.outputHash).map((v) => v.name);
if (unstable.length > 0) {
  console.error(`the reference is not deterministic on: ${unstable.join(', ')}; nothing written`);
  process.exit(1);
}
writeFileSync(GOLDEN_PATH, formatGolden(first));
console.log(`wrote ${first.length} golden vectors (numerics version ${numericsVersion()}) to ${GOLDEN_PATH}`);
