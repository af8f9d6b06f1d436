/// <reference types="@webgpu/types" />
/**
 * Bind groups kept from one submission to the next (engine/NUMERICS.md §16.1; used by
 * backend.ts). Making one is a validated native call of about 25 µs on Dawn, the largest host
 * cost of a dispatch. A decode step dispatches the same kernels as the step before on the same
 * buffers: the weights, the kernel parameters at the same arena offsets (param_arena.ts), and
 * activations in the buffers the pool hands out by place (buffer_pool.ts); so an identical group
 * is reused. A group is dropped once a whole submission has passed without it, so groups of
 * buffers that were destroyed or never come back do not pile up; a destroyed buffer is never
 * bound again, so a group holding one is never used.
 */

export class BindGroupCache {
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private current = new Map<string, GPUBindGroup>();
  private previous = new Map<string, GPUBindGroup>();
  private submission = -1;
  /** Groups reused, and groups made. */
  readonly counts = { reused: 0, made: 0 };

  constructor(private readonly device: GPUDevice) {}

  /**
   * The bind group of `layout` with `params` at binding 0 and `buffers` at 1.., made or reused.
   * `submission` numbers the submission being recorded.
   */
  get(pipeline: GPUComputePipeline, layout: GPUBindGroupLayout, params: GPUBufferBinding, buffers: readonly GPUBuffer[], submission: number): GPUBindGroup {
    if (submission !== this.submission) {
      this.previous = this.current;
      this.current = new Map();
      this.submission = submission;
    }
    let key = `${this.id(pipeline)}:${this.id(params.buffer)}@${params.offset ?? 0}+${params.size ?? 0}`;
    for (const b of buffers) key += `,${this.id(b)}`;
    let group = this.current.get(key) ?? this.previous.get(key);
    if (group) this.counts.reused++;
    else {
      const entries = [params, ...buffers.map((buffer) => ({ buffer }))].map((resource, binding) => ({ binding, resource }));
      group = this.device.createBindGroup({ layout, entries });
      this.counts.made++;
    }
    this.current.set(key, group);
    return group;
  }

  private id(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) this.ids.set(o, (id = this.nextId++));
    return id;
  }
}
