// Attacks on the settlement contract, each refused with the custom error that names it: re-entering
// withdraw, withdrawing a locked stake (in the window, in a dispute), votes that may not count
// (unregistered, zero stake, twice, stake added after the vote opened), replayed and cross-chain
// signatures, a malleated signature, a reveal that does not open the commitment, a timeout before its
// deadline, and the other out-of-turn calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, http, toFunctionSelector, type Abi, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startAnvil, type Anvil } from '../../protocol/chain/anvil.js';
import { addressOf, chainDefinition, chainError, deployArtifact, settlementDomain, signResponse, SpmlChain } from '../../protocol/chain/client.js';
import { compileContracts } from '../../protocol/chain/compile.js';
import { BASE_CONFIG, bytes32, eventOf, lower } from './fixtures.js';
import { CHEAT, Game, HONEST, type GameRound } from './game.js';

let anvil: Anvil;

beforeAll(async () => {
  anvil = await startAnvil({ accounts: 12 });
});

afterAll(async () => {
  await anvil?.stop();
});

const S = BASE_CONFIG.S;
const refused = (name: string, args?: readonly unknown[]) => (args === undefined ? { errorName: name } : { errorName: name, args });

describe('re-entrancy', () => {
  let g: Game;
  let attacker: Address;
  let abi: Abi;
  let call: (swallow: boolean, value: bigint) => Promise<void>;
  let read: (fn: string) => Promise<unknown>;

  beforeAll(async () => {
    g = await Game.start(anvil, { ...BASE_CONFIG, pNum: 0n }, [S]);
    const artifact = compileContracts(new URL('./ReentrantWithdrawer.sol', import.meta.url).pathname).ReentrantWithdrawer!;
    attacker = await deployArtifact(anvil, g.cast.deployer, artifact, [g.chain.address]);
    // The attacker's ABI with the settlement's errors, so a revert bubbling up from it is decoded.
    abi = [...artifact.abi, ...g.chain.abi.filter((x) => x.type === 'error')];
    const chain = chainDefinition(anvil);
    const wallet = createWalletClient({ account: privateKeyToAccount(g.cast.users[1]!), chain, transport: http(anvil.rpcUrl) });
    const client = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
    call = async (swallow, value) => {
      try {
        const hash = await wallet.writeContract({ address: attacker, abi, functionName: 'attack', args: [swallow], value });
        await client.waitForTransactionReceipt({ hash });
      } catch (e) {
        throw chainError('attack', e, abi);
      }
    };
    read = (fn) => client.readContract({ address: attacker, abi, functionName: fn });
  });

  it('a receive() that re-enters withdraw is refused with Reentrancy, and the whole withdrawal with it', async () => {
    const before = await g.chain.totals();
    await expect(call(false, 1_000n)).rejects.toMatchObject(refused('Reentrancy', []));
    expect(await g.chain.totals()).toEqual(before);
    expect(await g.chain.conserved()).toBe(true);
  });

  it('swallowing the refusal, the attacker gets its deposit back once and no more', async () => {
    const before = await g.chain.totals();
    await call(true, 1_000n);
    expect(await read('reentryError')).toBe(toFunctionSelector('Reentrancy()'));
    expect(await read('received')).toBe(1_000n);
    expect(await g.chain.account(attacker)).toEqual({ free: 0n, locked: 0n, escrow: 0n, pending: 0n });
    expect(await g.chain.totals()).toEqual(before);
    expect(await g.chain.conserved()).toBe(true);
  });
});

describe('a stake cannot leave while its round may still take it', () => {
  it('in the window: not while the round is open, nor after it settles until release', async () => {
    const g = await Game.start(anvil, { ...BASE_CONFIG, pNum: 0n }, [S]);
    const [server] = g.cast.servers;
    const r = await g.open('lock-window');
    await expect(g.chain.withdraw(server!, S)).rejects.toMatchObject(refused('InsufficientFree', [addressOf(server!), S, 0n]));
    const userFree = (await g.chain.account(addressOf(g.user))).free;
    await expect(g.chain.withdraw(g.user, userFree + 1n)).rejects.toMatchObject(refused('InsufficientFree'));
    await g.respond(r);
    await g.settled(await g.reveal(r), r, { kind: 'unchallenged' });
    await expect(g.chain.withdraw(server!, S)).rejects.toMatchObject(refused('InsufficientFree'));
    await expect(g.chain.release(g.cast.deployer, r.requestId)).rejects.toMatchObject(refused('WindowOpen', [r.requestId, r.openBlock + BASE_CONFIG.window]));
    await g.release(r);
    await expect(g.chain.release(g.cast.deployer, r.requestId)).rejects.toMatchObject(refused('AlreadyReleased'));
    await g.chain.withdraw(server!, S + BASE_CONFIG.R);
    expect((await g.chain.account(addressOf(server!))).free).toBe(0n);
  });
});

describe('a dispute', () => {
  let g: Game;
  let r: GameRound;
  let idle: Hex[];

  beforeAll(async () => {
    // Five servers with exactly S each: a round locks all of A's and its validators' money.
    g = await Game.start(anvil, BASE_CONFIG, [S, S, S, S, S]);
    r = await g.open('dispute-attacks');
    await g.respond(r, HONEST);
    await g.reveal(r);
    await g.validate(r, r.validators[0]!, CHEAT);
    await g.validate(r, r.validators[1]!, HONEST);
    idle = g.cast.servers.filter((k) => ![r.asserter, ...r.validators].map(lower).includes(lower(addressOf(k))));
    expect(idle).toHaveLength(2);
  });

  it('holds every stake of the round: A, B and the user cannot withdraw', async () => {
    await g.dispute(r);
    for (const party of [r.asserter, r.validators[0]!, r.validators[1]!]) await expect(g.chain.withdraw(g.cast.key(party), 1n)).rejects.toMatchObject(refused('InsufficientFree', [party, 1n, 0n]));
    const userFree = (await g.chain.account(addressOf(g.user))).free;
    await expect(g.chain.withdraw(g.user, userFree + BASE_CONFIG.Su)).rejects.toMatchObject(refused('InsufficientFree'));
  });

  it('takes attestations only from A and B, once each', async () => {
    const digest = bytes32('digest');
    const other = await g.chain.signAttestation(g.cast.key(r.validators[1]!), r.requestId, digest);
    await expect(g.chain.attestFor(g.cast.deployer, r.requestId, digest, other)).rejects.toMatchObject(refused('NotDisputant', [r.requestId, r.validators[1]]));
    await g.attest(r, r.asserter);
    await expect(g.attest(r, r.asserter)).rejects.toMatchObject(refused('AlreadyAttested'));
  });

  it('weighs votes by stake at the vote\'s opening: zero stake refused, a later deposit adds nothing', async () => {
    const [emptied, latecomer] = idle as [Hex, Hex];
    await g.chain.withdraw(emptied, S);
    const opened = eventOf(await g.attest(r, r.validators[0]!), 'VotingOpened');
    expect(opened.totalStake).toBe(4n * S);
    const v = { userHonest: true, aHonest: true, bHonest: false };
    await expect(g.vote(r, emptied, v)).rejects.toMatchObject(refused('NoVotingStake', [addressOf(emptied)]));
    await expect(g.vote(r, g.user, v)).rejects.toMatchObject(refused('NotRegistered', [addressOf(g.user)]));
    await g.chain.deposit(latecomer, 100n * S);
    const tx = await g.vote(r, latecomer, v);
    expect(eventOf(tx, 'Voted').weight).toBe(S);
    expect((await g.chain.round(r.requestId)).phase).toBe('voting');
  });

  it('counts a vote once: the same signature again, or another judgement from the same server', async () => {
    const voter = g.cast.key(r.asserter);
    const v = { userHonest: true, aHonest: true, bHonest: false };
    const sig = await g.chain.signVote(voter, r.requestId, v);
    await g.chain.voteFor(g.cast.deployer, r.requestId, v, sig);
    await expect(g.chain.voteFor(g.cast.deployer, r.requestId, v, sig)).rejects.toMatchObject(refused('AlreadyVoted', [r.requestId, r.asserter]));
    await expect(g.vote(r, voter, { userHonest: false, aHonest: false, bHonest: false })).rejects.toMatchObject(refused('AlreadyVoted'));
  });

  it('refuses a timeout before the vote\'s deadline, and every call once settled', async () => {
    const { deadline } = await g.chain.round(r.requestId);
    await expect(g.chain.timeout(g.cast.deployer, r.requestId)).rejects.toMatchObject(refused('DeadlineNotReached', [r.requestId, deadline]));
    await g.timeout(r);
    await expect(g.chain.timeout(g.cast.deployer, r.requestId)).rejects.toMatchObject(refused('AlreadySettled'));
    await expect(g.vote(r, g.cast.key(r.validators[1]!), { userHonest: true, aHonest: true, bHonest: false })).rejects.toMatchObject(refused('WrongPhase'));
  });
});

describe('signatures and reveals', () => {
  let g: Game;
  let r: GameRound;
  const m = { ...HONEST, responseDigest: bytes32('response-digest') };

  beforeAll(async () => {
    g = await Game.start(anvil, { ...BASE_CONFIG, pNum: 0n }, [6n * S]);
    r = await g.open('signatures');
  });

  it('a response signed for another chain or another contract is not A\'s', async () => {
    const key = g.cast.key(r.asserter);
    for (const domain of [settlementDomain(1, g.chain.address), settlementDomain(g.chain.chainId, addressOf(g.cast.deployer))]) {
      const sig = await signResponse(key, domain, r.requestId, m);
      await expect(g.chain.respondFor(g.cast.deployer, r.requestId, m, sig)).rejects.toMatchObject(refused('WrongSigner'));
    }
  });

  it('a malleated signature (s > n/2) and a malformed one are refused', async () => {
    const sig = await g.chain.signResponse(g.cast.key(r.asserter), r.requestId, m);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${sig.slice(66, 130)}`);
    const v = parseInt(sig.slice(130, 132), 16);
    const twin = `${sig.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    await expect(g.chain.respondFor(g.cast.deployer, r.requestId, m, twin)).rejects.toMatchObject(refused('BadSignature', []));
    await expect(g.chain.respondFor(g.cast.deployer, r.requestId, m, sig.slice(0, 130) as Hex)).rejects.toMatchObject(refused('BadSignature', []));
  });

  it('a response signature is bound to its request: reused for another request id it is refused', async () => {
    const sig = await g.chain.signResponse(g.cast.key(r.asserter), r.requestId, m);
    await g.chain.respondFor(g.cast.deployer, r.requestId, m, sig);
    const other = await g.open('signatures-2');
    expect(other.asserter).toBe(r.asserter);
    await expect(g.chain.respondFor(g.cast.deployer, other.requestId, m, sig)).rejects.toMatchObject(refused('WrongSigner', [r.asserter, expect.any(String)]));
    await expect(g.chain.respondFor(g.cast.deployer, r.requestId, m, sig)).rejects.toMatchObject(refused('WrongPhase'));
  });

  it('a reveal must come after the beacon block, from the user, and open the commitment', async () => {
    const r = await g.open('signatures-reveal');
    await g.respond(r);
    const { beaconBlock } = await g.chain.round(r.requestId);
    expect(await g.chain.blockNumber()).toBe(beaconBlock - 1n);
    await expect(g.chain.reveal(g.user, r.requestId, r.secret)).rejects.toMatchObject(refused('BeaconNotReady', [r.requestId, beaconBlock]));
    await g.chain.mine(1);
    await expect(g.chain.reveal(g.cast.deployer, r.requestId, r.secret)).rejects.toMatchObject(refused('NotUser', [r.requestId, addressOf(g.cast.deployer)]));
    await expect(g.chain.reveal(g.user, r.requestId, bytes32('another secret'))).rejects.toMatchObject(refused('CommitmentMismatch', [r.requestId]));
    await g.chain.reveal(g.user, r.requestId, r.secret);
  });

  it('a timeout before the deadline is refused, and a deadline passed refuses the late call', async () => {
    const other = await g.open('signatures-3');
    const { deadline } = await g.chain.round(other.requestId);
    await expect(g.chain.timeout(g.cast.deployer, other.requestId)).rejects.toMatchObject(refused('DeadlineNotReached', [other.requestId, deadline]));
    await g.chain.mine(Number(deadline - (await g.chain.blockNumber())));
    const sig = await g.chain.signResponse(g.cast.key(other.asserter), other.requestId, m);
    await expect(g.chain.respondFor(g.cast.deployer, other.requestId, m, sig)).rejects.toMatchObject(refused('DeadlinePassed', [other.requestId, deadline]));
    await g.chain.timeout(g.cast.deployer, other.requestId);
  });
});

describe('out-of-turn calls', () => {
  it('are refused with the error that names them', async () => {
    const g = await Game.start(anvil, BASE_CONFIG, [S, S, S, S]);
    const [s0] = g.cast.servers;
    await expect(g.chain.registerServer(s0!)).rejects.toMatchObject(refused('AlreadyRegistered', [addressOf(s0!)]));
    await expect(g.chain.registerServer(g.cast.users[1]!)).rejects.toMatchObject(refused('NothingStaked'));
    await expect(g.chain.deposit(g.user, 0n)).rejects.toMatchObject(refused('ZeroAmount', []));
    await expect(g.chain.release(g.cast.deployer, bytes32('nothing'))).rejects.toMatchObject(refused('UnknownRound'));
    const r = await g.open('out-of-turn');
    await expect(g.chain.request(g.user, r.requestId, bytes32('c'))).rejects.toMatchObject(refused('RoundExists', [r.requestId]));
    await expect(g.chain.release(g.cast.deployer, r.requestId)).rejects.toMatchObject(refused('NotSettled', [r.requestId, 1]));
    await expect(g.chain.dispute(g.user, r.requestId)).rejects.toMatchObject(refused('WrongPhase', [r.requestId, 1, 4]));
    await g.respond(r, HONEST);
    await g.reveal(r);
    const outsider = g.cast.servers.find((k) => ![r.asserter, ...r.validators].map(lower).includes(lower(addressOf(k))))!;
    const sig = await g.chain.signValidation(outsider, r.requestId, HONEST);
    await expect(g.chain.validateFor(g.cast.deployer, r.requestId, HONEST, sig)).rejects.toMatchObject(refused('NotValidator', [r.requestId, addressOf(outsider)]));
    await g.validate(r, r.validators[0]!, CHEAT);
    await expect(g.validate(r, r.validators[0]!, CHEAT)).rejects.toMatchObject(refused('AlreadyValidated'));
    // A, its validators and then the fourth server (a second round's asserter) all busy: a third request finds nobody.
    expect(eventOf(await g.chain.request(g.user, bytes32('second'), bytes32('c')), 'Requested').asserter).toBe(addressOf(outsider));
    await expect(g.chain.request(g.user, bytes32('third'), bytes32('c'))).rejects.toMatchObject(refused('NoEligibleServer', []));
  });

  it('a config outside the rules is refused at deployment, naming the parameter', async () => {
    for (const [bad, param] of [[{ P: S + 1n }, 'P'], [{ dNum: 3n }, 'd'], [{ pNum: 2n }, 'p'], [{ revealBlocks: 1n }, 'revealBlocks'], [{ n: 0n }, 'n']] as const) {
      await expect(SpmlChain.deploy(anvil, { ...BASE_CONFIG, ...bad }, { deployer: anvil.accounts[0]! })).rejects.toMatchObject(refused('InvalidConfig', [param]));
    }
  });

  it('a request the reward pool cannot cover is refused', async () => {
    const chain = await SpmlChain.deploy(anvil, BASE_CONFIG, { deployer: anvil.accounts[0]!, rewardPool: 2n * BASE_CONFIG.R });
    await chain.deposit(anvil.accounts[1]!, 10_000n);
    await expect(chain.request(anvil.accounts[1]!, bytes32('r'), bytes32('c'))).rejects.toMatchObject(refused('RewardPoolShort', [3n * BASE_CONFIG.R, 2n * BASE_CONFIG.R]));
  });
});
