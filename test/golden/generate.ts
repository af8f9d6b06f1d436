/**
 * Regenerate the golden vectors from the cpu reference: `npm run golden:update`. Writes
 * test/golden/golden.json (the SHA-256 of every conformance case's output),
 * test/golden/cases.json (the same cases as data: op, attributes, input and output tensors,
 * engine/NUMERICS.md §18.2) and test/golden/models.json (runs of the shipped models with their
 * trace leaves, §20.6).
 *
 * Only for a deliberate change of numerics (engine/NUMERICS.md §18), together with a bump of its
 * "Numerics version". Everything is computed twice and must agree with itself before anything is
 * written, so a nondeterministic reference can never be pinned.
 */
import { writeFileSync } from 'node:fs';
import { reference } from '../helpers/backends.js';
import { CASES, runCase, type TensorData } from '../conformance/cases.js';
import { outputHash } from '../conformance/compare.js';
import { CASES_PATH, encodeCase, formatCases } from './case_data.js';
import { MODELS_PATH, computeModelVectors, formatModelVectors } from './model_vectors.js';
import { GOLDEN_PATH, byName, formatGolden, numericsVersion } from './vectors.js';

const cpu = await reference();
const cases = [...CASES].sort(byName);
const runAll = async (): Promise<TensorData[]> => {
  const out: TensorData[] = [];
  for (const c of cases) out.push(await runCase(c, cpu));
  return out;
};
const first = await runAll();
const second = await runAll();
const unstable = cases.filter((c, i) => outputHash(first[i]!) !== outputHash(second[i]!)).map((c) => c.name);
if (unstable.length > 0) {
  console.error(`the reference is not deterministic on: ${unstable.join(', ')}; nothing written`);
  process.exit(1);
}
const models = formatModelVectors(await computeModelVectors());
if (models !== formatModelVectors(await computeModelVectors())) {
  console.error('the model runs are not deterministic; nothing written');
  process.exit(1);
}
const vectors = cases.map((c, i) => {
  const out = first[i]!;
  return { name: c.name, op: c.op, outputHash: outputHash(out), shape: [...out.shape], dtype: out.dtype };
});
writeFileSync(GOLDEN_PATH, formatGolden(vectors));
writeFileSync(CASES_PATH, formatCases(cases.map((c, i) => encodeCase(c, first[i]!))));
writeFileSync(MODELS_PATH, models);
console.log(`wrote ${vectors.length} golden vectors (numerics version ${numericsVersion()}) to ${GOLDEN_PATH} and ${CASES_PATH}, and the model runs to ${MODELS_PATH}`);
