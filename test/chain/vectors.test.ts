// The draw on chain is the draw in TypeScript (protocol/chain/SpmlSettlement.sol SpmlDraw against
// challenge.ts, selection.ts and live/validator_order.ts): for random inputs, every function the
// contract uses returns what the TypeScript one does, through the SpmlDrawHarness views.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseError, ContractFunctionRevertedError, createPublicClient, http, type Abi, type Address } from 'viem';
import { startAnvil, type Anvil } from '../../protocol/chain/anvil.js';
import { chainDefinition, ChainError, deployArtifact } from '../../protocol/chain/client.js';
import { compileSettlement } from '../../protocol/chain/compile.js';
import { challengeCommitment, challengeThreshold, drawSeed, drawValue, isChallenged } from '../../protocol/challenge.js';
import { asserterSeed, HashStream, selectionSeed, weightedSample, type StakedNode } from '../../protocol/selection.js';
import { validatorOrder } from '../../protocol/live/validator_order.js';
import { bare, bytes32, hex } from './fixtures.js';

const CASES = 60;
let anvil: Anvil;
let call: (functionName: string, args: readonly unknown[]) => Promise<unknown>;

beforeAll(async () => {
  anvil = await startAnvil({ accounts: 1 });
  const artifact = compileSettlement('SpmlDrawHarness');
  const address = await deployArtifact(anvil, anvil.accounts[0]!, artifact);
  const client = createPublicClient({ chain: chainDefinition(anvil), transport: http(anvil.rpcUrl) });
  const abi: Abi = artifact.abi;
  call = async (functionName, args) => {
    try {
      return await client.readContract({ address, abi, functionName, args });
    } catch (e) {
      // Decoded like the settlement client's writes (ChainError with the Solidity error's name).
      if (e instanceof BaseError) {
        const r = e.walk((x) => x instanceof ContractFunctionRevertedError);
        if (r instanceof ContractFunctionRevertedError && r.data) throw new ChainError(functionName, r.data.errorName, r.data.args ?? []);
      }
      throw e;
    }
  };
});

afterAll(async () => {
  await anvil?.stop();
});

/** A deterministic random bigint below 2^bits from (label, i). */
function rand(label: string, i: number, bits: number): bigint {
  let v = 0n;
  for (let k = 0; v.toString(2).length < bits + 8; k++) v = (v << 256n) | BigInt(bytes32(`${label}/${k}`, i));
  return v & ((1n << BigInt(bits)) - 1n);
}

const randHex = (label: string, i: number) => bytes32(label, i);
const randAddress = (label: string, i: number): Address => `0x${bare(bytes32(label, i)).slice(0, 40)}` as Address;

/** Stakes of very different sizes: zero, a few wei, 64-bit, 200-bit. */
function stakeOf(i: number, j: number): bigint {
  const kind = Number(rand('stake-kind', i * 100 + j, 8)) % 5;
  if (kind === 0) return j % 4 === 0 ? 0n : 1n + rand('stake-tiny', i * 100 + j, 4);
  if (kind === 1) return 1n + rand('stake-mid', i * 100 + j, 64);
  if (kind === 2) return 1n + rand('stake-huge', i * 100 + j, 200);
  return 1n + rand('stake-small', i * 100 + j, 20);
}

function nodesOf(i: number): StakedNode[] {
  const count = 1 + (Number(rand('node-count', i, 8)) % 12);
  return Array.from({ length: count }, (_, j) => ({ id: randAddress(`node-${i}`, j), stake: stakeOf(i, j) }));
}

const lowerAll = (xs: unknown) => (xs as string[]).map((x) => x.toLowerCase());

describe('the contract computes the draw exactly as the TypeScript protocol', () => {
  it('commitment = challengeCommitment', async () => {
    for (let i = 0; i < CASES; i++) {
      const secret = randHex('secret', i);
      const requestId = randHex('request', i);
      expect(await call('commitment', [secret, requestId])).toBe(hex(challengeCommitment(bare(secret), bare(requestId))));
    }
  });

  it('drawSeed and drawValue', async () => {
    for (let i = 0; i < CASES; i++) {
      const d = { secret: randHex('secret', i), requestId: randHex('request', i), responseDigest: randHex('digest', i), beacon: randHex('beacon', i) };
      const seed = drawSeed({ secret: bare(d.secret), requestId: bare(d.requestId), responseDigest: bare(d.responseDigest), beacon: bare(d.beacon) });
      expect(await call('drawSeed', [d.secret, d.requestId, d.responseDigest, d.beacon])).toBe(hex(seed));
      expect(await call('drawValue', [hex(seed), d.requestId])).toBe(drawValue(seed, bare(d.requestId)));
    }
  });

  it('threshold = floor(p·2^256) and the challenge decision, for p = pNum/pDen of every size', async () => {
    // Edges first: p = 0 and 1 over 1, denominators dividing 2^256, the largest denominator 2^128.
    const edges: [bigint, bigint][] = [[0n, 1n], [1n, 1n], [0n, 2n], [1n, 2n], [3n, 4n], [5n, 1n << 100n], [(1n << 128n) - 1n, 1n << 128n], [0n, 1n << 128n], [1n, 3n], [2n, 3n]];
    for (let i = 0; i < CASES + edges.length; i++) {
      const edge = edges[i - CASES];
      const pDen = edge ? edge[1] : i % 3 === 0 ? 10n ** BigInt(i % 31) : 1n + rand('pden', i, 1 + (i % 128));
      const pNum = edge ? edge[0] : i % 7 === 0 ? pDen : i % 11 === 0 ? 0n : rand('pnum', i, 130) % (pDen + 1n);
      const [t, all] = (await call('threshold', [pNum, pDen])) as [bigint, boolean];
      const exact = (pNum << 256n) / pDen;
      expect(all).toBe(pNum === pDen);
      if (!all) expect(t).toBe(exact);
      const seed = randHex('seed', i);
      const requestId = randHex('request', i);
      const onChain = await call('isChallenged', [seed, requestId, pNum, pDen]);
      expect(onChain).toBe(drawValue(bare(seed), bare(requestId)) < exact);
      if (!edge && i % 3 === 0) {
        // A decimal p, as the harness takes it: the same threshold and the same decision.
        const p = decimalOf(pNum, pDen);
        expect(challengeThreshold(p)).toBe(exact);
        expect(onChain).toBe(isChallenged(bare(seed), bare(requestId), p));
      }
    }
  });

  it('the challenge rate at p = 1/2 moves with the seed (some draws are challenged, some not)', async () => {
    const decisions = new Set<unknown>();
    for (let i = 0; i < 16; i++) decisions.add(await call('isChallenged', [randHex('rate', i), randHex('request', i), 1n, 2n]));
    expect(decisions).toEqual(new Set([true, false]));
  });

  it('asserterSeed and selectionSeed', async () => {
    for (let i = 0; i < CASES; i++) {
      const requestId = randHex('request', i);
      const seed = randHex('draw-seed', i);
      expect(await call('asserterSeed', [requestId])).toBe(hex(asserterSeed(bare(requestId))));
      expect(await call('selectionSeed', [seed, requestId])).toBe(hex(selectionSeed(bare(seed), bare(requestId))));
    }
  });

  it('HashStream.uniformBelow, for bounds from 1 to 2^256 − 1 drawn in turn from one stream', async () => {
    const bounds = [1n, 2n, 3n, 4n, 5n, 255n, 256n, 257n, (1n << 128n) - 1n, 1n << 128n, (1n << 255n) + 1n, (1n << 256n) - 1n];
    for (let i = bounds.length; i < CASES; i++) bounds.push(1n + rand('bound', i, 1 + (i * 37) % 256));
    for (const [i, bound] of bounds.entries()) {
      // Each bound between others, 1 among them: how many blocks a draw consumes moves every later draw.
      const sequence = [bound, 1n, bounds[(i + 5) % bounds.length]!, bound, 3n, bound];
      const seed = randHex('stream', i);
      const stream = new HashStream(bare(seed));
      const expected = sequence.map((b) => stream.uniformBelow(b));
      expect(await call('uniformBelow', [seed, sequence]), `bound ${bound}`).toEqual(expected);
    }
  });

  it('weightedSample: ids in any order, zero stakes and excluded ids left out', async () => {
    for (let i = 0; i < CASES; i++) {
      const nodes = nodesOf(i);
      const exclude = nodes.filter((_, j) => (i + j) % 5 === 0).map((x) => x.id);
      const eligible = nodes.filter((x) => x.stake > 0n && !exclude.includes(x.id)).length;
      const count = eligible === 0 ? 0 : 1 + (i % eligible);
      const seed = randHex('sample', i);
      const expected = weightedSample(nodes, count, bare(seed), exclude);
      const onChain = await call('weightedSample', [nodes.map((x) => x.id), nodes.map((x) => x.stake), BigInt(count), seed, exclude]);
      expect(lowerAll(onChain), `case ${i}`).toEqual(expected);
    }
  });

  it('weightedSample refuses more nodes than are eligible, as the TypeScript does', async () => {
    const nodes = nodesOf(3).map((x) => ({ ...x, stake: x.stake + 1n }));
    const seed = randHex('sample', 0);
    expect(() => weightedSample(nodes, nodes.length + 1, bare(seed))).toThrow(/nodes wanted/);
    await expect(call('weightedSample', [nodes.map((x) => x.id), nodes.map((x) => x.stake), BigInt(nodes.length + 1), seed, []])).rejects.toMatchObject({ errorName: 'NotEnoughEligible' });
  });

  it('validatorOrder: every eligible server but the asserter, in draw order', async () => {
    for (let i = 0; i < CASES; i++) {
      const nodes = nodesOf(i + 1000);
      const asserter = i % 4 === 3 ? randAddress('outsider', i) : nodes[i % nodes.length]!.id;
      const seed = randHex('order', i);
      const expected = validatorOrder(nodes, asserter, bare(seed));
      const onChain = await call('validatorOrder', [nodes.map((x) => x.id), nodes.map((x) => x.stake), asserter, seed]);
      expect(lowerAll(onChain), `case ${i}`).toEqual(expected);
    }
  });
});

/** pNum/pDen (pDen a power of ten) as the exact decimal string the harness takes for p. */
function decimalOf(pNum: bigint, pDen: bigint): string {
  const digits = pDen.toString().length - 1;
  if (digits === 0) return pNum.toString();
  const s = pNum.toString().padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}
