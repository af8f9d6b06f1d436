/**
 * The round beacon of the in-process network: a value published by the network after A's signed response
 * and mixed into the challenge draw (challenge.ts drawSeed), so that neither the user (who commits to its
 * secret before A answers) nor A (who signs before the beacon exists) can grind the draw.
 *
 * It is a hash chain the network advances once per request attempt k (the index the round's
 * SeededRandom stream uses):
 *
 *   beacon_{-1} = H("spml/v1/beacon-genesis" ‖ networkId)
 *   beacon_k    = H("spml/v1/beacon" ‖ beacon_{k−1} ‖ k ‖ entropy_k)
 *
 * entropy_k comes from the network seed's own stream for attempt k under the label 'beacon', disjoint from
 * what the round draws for its ids, nonces and secrets. The network seed stands in for the entropy of a
 * real public randomness beacon (a drand round or a RANDAO value fixed after the response): nobody in a
 * round knows it in advance, and a run still replays exactly. Each value also commits to every earlier one.
 */
import { sha256Hex } from '../crypto.js';
import type { NetworkState, SeededRandom } from './participants.js';

/** The chain of one network: its values, computed once each, in order. */
export class BeaconChain {
  private readonly values: string[] = [];

  constructor(
    private readonly networkId: string,
    private readonly random: SeededRandom,
  ) {}

  /** The beacon of request attempt `attempt` (0, 1, …): deterministic, computed along the chain. */
  at(attempt: number): string {
    if (!Number.isSafeInteger(attempt) || attempt < 0) throw new RangeError(`roundBeacon: attempt ${attempt} must be a non-negative integer`);
    const chain = this.values;
    let prev = chain.length === 0 ? sha256Hex('spml/v1/beacon-genesis\n', this.networkId) : chain[chain.length - 1]!;
    while (chain.length <= attempt) {
      const k = chain.length;
      const entropy = this.random.forRound(k).hex32('beacon');
      prev = sha256Hex('spml/v1/beacon\n', prev, '\n', String(k), '\n', entropy);
      chain.push(prev);
    }
    return chain[attempt]!;
  }
}

const chains = new WeakMap<NetworkState, BeaconChain>();

/** The beacon of request attempt `attempt` (0, 1, …) of `net`. */
export function roundBeacon(net: NetworkState, attempt: number): string {
  let chain = chains.get(net);
  if (!chain) chains.set(net, (chain = new BeaconChain(net.networkId, net.random)));
  return chain.at(attempt);
}
