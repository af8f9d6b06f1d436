/**
 * The faults a devnet injects while it plays rounds (seeded, so a run's faults replay): before a round
 * starts, with probability `rate`, one fault hits one server:
 * - crash: kill -9 of its process, restarted on the same port from its state folder 0.2–3 s later;
 * - delay: its next 3 calls arrive 50–400 ms late;
 * - drop: its next 2 calls are lost on the way;
 * - drop-reply: it runs its next call and the reply is lost;
 * - partition: it is cut off from the network for 0.3–12 s.
 * Every fault is shorter than the attestation deadline (devnet.ts: 20 s), so an honest node hit by one
 * is late, never judged dishonest; a long partition outlasts the response deadline (8 s), and the node
 * then pays the silence penalty and is replaced.
 */
import { FaultyTransport } from '../../protocol/transport/faults.js';
import { Rng } from '../../tools/data/rng.js';
import type { NodeProcess } from './node_process.js';

export type FaultKind = 'crash' | 'delay' | 'drop' | 'drop-reply' | 'partition';
export const FAULT_KINDS: readonly FaultKind[] = ['crash', 'delay', 'drop', 'drop-reply', 'partition'];

export interface Fault {
  readonly kind: FaultKind;
  readonly node: string;
  readonly at: number;
  /** For a crash: when the restarted node was listening again (undefined while it is down). */
  restartedAt?: number;
}

export class FaultPlan {
  readonly faults: Fault[] = [];
  private readonly restarts: Promise<void>[] = [];
  private readonly rng: Rng;

  constructor(
    private readonly rate: number,
    seed: number,
    private readonly transport: FaultyTransport,
    private readonly processes: ReadonlyMap<string, NodeProcess>,
  ) {
    this.rng = new Rng(seed);
  }

  /** Called as each round starts: maybe injects one fault. */
  maybeInject(): void {
    if (this.rate <= 0 || this.rng.float() >= this.rate) return;
    const up = [...this.processes.values()].filter((p) => p.running);
    if (up.length === 0) return;
    const target = up[this.rng.int(0, up.length - 1)]!;
    const node = target.spec.id;
    const kind = FAULT_KINDS[this.rng.int(0, FAULT_KINDS.length - 1)]!;
    const fault: Fault = { kind, node, at: Date.now() };
    this.faults.push(fault);
    const ms = (lo: number, hi: number) => this.rng.int(lo, hi);
    switch (kind) {
      case 'crash': {
        target.crash();
        const downFor = ms(200, 3000);
        this.restarts.push(
          new Promise<void>((r) => setTimeout(r, downFor)).then(async () => {
            // A restart can fail (the port still held a moment); try again, as an operator's supervisor would.
            for (let attempt = 1; ; attempt++) {
              try {
                await target.start();
                fault.restartedAt = Date.now();
                return;
              } catch (e) {
                if (attempt >= 3) throw e;
                await new Promise((r) => setTimeout(r, 500));
              }
            }
          }),
        );
        break;
      }
      case 'delay':
        this.transport.add({ node, action: { kind: 'delay', ms: ms(50, 400) }, times: 3 });
        break;
      case 'drop':
        this.transport.add({ node, action: { kind: 'drop' }, times: 2 });
        break;
      case 'drop-reply':
        this.transport.add({ node, action: { kind: 'drop-reply' }, times: 1 });
        break;
      case 'partition':
        this.transport.partition(node, ms(300, 12_000));
        break;
    }
  }

  /** Waits until every crashed node is running again. */
  async settled(): Promise<void> {
    await Promise.all(this.restarts);
  }

  count(kind: FaultKind): number {
    return this.faults.filter((f) => f.kind === kind).length;
  }
}
