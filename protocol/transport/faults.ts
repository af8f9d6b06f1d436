/**
 * Fault injection for any Transport (tests and the devnet's fault runs): messages dropped on the way
 * out or on the way back, delayed, or a node cut off for a while (a network partition). Rules match a
 * call by node and method (or any predicate); every fault that fires is logged, so a run can report
 * exactly what was injected. Process crashes are not a transport fault: the devnet kills and restarts
 * real processes for those.
 */
import { TransportError, type CallOptions, type NodeMethod, type Transport } from './transport.js';

export type FaultAction =
  /** The call never reaches the node. */
  | { readonly kind: 'drop' }
  /** The node runs the call, and its reply is lost. */
  | { readonly kind: 'drop-reply' }
  /** The call reaches the node `ms` late. */
  | { readonly kind: 'delay'; readonly ms: number };

export interface FaultRule {
  /** Which calls it applies to: a node id, a method, or a predicate on both (all, when absent). */
  readonly node?: string;
  readonly method?: NodeMethod;
  readonly match?: (node: string, method: NodeMethod) => boolean;
  readonly action: FaultAction;
  /** How many calls it affects before it expires (default: every matching call). */
  readonly times?: number;
}

export interface InjectedFault {
  readonly at: number;
  readonly node: string;
  readonly method: NodeMethod;
  readonly kind: FaultAction['kind'] | 'partition';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FaultyTransport implements Transport {
  private rules: { rule: FaultRule; left: number }[] = [];
  private readonly cutOff = new Map<string, number>();
  /** Every fault that fired, oldest first. */
  readonly injected: InjectedFault[] = [];

  constructor(private readonly inner: Transport) {}

  /** Adds a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    const entry = { rule, left: rule.times ?? Infinity };
    this.rules.push(entry);
    return () => {
      this.rules = this.rules.filter((r) => r !== entry);
    };
  }

  /** Cuts `node` off for `ms` milliseconds from now: every call to it is unreachable meanwhile. */
  partition(node: string, ms: number): void {
    this.cutOff.set(node, Date.now() + ms);
  }

  async call(to: string, method: NodeMethod, body: unknown, options: CallOptions): Promise<unknown> {
    const until = this.cutOff.get(to);
    if (until !== undefined && Date.now() < until) {
      this.log(to, method, 'partition');
      throw new TransportError('unreachable', to, method, 'cut off from the network (partition)');
    }
    const entry = this.rules.find(({ rule, left }) => left > 0 && (rule.node === undefined || rule.node === to) && (rule.method === undefined || rule.method === method) && (!rule.match || rule.match(to, method)));
    if (!entry) return this.inner.call(to, method, body, options);
    entry.left--;
    const action = entry.rule.action;
    this.log(to, method, action.kind);
    switch (action.kind) {
      case 'drop':
        await sleep(Math.min(options.timeoutMs, 10));
        throw new TransportError('dropped', to, method, 'the message was lost on the way (injected)');
      case 'drop-reply':
        await this.inner.call(to, method, body, options).catch(() => undefined);
        throw new TransportError('dropped', to, method, 'the reply was lost on the way back (injected)');
      case 'delay': {
        if (action.ms >= options.timeoutMs) {
          await sleep(options.timeoutMs);
          throw new TransportError('timeout', to, method, `no reply within ${options.timeoutMs} ms (delayed ${action.ms} ms, injected)`);
        }
        await sleep(action.ms);
        return this.inner.call(to, method, body, { timeoutMs: options.timeoutMs - action.ms });
      }
    }
  }

  private log(node: string, method: NodeMethod, kind: InjectedFault['kind']): void {
    this.injected.push({ at: Date.now(), node, method, kind });
  }
}
