/**
 * Architectures as plug-ins (engine/arch/architecture.ts, docs/ARCHITECTURE.md): the registry
 * holds the built-ins, and an architecture defined entirely outside the engine (a one-layer
 * affine classifier, below) loads from its own .spml bytes, classifies, and runs through the
 * protocol's inference and arbitration without a line of engine or protocol code knowing it.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
// Only the package's entry points, as an architecture written outside spml would import them.
import {
  checkPair,
  configChecker,
  encodeModel,
  expectTensors,
  failQuant,
  intModelToFile,
  isObj,
  pair,
  tensorMap,
  type Classifier,
  type ClassifierArchitecture,
  type IntModel,
  type IntTensor,
  type TaskInput,
  type TraceOptions,
} from '../../lib/models.js';
import {
  classify,
  getArchitecture,
  listArchitectures,
  loadModel,
  matmul,
  ParamError,
  registerArchitecture,
  tensor,
  type Backend,
  type Tensor,
  type Trace,
} from '../../lib/index.js';
import { arbitrateByBisection, revealFromModel } from '../../protocol/bisection.js';
import { runInference, traceSchedule } from '../../protocol/inference.js';
import type { Job } from '../../protocol/strategies.js';

interface AffineConfig {
  readonly arch: 'affine';
  readonly inputs: number;
  readonly classes: number;
}
interface IntAffine extends IntModel<AffineConfig> {
  readonly quant: { readonly logits: readonly [number, number] };
}

/** logits = (pixel >> 1) · W + b, int32, one trace leaf. */
class AffineModel implements Classifier {
  readonly task = 'classify';
  private readonly w: Tensor;
  private readonly b: Tensor;
  constructor(
    readonly backend: Backend,
    readonly model: IntAffine,
  ) {
    const up = (t: IntTensor) => tensor(backend, t.data, t.shape, t.dtype);
    this.w = up(model.tensors.get('w')!);
    this.b = up(model.tensors.get('b')!);
  }
  get inputSize() {
    return this.model.config.inputs;
  }
  get classes() {
    return this.model.config.classes;
  }
  encodeInput(pixels: Uint8Array, count: number): Tensor {
    return tensor(this.backend, Int8Array.from(pixels, (p) => p >> 1), [count, this.inputSize], 'int8');
  }
  forward(x: Tensor, trace?: Trace): Tensor {
    const logits = matmul(x, this.w, { bias: this.b });
    trace?.add('logits', logits);
    return logits;
  }
  traceSchedule(input: TaskInput) {
    return [{ label: 'logits', macs: (input.kind === 'pixels' ? input.count : 0) * this.inputSize * this.classes }];
  }
  replayInputs(_input: TaskInput, _options: TraceOptions, index: number): number[] {
    if (index !== 0) throw new ParamError('replayInputs', 'one step only');
    return [];
  }
  async replayStep(input: TaskInput, _options: TraceOptions, index: number): Promise<Tensor> {
    if (input.kind !== 'pixels' || index !== 0) throw new ParamError('replayStep', 'one step only');
    return this.forward(this.encodeInput(input.pixels, input.count));
  }
}

const affine: ClassifierArchitecture<AffineConfig, IntAffine> = {
  name: 'affine',
  task: 'classify',
  description: 'test: one int8 affine layer',
  configKeys: ['arch', 'classes', 'inputs'],
  checkConfig(op, o) {
    const { bad, posInt } = configChecker(op);
    if (!posInt(o.inputs, 1, 4096) || !posInt(o.classes, 1, 4096)) bad('inputs and classes must be integers in [1, 4096]');
    return o as unknown as AffineConfig;
  },
  parameterShapes: (c) => [
    ['w', [c.inputs, c.classes]],
    ['b', [c.classes]],
  ],
  intTensorSpecs: (c) => [
    ['b', 'int32', [c.classes]],
    ['w', 'int8', [c.inputs, c.classes]],
  ],
  fromFile(file) {
    const config = file.config as AffineConfig;
    expectTensors(file, affine.intTensorSpecs(config));
    if (!isObj(file.quant)) failQuant('not an object');
    return { config, quant: { logits: checkPair('logits', (file.quant as Record<string, unknown>).logits) }, tensors: tensorMap(file) };
  },
  toFile: (model, meta) => intModelToFile(model, meta),
  instantiate: (backend, model) => new AffineModel(backend, model),
  inputSize: (config) => config.inputs,
  floatLogits: (ck, inputs, count) => {
    const { inputs: k, classes: n } = ck.config as AffineConfig;
    const w = ck.tensors.get('w')!.data;
    const b = ck.tensors.get('b')!.data;
    const out = new Float64Array(count * n);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < n; j++) {
        let sum = b[j]!;
        for (let q = 0; q < k; q++) sum += inputs[i * k + q]! * w[q * n + j]!;
        out[i * n + j] = sum;
      }
    }
    return out;
  },
  quantize: (ck) => {
    const c = ck.config as AffineConfig;
    const w = Int8Array.from(ck.tensors.get('w')!.data, (v) => Math.max(-127, Math.min(127, Math.round(v * 64))));
    const b = Int32Array.from(ck.tensors.get('b')!.data, (v) => Math.round(v * 64));
    return { config: c, quant: { logits: pair({ multiplier: 1 << 30, shift: 36 }) }, tensors: new Map([['w', { dtype: 'int8', shape: [c.inputs, c.classes], data: w }], ['b', { dtype: 'int32', shape: [c.classes], data: b }]]) };
  },
};

function affineFile(): Uint8Array {
  const inputs = 6;
  const classes = 3;
  const weights = new Map([
    ['w', { shape: [inputs, classes], data: Float32Array.from({ length: inputs * classes }, (_, i) => ((i * 7) % 11) / 11 - 0.5) }],
    ['b', { shape: [classes], data: Float32Array.from([0.25, -0.5, 0.125]) }],
  ]);
  const model = affine.quantize({ config: { arch: 'affine', inputs, classes }, tensors: weights }, { pixels: new Uint8Array(0), count: 0 });
  return encodeModel(affine.toFile(model, { name: 'affine-test' }));
}

describe('the architecture registry', () => {
  it('holds the built-in gpt, mlp and llama, each with its task', () => {
    expect(listArchitectures().slice(0, 3)).toEqual(['gpt', 'mlp', 'llama']);
    expect(getArchitecture('gpt')?.task).toBe('generate');
    expect(getArchitecture('mlp')?.task).toBe('classify');
    expect(getArchitecture('llama')?.task).toBe('generate');
  });

  it('refuses a second architecture of the same name', () => {
    expect(() => registerArchitecture({ ...affine, name: 'gpt' } as never)).toThrow(/'gpt' is already registered/);
  });

  it('makes the format refuse a config whose arch is not registered', () => {
    expect(() => affineFile()).toThrow(/unknown arch "affine"/);
  });
});

describe('an architecture registered from outside the engine', () => {
  it('loads, classifies, and goes through the protocol and arbitration unchanged', async () => {
    registerArchitecture(affine);
    const bytes = affineFile();
    const model = await loadModel(bytes);
    expect(model.kind).toBe('affine');
    expect(model.task).toBe('classify');
    const pixels = Uint8Array.from({ length: 12 }, (_, i) => (i * 37) % 256);
    const r = await classify(model, pixels, 2, { keepTrace: true });
    expect(r.traceLeaves?.map((l) => l.label)).toEqual(['logits']);
    expect(r.labels).toHaveLength(2);

    const input = { kind: 'pixels' as const, pixels: bytesToHex(pixels), count: 2 };
    const ran = await runInference(model, input, {}, 0n);
    expect(ran.outputHash).toBe(r.outputHash);
    expect(traceSchedule(model, input, {})).toEqual([{ label: 'logits', macs: 2 * 6 * 3 }]);

    const job = { modelHash: model.hash, input, options: {}, seed: 0n } as unknown as Job;
    const honest = { leaves: ran.leaves, reveal: revealFromModel(model, job) };
    const forged = { leaves: [{ label: 'logits', tensorHash: '00'.repeat(32) }] };
    const verdict = await arbitrateByBisection(model, job, honest, forged);
    expect(verdict).toMatchObject({ method: 'single-layer', divergentIndex: 0, honest: 'A', recomputedHash: ran.leaves[0]!.tensorHash });
  });
});
