/**
 * Prints every measured maximum error of the accuracy sweeps (the numbers that
 * engine/NUMERICS.md §17 and the bounds in test/accuracy/*.test.ts come from):
 *   npx tsx test/accuracy/report.ts
 */
import '../../kernels/cpu/index.js';
import { getBackend } from '../../lib/index.js';
import {
  EXP_SCALES,
  LUT_CASES,
  NORM_CS,
  geluTanhVsErf,
  softmaxTailCase,
  sweepExpNeg,
  sweepIsqrt,
  sweepLut,
  sweepNorm,
  sweepQuantize,
  sweepRequantize,
  sweepRope,
  sweepSoftmax,
} from './sweeps.js';
import { MaxError } from './measure.js';

const backend = await getBackend('cpu');
const fmt = (e: MaxError) => `${e.max.toPrecision(6)}  (n=${e.count}, skipped ${e.skipped}) at ${e.where}`;
const t0 = performance.now();

const rq = await sweepRequantize(backend, 1);
console.log('1 requantize LSB', fmt(rq.err), `ties ${rq.tiesAway}/${rq.ties} away, badSat ${rq.badSaturation}`);

const q = await sweepQuantize(backend, 2);
for (const d of ['int8', 'int16', 'int32'] as const) console.log(`2 quantize ${d} |err|/s - 0.5`, (q.err[d].max - 0.5).toExponential(4), q.err[d].where);
console.log('2 quantize excess ulps', fmt(q.excessUlps), `ties ${q.tiesAway}/${q.ties} away`);

for (const fn of ['gelu', 'silu'] as const) {
  const all = new MaxError();
  const erf = new MaxError();
  for (const c of LUT_CASES) {
    const r = await sweepLut(backend, fn, c);
    console.log(`3 ${fn} in=${c.inScale.multiplier}/2^${c.inScale.shift} out=${c.outScale.multiplier}/2^${c.outScale.shift} ${c.outDtype}:`, r.err.max.toFixed(6), `skipped ${r.err.skipped}`, fn === 'gelu' ? `erfDev ${r.erfDev.max.toFixed(4)}` : '', `badSat ${r.badSaturation}`);
    all.merge(r.err);
    erf.merge(r.erfDev);
  }
  console.log(`3 ${fn} ALL`, fmt(all));
  if (fn === 'gelu') console.log('3 gelu erfDev ALL (LSB)', fmt(erf));
}
console.log('3 |geluTanh - geluErf| real on [-8,8]', fmt(geluTanhVsErf(8)));

const eAbs = new MaxError();
const eRel = new MaxError();
const eRB = new MaxError();
for (const s of EXP_SCALES) {
  const r = await sweepExpNeg(backend, s);
  console.log(`4 expNeg s=${s}: abs ${r.abs.max.toFixed(4)} rel ${r.rel.max.toExponential(4)} relBeyondHalf ${r.relBeyondHalf.max.toExponential(4)}  n=${r.abs.count}`);
  eAbs.merge(r.abs);
  eRel.merge(r.rel);
  eRB.merge(r.relBeyondHalf);
}
console.log('4 expNeg abs ALL', fmt(eAbs));
console.log('4 expNeg rel ALL', fmt(eRel));
console.log('4 expNeg relBeyondHalf ALL', fmt(eRB));

for (const mf of [0, 0.3, 0.9]) {
  const r = await sweepSoftmax(backend, 5 + mf * 10, mf);
  console.log(`5 softmax mask=${mf} rows=${r.rows} abs`, fmt(r.abs));
  console.log(`5 softmax mask=${mf} sumDev`, fmt(r.sumDev));
  console.log(`5 softmax mask=${mf} sumDev/(n/2)`, fmt(r.sumDevOverHalfN), 'maskedNonzero', r.maskedNonzero);
}
for (const len of [16, 1024, 65536]) {
  console.log(`5 softmax tail len=${len}: d=4095 ${(await softmaxTailCase(backend, len, 4095)).toFixed(6)}  d=4096 ${(await softmaxTailCase(backend, len, 4096)).toFixed(6)}`);
}

for (const kind of ['layer', 'rms'] as const) {
  for (const inDtype of ['int8', 'int16'] as const) {
    for (const outDtype of ['int8', 'int16'] as const) {
      for (const c of NORM_CS) {
        const r = await sweepNorm(backend, { kind, c, inDtype, outDtype }, 6 + c);
        console.log(`6 ${kind}Norm C=${c} ${inDtype}->${outDtype}: ${r.err.max.toFixed(4)} LSB (zStep ${r.zStepLsb.toFixed(4)}, model ratio ${r.modelRatio.max.toFixed(3)}) n=${r.err.count} skipped=${r.err.skipped}  at ${r.err.where}`);
      }
    }
  }
}

for (const dtype of ['int8', 'int16'] as const) {
  const r = await sweepRope(backend, dtype, 7);
  console.log(`7 rope ${dtype} LSB`, fmt(r.err));
  console.log(`7 rope ${dtype} table excess (Q14 steps per unit length)`, fmt(r.tableExcess));
}

const is = await sweepIsqrt(backend, 8);
console.log('8 isqrt', is);
console.log('time', ((performance.now() - t0) / 1000).toFixed(1), 's');
