/**
 * Shared set-up for the network tests: a money configuration, MNIST inputs one image per round, and
 * the binomial bound the catch-rate tests state.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { loadMnist } from '../../tools/data/mnist.js';
import type { InferenceInput } from '../../protocol/messages/types.js';
import type { NetworkConfig } from '../../protocol/network/types.js';

const images = loadMnist('test').images;

/** Test image `i` (mod 10 000) as a one-image request input. */
export function image(i: number): InferenceInput {
  const k = i % 10_000;
  return { kind: 'pixels', pixels: bytesToHex(images.subarray(k * 784, (k + 1) * 784)), count: 1 };
}

/** u = 10, d = 1/2, R = 5, S = 900, Su = 600, window 2 rounds. */
export function money(p: string, validators = 1): NetworkConfig {
  return { u: 10n, d: { num: 1n, den: 2n }, R: 5n, S: 900n, Su: 600n, window: 2, p, validators };
}

/**
 * Half-width of the band a Binomial(n, rate) count falls in: k standard deviations (k = 4 leaves a
 * correct implementation outside it with probability below 10⁻⁴ by the normal approximation).
 */
export function band(n: number, rate: number, k = 4): number {
  return k * Math.sqrt(n * rate * (1 - rate));
}
