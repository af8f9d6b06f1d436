/**
 * A live network of in-process server nodes behind a fault-injecting transport, for the liveness and
 * fault tests: the same round code that runs between processes, with nodes that are objects.
 */
import '../../kernels/cpu/index.js';
import { loadModel, type SpmlModel } from '../../engine/api.js';
import { keyFromSeed } from '../../protocol/crypto.js';
import { ModelStore } from '../../protocol/inference.js';
import { createLiveNetwork, type LiveNetwork } from '../../protocol/live/network.js';
import { ServerNode } from '../../protocol/live/server_node.js';
import type { LiveNetworkOptions } from '../../protocol/live/types.js';
import type { NetworkConfig } from '../../protocol/network/types.js';
import type { ServerStrategy } from '../../protocol/strategies.js';
import { FaultyTransport } from '../../protocol/transport/faults.js';
import { InProcessTransport } from '../../protocol/transport/in_process.js';

const loaded = new Map<string, Promise<SpmlModel>>();
const shipped = (name: string) => loaded.get(name) ?? loaded.set(name, loadModel(name)).get(name)!;
export const mnistModel = () => shipped('mnist-mlp');

/** u = 10, d = 1/2, R = 5, S = 900, Su = 600, P = 90, window 4 rounds. */
export function liveMoney(p: string, validators = 1): NetworkConfig {
  return { u: 10n, d: { num: 1n, den: 2n }, R: 5n, S: 900n, Su: 600n, window: 4, p, validators };
}

export interface LiveFixture {
  readonly net: LiveNetwork;
  readonly faults: FaultyTransport;
  readonly inner: InProcessTransport;
  readonly nodes: Map<string, ServerNode>;
}

export interface NodePlan {
  readonly id: string;
  readonly stake?: bigint;
  readonly strategy?: ServerStrategy;
}

/**
 * Short deadlines, so a silent party costs a test seconds, not minutes; still long enough that an
 * inference on a loaded 2-core CI machine never misses one (a missed deadline would change a verdict).
 */
export const FAST = { response: 2000, attestation: 2000, vote: 2000, perCall: 800, retry: 20 };

export async function liveNetwork(plans: readonly NodePlan[], config: NetworkConfig, extra: Partial<LiveNetworkOptions> = {}, store?: ModelStore, modelName = 'mnist-mlp'): Promise<LiveFixture> {
  const model = await shipped(modelName);
  const inner = new InProcessTransport();
  const faults = new FaultyTransport(inner);
  const nodes = new Map<string, ServerNode>();
  const registered = plans.map((plan) => {
    const key = keyFromSeed(`live-test-${plan.id}`);
    const node = new ServerNode({ id: plan.id, key, networkId: 'spml-local', model, ...(store ? { store } : {}), ...(plan.strategy ? { strategy: plan.strategy } : {}) });
    nodes.set(plan.id, node);
    inner.add(plan.id, node.handle);
    return { id: plan.id, publicKey: key.publicKey, stake: plan.stake ?? 10_000n };
  });
  const net = createLiveNetwork({ transport: faults, nodes: registered, model, config, seed: 7, deadlines: FAST, ...extra });
  return { net, faults, inner, nodes };
}

export const honest = (n: number): NodePlan[] => Array.from({ length: n }, (_, i) => ({ id: `node-${i}` }));
