/**
 * SPML_DAWN_BACKEND picks Dawn's backend in Node (kernels/webgpu/device.ts): OpenGL ES by default,
 * which runs without a GPU, or Vulkan for a GPU whose driver Dawn accepts. A value Dawn's flag
 * would not know, or spml has never run, is a BackendError naming the allowed values, never a
 * quiet default.
 */
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../engine/errors.js';
import { DAWN_BACKENDS, dawnBackend } from '../../kernels/webgpu/device.js';

describe('SPML_DAWN_BACKEND', () => {
  it('defaults to OpenGL ES, unset or empty', () => {
    expect(dawnBackend({})).toBe('opengles');
    expect(dawnBackend({ SPML_DAWN_BACKEND: '' })).toBe('opengles');
  });

  it('takes each allowed backend', () => {
    expect(DAWN_BACKENDS).toEqual(['opengles', 'vulkan']);
    for (const b of DAWN_BACKENDS) expect(dawnBackend({ SPML_DAWN_BACKEND: b })).toBe(b);
  });

  it.each(['opengl', 'Vulkan', 'null', 'vulkan '])("refuses '%s', naming the allowed values", (value) => {
    expect(() => dawnBackend({ SPML_DAWN_BACKEND: value })).toThrow(BackendError);
    expect(() => dawnBackend({ SPML_DAWN_BACKEND: value })).toThrow(`SPML_DAWN_BACKEND='${value}' is not one of Dawn's backends spml runs on: opengles, vulkan`);
  });
});
