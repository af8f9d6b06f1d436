/**
 * The MLP architecture's config (docs/MODEL_FORMAT.md, "Architectures"): a classifier of dense
 * layers with ReLU between them and logits out.
 */
import { configChecker } from '../config_check.js';

export interface MlpConfig {
  readonly arch: 'mlp';
  /** Input features, then each hidden width, then the number of classes. */
  readonly sizes: readonly number[];
}

/** The config's keys, exactly: an extra key would give one model two hashes. */
export const MLP_CONFIG_KEYS = ['arch', 'sizes'] as const;

/** Float parameter names and shapes: w{i} [in, out] and b{i} [out]. */
export function mlpParameterShapes(c: MlpConfig): [string, number[]][] {
  const out: [string, number[]][] = [];
  for (let i = 0; i + 1 < c.sizes.length; i++) {
    out.push([`w${i}`, [c.sizes[i]!, c.sizes[i + 1]!]], [`b${i}`, [c.sizes[i + 1]!]]);
  }
  return out;
}

export function checkMlpConfig(op: string, o: Record<string, unknown>): MlpConfig {
  const { bad, posInt } = configChecker(op);
  const s = o.sizes;
  if (!Array.isArray(s) || s.length < 2 || !s.every((v) => posInt(v, 1, 1 << 20))) bad('sizes must be at least two integers in [1, 2^20]');
  return o as unknown as MlpConfig;
}
