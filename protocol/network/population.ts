/**
 * Ready-made server populations for the network (paper §2.2 strategies, Assumption 3's coalition):
 * `population({ honest: 8, cheat: 1, coalition: { fraction: 0.3 } })`.
 */
import { ProtocolParamError } from '../errors.js';
import { formCoalition, type ServerStrategy } from '../strategies.js';
import type { NodeSpec } from './types.js';

export interface PopulationSpec {
  readonly honest?: number;
  /** Servers that always cheat. */
  readonly cheat?: number;
  /** Servers that cheat with probability q. */
  readonly cheatSometimes?: { readonly count: number; readonly q: number };
  /**
   * A coalition of floor(fraction · all nodes), chosen by a keyed shuffle of every id (strategies.ts
   * formCoalition); its members take the coalition strategy instead of their own.
   */
  readonly coalition?: { readonly fraction: number; readonly kind?: 'colluding' | 'lazy' };
  /** Every node's stake (default 10^9 base units). */
  readonly stake?: bigint;
  /** Keys the coalition shuffle (default 'population'). */
  readonly key?: string;
}

function count(name: string, v: number | undefined): number {
  const n = v ?? 0;
  if (!Number.isSafeInteger(n) || n < 0) throw new ProtocolParamError('population', name, `must be a non-negative integer, got ${String(v)}`);
  return n;
}

/** Node specs with ids 'node-0', 'node-1', … in the order honest, cheat, cheat-sometimes. */
export function population(spec: PopulationSpec): NodeSpec[] {
  const stake = spec.stake ?? 10n ** 9n;
  const strategies: ServerStrategy[] = [
    ...Array.from({ length: count('honest', spec.honest) }, (): ServerStrategy => ({ kind: 'honest' })),
    ...Array.from({ length: count('cheat', spec.cheat) }, (): ServerStrategy => ({ kind: 'cheat' })),
    ...Array.from({ length: count('cheatSometimes.count', spec.cheatSometimes?.count) }, (): ServerStrategy => ({ kind: 'cheat-sometimes', q: spec.cheatSometimes!.q })),
  ];
  const ids = strategies.map((_, i) => `node-${i}`);
  if (spec.coalition) {
    const coalition = formCoalition('coalition', ids, spec.coalition.fraction, spec.key ?? 'population');
    const kind = spec.coalition.kind ?? 'colluding';
    for (const [i, id] of ids.entries()) if (coalition.members.includes(id)) strategies[i] = { kind, coalition };
  }
  return ids.map((id, i) => ({ id, stake, strategy: strategies[i]! }));
}
