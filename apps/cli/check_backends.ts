/**
 * `spml check-backends`: one attention-and-MLP block built from the op API, run on every registered
 * backend with the same seeded input, printing each backend's output hash and trace root and
 * whether it agrees with the cpu reference. It is the smallest end-to-end proof of spml's
 * promise. Each backend other than cpu runs in a child process (kernels/shared/native_gl.ts).
 */
import {
  add,
  causalMask,
  dyadicFromReal,
  geluTable,
  layerNorm,
  lut,
  matmul,
  requantize,
  softmax,
  tensor,
  Trace,
  hashTensor,
  type Backend,
  type Tensor,
} from '../../lib/index.js';
import { spawnSync } from 'node:child_process';
import { listKernels } from '../../engine/kernel_registry.js';
import { BACKEND_FAMILIES, familyOf, REFERENCE_BACKEND } from '../../kernels/backends.js';
import { getBackend, listBackends } from './backends.js';
import { printJson, rounded } from './format_result.js';

/** `spml backends`: each registered backend with its family (kernels/backends.ts) and kernels. */
export function backendsCommand(opts: { json?: boolean } = {}): void {
  const rows = listBackends().map((name) => ({ name, family: familyOf(name, 'node')?.family ?? null, reference: name === REFERENCE_BACKEND, kernels: listKernels(name) }));
  if (opts.json) printJson({ families: BACKEND_FAMILIES.map((f) => ({ family: f.family, backends: f.backends })), backends: rows });
  else for (const r of rows) console.log(`${r.name} (${r.family ?? 'no family'}): ${r.kernels.join(', ')}`);
}

/** Deterministic int8 test data (xorshift32), independent of any backend. */
function seededInt8(n: number, seed: number): Int8Array {
  let s = seed >>> 0 || 1;
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) % 255) - 127;
  }
  return out;
}

const T = 16; // tokens
const C = 64; // width

async function block(backend: Backend): Promise<{ out: Tensor; trace: Trace }> {
  const trace = new Trace();
  const x = tensor(backend, seededInt8(T * C, 1), [T, C], 'int8');
  const wq = tensor(backend, seededInt8(C * C, 2), [C, C], 'int8');
  const wk = tensor(backend, seededInt8(C * C, 3), [C, C], 'int8');
  const w1 = tensor(backend, seededInt8(C * 4 * C, 4), [C, 4 * C], 'int8');
  const w2 = tensor(backend, seededInt8(4 * C * C, 5), [4 * C, C], 'int8');
  const gamma = tensor(backend, new Int16Array(C).fill(16384), [C], 'int16');
  const toInt8 = dyadicFromReal(1 / 2048);

  // z·γ ≈ n·2^11·2^14 for C = 64 (NUMERICS.md §10); 2^-20 puts n at scale 1/32 in int8.
  const h = layerNorm(x, gamma, { eps: 1, scale: dyadicFromReal(2 ** -20), outDtype: 'int8' });
  trace.add('ln', h);
  const q = requantize(matmul(h, wq), toInt8, 'int8');
  const k = requantize(matmul(h, wk), toInt8, 'int8');
  const scores = causalMask(matmul(q, k, { transposeB: true }));
  const probs = softmax(scores, dyadicFromReal((Math.LOG2E * 256) / 128 / Math.sqrt(C)));
  trace.add('attn.probs', probs);
  const mixed = requantize(matmul(probs, h), dyadicFromReal(1 / 16384), 'int8');
  const resid = add(x, mixed);
  trace.add('attn.out', resid);
  const up = requantize(matmul(resid, w1), toInt8, 'int8');
  const act = lut(up, tensor(backend, geluTable(dyadicFromReal(1 / 32), dyadicFromReal(1 / 32)), [256], 'int8'));
  const down = requantize(matmul(act, w2), toInt8, 'int8');
  const out = add(resid, down);
  trace.add('mlp.out', out);
  return { out, trace };
}

interface Row {
  readonly name: string;
  readonly description: string;
  readonly hash: string;
  readonly root: string;
  readonly ms: number;
}

/** The block on one backend, in this process. */
async function measure(name: string): Promise<Row> {
  const backend = await getBackend(name);
  const started = performance.now();
  const { out, trace } = await block(backend);
  const hash = await hashTensor(out);
  const { root } = await trace.finish();
  return { name, description: backend.description, hash, root, ms: rounded(performance.now() - started) };
}

/**
 * The block on one backend in a child process: webgpu and gpujs-headlessgl cannot share one
 * (kernels/shared/native_gl.ts). The child is this same CLI, under the same Node flags (tsx or not).
 */
function measureInChild(name: string): Row | { name: string; error: string } {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1] ?? '', 'check-backends', '--backend', name, '--json'], {
    encoding: 'utf8',
  });
  if (r.status === 0) return JSON.parse(r.stdout) as Row;
  const why = r.stderr.trim().split('\n').filter((l) => l.startsWith('spml:')).pop() ?? r.stderr.trim().split('\n').pop() ?? `exit status ${r.status}`;
  return { name, error: why.replace(/^spml: /, '') };
}

/**
 * With `backend`, runs the block on that backend here (as JSON for the parent with `json`).
 * Without, runs cpu here and every other registered backend in a child, and prints the
 * comparison table, or with `json` one document: the block, and per backend its row, whether it
 * agrees with cpu, or why it could not start.
 */
export async function checkBackends(opts: { backend?: string; json?: boolean } = {}): Promise<number> {
  if (opts.backend !== undefined) {
    const row = await measure(opts.backend);
    console.log(opts.json ? JSON.stringify(row) : row);
    return 0;
  }
  const cpu = await measure('cpu');
  const rows = [cpu, ...listBackends().filter((n) => n !== 'cpu').map(measureInChild)];
  if (opts.json) {
    const backends = rows.map((r) => ('error' in r ? { ...r, agrees: false } : { ...r, agrees: r.hash === cpu.hash && r.root === cpu.root }));
    const allAgree = backends.every((r) => r.agrees);
    printJson({ block: { tokens: T, width: C, dtype: 'int8' }, reference: 'cpu', backends, allAgree });
    return allAgree ? 0 : 1;
  }
  let mismatches = 0;
  console.log(`One transformer block (T=${T}, C=${C}, int8) on every registered backend, each in a process of its own:\n`);
  console.log('| backend | device | output hash | trace root | ms | agrees with cpu |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    if ('error' in r) {
      mismatches++;
      console.log(`| ${r.name} | cannot start: ${r.error} | | | | NO |`);
      continue;
    }
    const agrees = r.hash === cpu.hash && r.root === cpu.root;
    if (!agrees) mismatches++;
    console.log(`| ${r.name} | ${r.description} | ${r.hash.slice(0, 16)}… | ${r.root.slice(0, 16)}… | ${r.ms.toFixed(1)} | ${agrees ? 'yes' : 'NO'} |`);
  }
  console.log(mismatches === 0 ? '\nAll backends agree byte for byte.' : `\n${mismatches} backend(s) did not run or DISAGREE with cpu.`);
  return mismatches === 0 ? 0 : 1;
}
