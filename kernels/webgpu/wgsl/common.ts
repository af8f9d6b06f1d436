/**
 * Shared WGSL scaffolding of webgpu kernels (engine/NUMERICS.md §16.1): bindings, the flat
 * invocation index of a 1-D or 2-D dispatch, and the usual x and y buffers. The workgroup size
 * is the pipeline-overridable constant WORKGROUP, set per device when the pipeline is made
 * (backend.ts): the kernels are written per invocation and never depend on it.
 */

/**
 * A compute shader: binding 0 is the u32 params (P[0] = invocation count n), then each named
 * buffer in order (`read` ones read-only). `body` runs with `i: u32` < n.
 */
export function shader(buffers: readonly { name: string; type?: string; write?: boolean }[], body: string, helpers = ''): string {
  const decls = buffers
    .map(
      (b, k) =>
        `@group(0) @binding(${k + 1}) var<storage, ${b.write ? 'read_write' : 'read'}> ${b.name}: array<${b.type ?? 'i32'}>;`,
    )
    .join('\n');
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;
${decls}
${helpers}
override WORKGROUP: u32;
@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WORKGROUP;
  if (i >= P[0]) {
    return;
  }
${body}
}
`;
}

/** The usual input buffer `x` (i32, read) of a `shader`. */
export const X = { name: 'x' };
/** The usual output buffer `y` (i32, written) of a `shader`. */
export const Y = { name: 'y', write: true };

/**
 * `build` run once per key: a kernel whose source depends on a dtype or a flag would otherwise
 * rebuild its string at every dispatch, and the backend finds a pipeline by its source, hashing
 * and comparing a new string each time.
 */
export function memoized<A extends readonly (string | number | boolean)[]>(build: (...args: A) => string): (...args: A) => string {
  const built = new Map<string, string>();
  return (...args) => {
    const key = args.join(' ');
    let src = built.get(key);
    if (src === undefined) built.set(key, (src = build(...args)));
    return src;
  };
}
