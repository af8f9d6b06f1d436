// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * spML on the EVM (paper §3.1 "On-chain Operations", §3.2 steps 1–8): the board of a round — escrow,
 * stakes, the challenge draw, validator selection, the vote and every default verdict — as one contract
 * whose money is native ether. The money rules are exactly protocol/settlement.ts's (its header gives
 * each outcome); the draws are exactly protocol/challenge.ts's, protocol/selection.ts's and
 * protocol/live/validator_order.ts's, with SHA-256 from the precompile, so an off-chain party recomputes
 * every choice the contract made from its events.
 *
 * Money. Each account holds free (withdrawable), locked (stakes of open rounds), escrow (fees of open
 * rounds) and pending (rewards paid when the round's window closes). Rewards come from a pool funded
 * with ether (fundRewards); "minting" R moves it from the pool into an account's pending. Burnt ether
 * stays in the contract forever, counted in `burnt`. So at every moment
 *
 *     address(this).balance == held + rewardPool + burnt,   held = Σ (free + locked + escrow + pending)
 *
 * (conserved(); ether forced in by another contract's SELFDESTRUCT could only make the left side larger).
 * A round reserves from the pool, when it opens, the most it can pay (R for A and each of n validators),
 * so settling never fails for want of rewards.
 *
 * Identities. A server is its address; "ids sorted" in selection.ts is the servers' addresses in
 * ascending order (as lowercase 0x hex strings sort). A round's user is never in its own pool.
 *
 * Time is blocks. Each phase has a deadline: its action is accepted while block.number <= deadline, and
 * timeout() applies the phase's default verdict once block.number > deadline. A round's stakes stay
 * locked from its opening until release(), which needs the round settled and block.number >= openBlock
 * + window; the only earlier releases are the ones settlement.ts makes at once (a silent asserter's
 * round, a silent validator's remaining stake).
 *
 * The beacon is blockhash(beaconBlock), the block after A's response: unknown when the user committed
 * and when A signed. A block producer can bias it (as with any blockhash); the harness's beacon has
 * the same trust assumption (docs/PROTOCOL.md §3).
 */

/// A draw was asked for more servers than its pool holds (the contract never does).
error DrawExhausted();

/// The draw, ported bit for bit from challenge.ts, selection.ts and validator_order.ts.
library SpmlDraw {
    /// selection.ts HashStream: SHA-256 in counter mode from a 32-byte seed.
    struct Stream {
        bytes32 seed;
        uint64 counter;
    }

    /// Successive stake-weighted sampling without replacement over ids in ascending order (weightedSample).
    struct Sampler {
        address[] ids;
        uint256[] stakes;
        bool[] taken;
        uint256 total;
        uint256 left;
        Stream stream;
    }

    /// challenge.ts challengeCommitment: H("spml/v1/commit\n" ‖ secret ‖ requestId).
    function commitment(bytes32 secret, bytes32 requestId) internal pure returns (bytes32) {
        return sha256(abi.encodePacked("spml/v1/commit\n", secret, requestId));
    }

    /// challenge.ts drawSeed: H("spml/v1/draw-seed\n" ‖ secret ‖ requestId ‖ responseDigest ‖ beacon).
    function drawSeed(bytes32 secret, bytes32 requestId, bytes32 responseDigest, bytes32 beacon) internal pure returns (bytes32) {
        return sha256(abi.encodePacked("spml/v1/draw-seed\n", secret, requestId, responseDigest, beacon));
    }

    /// challenge.ts drawValue: H("spml/v1/draw\n" ‖ seed ‖ requestId), big-endian.
    function drawValue(bytes32 seed, bytes32 requestId) internal pure returns (uint256) {
        return uint256(sha256(abi.encodePacked("spml/v1/draw\n", seed, requestId)));
    }

    /**
     * challenge.ts challengeThreshold: floor(pNum · 2^256 / pDen), for pNum <= pDen <= 2^128. With
     * 2^256 = q·pDen + r it is pNum·q + floor(pNum·r / pDen), each term below 2^256. `all` when
     * pNum == pDen: the threshold 2^256 does not fit, and every draw is below it.
     */
    function threshold(uint256 pNum, uint256 pDen) internal pure returns (uint256 t, bool all) {
        if (pNum == pDen) return (0, true);
        uint256 q = type(uint256).max / pDen;
        uint256 r = (type(uint256).max % pDen) + 1;
        // r == pDen: pDen divides 2^256 and the quotient is q + 1, which overflows for pDen = 1.
        if (r == pDen) return (pNum * q + pNum, false);
        t = pNum * q + (pNum * r) / pDen;
    }

    /// selection.ts asserterSeed: H("spml/v1/asserter\n" ‖ requestId).
    function asserterSeed(bytes32 requestId) internal pure returns (bytes32) {
        return sha256(abi.encodePacked("spml/v1/asserter\n", requestId));
    }

    /// selection.ts selectionSeed: H("spml/v1/select\n" ‖ seed ‖ requestId).
    function selectionSeed(bytes32 seed, bytes32 requestId) internal pure returns (bytes32) {
        return sha256(abi.encodePacked("spml/v1/select\n", seed, requestId));
    }

    /// The length of x in binary as JavaScript's x.toString(2) writes it: 1 for x = 0.
    function bitLength(uint256 x) internal pure returns (uint256 n) {
        if (x == 0) return 1;
        for (uint256 step = 128; step > 0; step >>= 1) {
            if (x >> step != 0) {
                x >>= step;
                n += step;
            }
        }
        return n + 1;
    }

    /// HashStream.uniformBelow: 256-bit blocks H("spml/v1/stream\n" ‖ seed ‖ counter as 8 bytes BE), masked to (n−1)'s bit length, redrawn while >= n.
    function uniformBelow(Stream memory s, uint256 n) internal pure returns (uint256 r) {
        uint256 bits = bitLength(n - 1);
        uint256 mask = bits == 256 ? type(uint256).max : (uint256(1) << bits) - 1;
        do {
            r = uint256(sha256(abi.encodePacked("spml/v1/stream\n", s.seed, s.counter))) & mask;
            s.counter += 1;
        } while (r >= n);
    }

    /// A sampler over `ids` (ascending, distinct, every stake > 0) from `seed`.
    function sampler(address[] memory ids, uint256[] memory stakes, bytes32 seed) internal pure returns (Sampler memory s) {
        uint256 total;
        for (uint256 i = 0; i < stakes.length; i++) total += stakes[i];
        s = Sampler(ids, stakes, new bool[](ids.length), total, ids.length, Stream(seed, 0));
    }

    /// The next id of weightedSample's order: r uniform below the remaining stake, the first id whose stake r falls in.
    function next(Sampler memory s) internal pure returns (address id) {
        if (s.left == 0) revert DrawExhausted();
        uint256 r = uniformBelow(s.stream, s.total);
        for (uint256 i = 0; i < s.ids.length; i++) {
            if (s.taken[i]) continue;
            if (r < s.stakes[i]) {
                s.taken[i] = true;
                s.total -= s.stakes[i];
                s.left -= 1;
                return s.ids[i];
            }
            r -= s.stakes[i];
        }
        revert DrawExhausted(); // unreachable: r < total
    }
}

contract SpmlSettlement {
    using SpmlDraw for SpmlDraw.Sampler;

    enum Phase {
        None,
        Requested, // waiting for A's response
        Responded, // waiting for the user's reveal
        Challenged, // waiting for the validators
        Mismatch, // waiting for the user's dispute
        Disputed, // waiting for A's and B's attestations
        Voting, // waiting for 2/3 of the staked servers
        Settled
    }

    /// settlement.ts RoundOutcome kinds.
    enum Outcome {
        None,
        Unchallenged,
        Match,
        Arbitrated,
        NoVerdict,
        AsserterSilent,
        WithheldReveal,
        DisputeWithheld
    }

    /// The money parameters (settlement.ts ProtocolConfig), p as pNum/pDen, n validators, deadlines in blocks.
    struct Config {
        uint256 u;
        uint256 dNum;
        uint256 dDen;
        uint256 R;
        uint256 S;
        uint256 Su;
        uint256 P;
        uint256 window;
        uint256 pNum;
        uint256 pDen;
        uint256 n;
        uint256 responseBlocks;
        uint256 revealBlocks;
        uint256 validateBlocks;
        uint256 disputeBlocks;
        uint256 attestBlocks;
        uint256 voteBlocks;
    }

    struct Account {
        uint128 free;
        uint128 locked;
        uint128 escrow;
        uint128 pending;
    }

    struct Server {
        bool registered;
        uint16 index; // registration order: the bit of a round's pool snapshot
        uint64 since; // snapshots taken before it registered
        uint128 weight; // selection weight: its free balance when it registered
    }

    /// free + locked of a server as of snapshot `snap` (the value before the first change after it).
    struct Checkpoint {
        uint64 snap;
        uint192 value;
    }

    struct Round {
        address user;
        uint64 openBlock;
        Phase phase;
        Outcome outcome;
        bool released;
        address asserter;
        uint64 deadline;
        uint16 awaiting; // validators that have not validated yet
        uint16 orderNext; // how much of the validator order has been used
        address b; // the first validator that disagrees with A
        uint64 beaconBlock;
        bool attestedA;
        bool attestedB;
        uint64 snapshot;
        uint128 totalStake;
        bytes32 commitment;
        bytes32 resultA; // keccak256(outputHash, traceRoot) of A's response
        bytes32 responseDigest;
        bytes32 selectionSeed;
        uint256 poolBits; // the validator pool at the reveal, by registration index
        address[] validators;
    }

    struct RoundView {
        Phase phase;
        Outcome outcome;
        bool released;
        address user;
        address asserter;
        address b;
        uint256 openBlock;
        uint256 deadline;
        uint256 beaconBlock;
        bytes32 commitment;
        bytes32 resultA;
        bytes32 responseDigest;
        bytes32 selectionSeed;
        address[] validators;
        bool attestedA;
        bool attestedB;
        uint256 snapshot;
        uint256 totalStake;
    }

    uint256 public constant MAX_SERVERS = 256;
    bytes32 private constant DOMAIN_TYPEHASH = keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant RESPONSE_TYPEHASH = keccak256("Response(bytes32 requestId,bytes32 outputHash,bytes32 traceRoot,bytes32 responseDigest)");
    bytes32 private constant VALIDATION_TYPEHASH = keccak256("Validation(bytes32 requestId,bytes32 outputHash,bytes32 traceRoot)");
    bytes32 private constant ATTESTATION_TYPEHASH = keccak256("Attestation(bytes32 requestId,bytes32 requestDigest)");
    bytes32 private constant VOTE_TYPEHASH = keccak256("Vote(bytes32 requestId,bool userHonest,bool aHonest,bool bHonest)");
    /// secp256k1 n/2: a signature with a larger s is the malleated twin of another.
    uint256 private constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    uint256 private immutable u;
    uint256 private immutable dNum;
    uint256 private immutable dDen;
    uint256 private immutable R;
    uint256 private immutable S;
    uint256 private immutable Su;
    uint256 private immutable P;
    uint256 private immutable window;
    uint256 private immutable pNum;
    uint256 private immutable pDen;
    uint256 private immutable n;
    uint256 private immutable responseBlocks;
    uint256 private immutable revealBlocks;
    uint256 private immutable validateBlocks;
    uint256 private immutable disputeBlocks;
    uint256 private immutable attestBlocks;
    uint256 private immutable voteBlocks;
    uint256 private immutable challengeThreshold;
    bool private immutable alwaysChallenged;
    uint256 private immutable cachedChainId;
    bytes32 private immutable cachedDomainSeparator;

    /// Σ over accounts of free + locked + escrow + pending.
    uint256 public held;
    /// Ether funded for rewards and not yet moved to an account's pending.
    uint256 public rewardPool;
    /// The part of rewardPool that open rounds may still pay: (1 + n)·R each.
    uint256 public rewardReserved;
    /// Ether destroyed: burnt fees, slashes and penalties. It never leaves the contract.
    uint256 public burnt;
    /// Σ over registered servers of free + locked: the electorate's stake.
    uint256 public totalBonded;
    /// Votes opened so far; a round's vote weighs stakes as of its snapshot.
    uint64 public snapshots;

    mapping(address => Account) private accounts;
    mapping(address => Server) private servers;
    address[] private serverList; // ascending by address
    mapping(address => Checkpoint[]) private checkpoints;
    mapping(bytes32 => Round) private rounds;
    mapping(bytes32 => mapping(address => uint256)) public lockOf;
    mapping(bytes32 => mapping(address => uint256)) public rewardOf;
    /// keccak256(outputHash, traceRoot) a validator signed for the round; zero until it validates.
    mapping(bytes32 => mapping(address => bytes32)) public resultOf;
    mapping(bytes32 => mapping(address => bool)) public voted;
    /// Stake behind each judgement (user honest, A honest, B honest as bits 2, 1, 0).
    mapping(bytes32 => uint256[8]) private tally;

    bool private transient entered;

    // --- errors -------------------------------------------------------------------------------
    error InvalidConfig(string param);
    error ZeroAmount();
    error AmountTooLarge(uint256 amount);
    error InsufficientFree(address account, uint256 needed, uint256 free);
    error TransferFailed(address to, uint256 amount);
    error Reentrancy();
    error AlreadyRegistered(address server);
    error NothingStaked(address server);
    error TooManyServers(uint256 max);
    error RoundExists(bytes32 requestId);
    error UnknownRound(bytes32 requestId);
    error WrongPhase(bytes32 requestId, Phase phase, Phase expected);
    error AlreadySettled(bytes32 requestId);
    error NoEligibleServer();
    error RewardPoolShort(uint256 needed, uint256 available);
    error DeadlinePassed(bytes32 requestId, uint256 deadline);
    error DeadlineNotReached(bytes32 requestId, uint256 deadline);
    error BeaconNotReady(bytes32 requestId, uint256 beaconBlock);
    error NotUser(bytes32 requestId, address caller);
    error CommitmentMismatch(bytes32 requestId);
    error BadSignature();
    error WrongSigner(address expected, address signer);
    error NotValidator(bytes32 requestId, address signer);
    error AlreadyValidated(bytes32 requestId, address validator);
    error NotDisputant(bytes32 requestId, address signer);
    error AlreadyAttested(bytes32 requestId, address server);
    error NotRegistered(address voter);
    error NoVotingStake(address voter);
    error AlreadyVoted(bytes32 requestId, address voter);
    error NotSettled(bytes32 requestId, Phase phase);
    error WindowOpen(bytes32 requestId, uint256 releaseBlock);
    error AlreadyReleased(bytes32 requestId);

    // --- money events: every change of a balance is one of these --------------------------------
    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event RewardsFunded(address indexed from, uint256 amount);
    event Escrowed(bytes32 indexed requestId, address indexed account, uint256 amount);
    event EscrowRefunded(bytes32 indexed requestId, address indexed account, uint256 amount);
    event EscrowBurnt(bytes32 indexed requestId, address indexed account, uint256 amount);
    event StakeLocked(bytes32 indexed requestId, address indexed account, uint256 amount);
    event StakeUnlocked(bytes32 indexed requestId, address indexed account, uint256 amount);
    /// Locked stake of `account` moved to the free balance of `to` (an honest user's S/3).
    event StakeSlashed(bytes32 indexed requestId, address indexed account, address indexed to, uint256 amount);
    /// Locked stake burnt for a dishonest result.
    event StakeBurnt(bytes32 indexed requestId, address indexed account, uint256 amount);
    /// Locked stake burnt for a missed deadline (the silence penalty P).
    event StakePenalized(bytes32 indexed requestId, address indexed account, uint256 amount);
    /// R moved from the reward pool into `account`'s pending.
    event RewardMinted(bytes32 indexed requestId, address indexed account, uint256 amount);
    /// Pending moved to free when the round's window closed.
    event RewardPaid(bytes32 indexed requestId, address indexed account, uint256 amount);

    // --- round events ----------------------------------------------------------------------------
    event ServerRegistered(address indexed server, uint256 weight);
    /// The asserter drawn by weightedSample(pool, 1, asserterSeed(requestId)); pool = ids (ascending) and weights.
    event Requested(bytes32 indexed requestId, address indexed user, address indexed asserter, bytes32 commitment, address[] ids, uint256[] weights, uint256 deadline);
    event Responded(bytes32 indexed requestId, bytes32 outputHash, bytes32 traceRoot, bytes32 responseDigest, uint256 beaconBlock, uint256 deadline);
    event Revealed(bytes32 indexed requestId, bytes32 secret, bytes32 beacon, bytes32 drawSeed, bool challenged);
    /// The first validators of validatorOrder(pool, asserter, selectionSeed); pool = ids and weights (asserter and user left out).
    event ValidatorsDrawn(bytes32 indexed requestId, bytes32 selectionSeed, address[] ids, uint256[] weights, address[] validators, uint256 deadline);
    event Validated(bytes32 indexed requestId, address indexed validator, bytes32 outputHash, bytes32 traceRoot);
    /// A silent validator and the next in the order that takes its place (zero when the order is spent).
    event ValidatorReplaced(bytes32 indexed requestId, address indexed silent, address indexed replacement, uint256 deadline);
    /// A server of the order passed over as a replacement: it no longer had S free.
    event ValidatorSkipped(bytes32 indexed requestId, address indexed server);
    event MismatchFound(bytes32 indexed requestId, address indexed b, uint256 deadline);
    event DisputeOpened(bytes32 indexed requestId, uint256 deadline);
    event Attested(bytes32 indexed requestId, address indexed server, bytes32 requestDigest);
    event VotingOpened(bytes32 indexed requestId, uint256 snapshot, uint256 totalStake, uint256 deadline);
    event Voted(bytes32 indexed requestId, address indexed voter, bool userHonest, bool aHonest, bool bHonest, uint256 weight);
    event Verdict(bytes32 indexed requestId, bool userHonest, address[] dishonest, address[] honest);
    event Settled(bytes32 indexed requestId, Outcome outcome);
    event Released(bytes32 indexed requestId);

    constructor(Config memory c) {
        if (c.u == 0 || c.u > type(uint96).max) revert InvalidConfig("u");
        if (c.dDen == 0 || c.dNum >= c.dDen || c.dDen > type(uint128).max) revert InvalidConfig("d");
        if (c.R > type(uint96).max) revert InvalidConfig("R");
        if (c.S == 0 || c.S > type(uint96).max) revert InvalidConfig("S");
        if (c.Su == 0 || c.Su > type(uint96).max) revert InvalidConfig("Su");
        if (c.P == 0 || c.P > c.S) revert InvalidConfig("P");
        if (c.window == 0 || c.window > type(uint32).max) revert InvalidConfig("window");
        if (c.pDen == 0 || c.pNum > c.pDen || c.pDen > (uint256(1) << 128)) revert InvalidConfig("p");
        if (c.n == 0 || c.n >= MAX_SERVERS) revert InvalidConfig("n");
        if (c.responseBlocks == 0 || c.responseBlocks > type(uint32).max) revert InvalidConfig("responseBlocks");
        // The beacon is blockhash(beaconBlock), readable for 256 blocks; a reveal needs a block after it.
        if (c.revealBlocks < 2 || c.revealBlocks > 256) revert InvalidConfig("revealBlocks");
        if (c.validateBlocks == 0 || c.validateBlocks > type(uint32).max) revert InvalidConfig("validateBlocks");
        if (c.disputeBlocks == 0 || c.disputeBlocks > type(uint32).max) revert InvalidConfig("disputeBlocks");
        if (c.attestBlocks == 0 || c.attestBlocks > type(uint32).max) revert InvalidConfig("attestBlocks");
        if (c.voteBlocks == 0 || c.voteBlocks > type(uint32).max) revert InvalidConfig("voteBlocks");
        u = c.u;
        dNum = c.dNum;
        dDen = c.dDen;
        R = c.R;
        S = c.S;
        Su = c.Su;
        P = c.P;
        window = c.window;
        pNum = c.pNum;
        pDen = c.pDen;
        n = c.n;
        responseBlocks = c.responseBlocks;
        revealBlocks = c.revealBlocks;
        validateBlocks = c.validateBlocks;
        disputeBlocks = c.disputeBlocks;
        attestBlocks = c.attestBlocks;
        voteBlocks = c.voteBlocks;
        (challengeThreshold, alwaysChallenged) = SpmlDraw.threshold(c.pNum, c.pDen);
        cachedChainId = block.chainid;
        cachedDomainSeparator = _buildDomainSeparator();
    }

    modifier nonReentrant() {
        if (entered) revert Reentrancy();
        entered = true;
        _;
        entered = false;
    }

    // --- accounts --------------------------------------------------------------------------------

    /// Adds msg.value to the sender's free balance.
    function deposit() external payable {
        if (msg.value == 0) revert ZeroAmount();
        held += msg.value;
        _addFree(msg.sender, msg.value);
        emit Deposited(msg.sender, msg.value);
    }

    /// Sends `amount` of the sender's free balance to it. Locked, escrowed and pending money cannot leave.
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        _subFree(msg.sender, amount);
        held -= amount;
        emit Withdrawn(msg.sender, amount);
        (bool ok, bytes memory reason) = msg.sender.call{value: amount}("");
        if (!ok) {
            // The recipient's own revert (a re-entry refused with Reentrancy, say) is the reason given.
            if (reason.length > 0) {
                assembly {
                    revert(add(reason, 32), mload(reason))
                }
            }
            revert TransferFailed(msg.sender, amount);
        }
    }

    /// Adds msg.value to the reward pool that pays R.
    function fundRewards() external payable {
        if (msg.value == 0) revert ZeroAmount();
        rewardPool += msg.value;
        emit RewardsFunded(msg.sender, msg.value);
    }

    /// Registers the sender as a server, weighed in every draw by its free balance now (as the harness's registry stake).
    function registerServer() external {
        address s = msg.sender;
        if (servers[s].registered) revert AlreadyRegistered(s);
        uint256 count = serverList.length;
        if (count >= MAX_SERVERS) revert TooManyServers(MAX_SERVERS);
        Account storage a = accounts[s];
        if (a.free == 0) revert NothingStaked(s);
        servers[s] = Server(true, uint16(count), snapshots, a.free);
        serverList.push(s);
        uint256 i = count;
        while (i > 0 && serverList[i - 1] > s) {
            serverList[i] = serverList[i - 1];
            i--;
        }
        serverList[i] = s;
        totalBonded += uint256(a.free) + a.locked;
        emit ServerRegistered(s, a.free);
    }

    // --- a round -----------------------------------------------------------------------------------

    /**
     * §3.2 step 1: the sender (the user) opens round `requestId` with its commitment to a secret
     * (challenge.ts challengeCommitment). The asserter is drawn by stake among the servers with S free;
     * the user's u is escrowed, its Su and A's S locked. A must respond within responseBlocks.
     */
    function request(bytes32 requestId, bytes32 commitment_) external {
        Round storage r = rounds[requestId];
        if (r.phase != Phase.None) revert RoundExists(requestId);
        uint256 reserve = (1 + n) * R;
        if (rewardPool - rewardReserved < reserve) revert RewardPoolShort(reserve, rewardPool - rewardReserved);
        address user = msg.sender;
        uint256 free = accounts[user].free;
        if (free < u + Su) revert InsufficientFree(user, u + Su, free);
        (address[] memory ids, uint256[] memory weights, ) = _livePool(user, address(0));
        if (ids.length == 0) revert NoEligibleServer();
        address asserter = SpmlDraw.sampler(ids, weights, SpmlDraw.asserterSeed(requestId)).next();
        rewardReserved += reserve;
        r.user = user;
        r.openBlock = uint64(block.number);
        r.phase = Phase.Requested;
        r.asserter = asserter;
        r.deadline = uint64(block.number + responseBlocks);
        r.commitment = commitment_;
        emit Requested(requestId, user, asserter, commitment_, ids, weights, r.deadline);
        _escrow(requestId, user, u);
        _lock(requestId, user, Su);
        _lock(requestId, asserter, S);
    }

    /// §3.2 step 2: A's signed response, relayed by anyone. The beacon is the hash of the next block.
    function respondFor(bytes32 requestId, bytes32 outputHash, bytes32 traceRoot, bytes32 responseDigest, bytes calldata sig) external {
        Round storage r = _open(requestId, Phase.Requested);
        address signer = _recover(keccak256(abi.encode(RESPONSE_TYPEHASH, requestId, outputHash, traceRoot, responseDigest)), sig);
        if (signer != r.asserter) revert WrongSigner(r.asserter, signer);
        r.resultA = _result(outputHash, traceRoot);
        r.responseDigest = responseDigest;
        r.beaconBlock = uint64(block.number + 1);
        r.phase = Phase.Responded;
        r.deadline = uint64(block.number + revealBlocks);
        emit Responded(requestId, outputHash, traceRoot, responseDigest, r.beaconBlock, r.deadline);
    }

    /**
     * §3.2 step 3: the user opens its commitment in a block after the beacon block. The draw is
     * challenge.ts's: drawSeed(secret, requestId, responseDigest, blockhash(beaconBlock)), challenged iff
     * drawValue(drawSeed, requestId) < floor(p·2^256). Unchallenged settles at once; challenged draws
     * the first n of validatorOrder(pool, A, selectionSeed(drawSeed, requestId)) and locks their S.
     */
    function reveal(bytes32 requestId, bytes32 secret) external {
        Round storage r = _open(requestId, Phase.Responded);
        if (msg.sender != r.user) revert NotUser(requestId, msg.sender);
        if (block.number <= r.beaconBlock) revert BeaconNotReady(requestId, r.beaconBlock);
        if (SpmlDraw.commitment(secret, requestId) != r.commitment) revert CommitmentMismatch(requestId);
        bytes32 beacon = blockhash(r.beaconBlock);
        bytes32 seed = SpmlDraw.drawSeed(secret, requestId, r.responseDigest, beacon);
        bool challenged = alwaysChallenged || SpmlDraw.drawValue(seed, requestId) < challengeThreshold;
        emit Revealed(requestId, secret, beacon, seed, challenged);
        if (!challenged) return _settleUnpaidFee(requestId, r, Outcome.Unchallenged);
        _drawValidators(requestId, r, SpmlDraw.selectionSeed(seed, requestId));
    }

    /// The first n of the validator order over the servers with S free now (neither the user nor A); each locks S.
    function _drawValidators(bytes32 requestId, Round storage r, bytes32 sel) private {
        (address[] memory ids, uint256[] memory weights, uint256 bits) = _livePool(r.user, r.asserter);
        SpmlDraw.Sampler memory order = SpmlDraw.sampler(ids, weights, sel);
        uint256 count = n < ids.length ? n : ids.length;
        address[] memory drawn = new address[](count);
        for (uint256 i = 0; i < count; i++) drawn[i] = order.next();
        r.selectionSeed = sel;
        r.poolBits = bits;
        r.orderNext = uint16(count);
        r.awaiting = uint16(count);
        r.validators = drawn;
        r.phase = Phase.Challenged;
        r.deadline = uint64(block.number + validateBlocks);
        emit ValidatorsDrawn(requestId, sel, ids, weights, drawn, r.deadline);
        // No server but A can validate: nothing can be compared, as when every validator falls silent.
        if (count == 0) return _settleNoVerdict(requestId, r);
        for (uint256 i = 0; i < count; i++) _lock(requestId, drawn[i], S);
    }

    /// §3.2 step 5: a validator's signed result, relayed by anyone; when all are in, a match settles and a difference waits for the dispute.
    function validateFor(bytes32 requestId, bytes32 outputHash, bytes32 traceRoot, bytes calldata sig) external {
        Round storage r = _open(requestId, Phase.Challenged);
        address signer = _recover(keccak256(abi.encode(VALIDATION_TYPEHASH, requestId, outputHash, traceRoot)), sig);
        if (!_isValidator(r, signer)) revert NotValidator(requestId, signer);
        if (resultOf[requestId][signer] != 0) revert AlreadyValidated(requestId, signer);
        resultOf[requestId][signer] = _result(outputHash, traceRoot);
        emit Validated(requestId, signer, outputHash, traceRoot);
        r.awaiting -= 1;
        if (r.awaiting == 0) _compare(requestId, r);
    }

    /// §3.2 step 7: the user disputes a mismatch.
    function dispute(bytes32 requestId) external {
        Round storage r = _open(requestId, Phase.Mismatch);
        if (msg.sender != r.user) revert NotUser(requestId, msg.sender);
        r.phase = Phase.Disputed;
        r.deadline = uint64(block.number + attestBlocks);
        emit DisputeOpened(requestId, r.deadline);
    }

    /// §3.2 step 7: A or B attests the request it received (its digest), relayed by anyone. Both in opens the vote.
    function attestFor(bytes32 requestId, bytes32 requestDigest, bytes calldata sig) external {
        Round storage r = _open(requestId, Phase.Disputed);
        address signer = _recover(keccak256(abi.encode(ATTESTATION_TYPEHASH, requestId, requestDigest)), sig);
        if (signer == r.asserter) {
            if (r.attestedA) revert AlreadyAttested(requestId, signer);
            r.attestedA = true;
        } else if (signer == r.b) {
            if (r.attestedB) revert AlreadyAttested(requestId, signer);
            r.attestedB = true;
        } else {
            revert NotDisputant(requestId, signer);
        }
        emit Attested(requestId, signer, requestDigest);
        if (!(r.attestedA && r.attestedB)) return;
        snapshots += 1;
        r.snapshot = snapshots;
        r.totalStake = uint128(totalBonded);
        r.phase = Phase.Voting;
        r.deadline = uint64(block.number + voteBlocks);
        emit VotingOpened(requestId, r.snapshot, r.totalStake, r.deadline);
    }

    /**
     * §3.2 step 8: a registered server's signed vote, relayed by anyone, once per round. It weighs the
     * server's free + locked as of the vote's opening (a deposit made after it adds nothing), and the
     * first judgement carrying 2/3 of the registered servers' stake then (3·w >= 2·total) settles.
     */
    function voteFor(bytes32 requestId, bool userHonest, bool aHonest, bool bHonest, bytes calldata sig) external {
        Round storage r = _open(requestId, Phase.Voting);
        address voter = _recover(keccak256(abi.encode(VOTE_TYPEHASH, requestId, userHonest, aHonest, bHonest)), sig);
        Server storage s = servers[voter];
        if (!s.registered || s.since >= r.snapshot) revert NotRegistered(voter);
        if (voted[requestId][voter]) revert AlreadyVoted(requestId, voter);
        uint256 weight = _bondAt(voter, r.snapshot);
        if (weight == 0) revert NoVotingStake(voter);
        voted[requestId][voter] = true;
        uint256 j = (userHonest ? 4 : 0) | (aHonest ? 2 : 0) | (bHonest ? 1 : 0);
        uint256 w = tally[requestId][j] + weight;
        tally[requestId][j] = w;
        emit Voted(requestId, voter, userHonest, aHonest, bHonest, weight);
        if (3 * w < 2 * uint256(r.totalStake)) return;
        if (userHonest) _settleServers(requestId, r, aHonest, bHonest);
        else _settleUserDishonest(requestId, r);
    }

    /// The default verdict of the round's phase once its deadline has passed (settlement.ts "Liveness").
    function timeout(bytes32 requestId) external {
        Round storage r = rounds[requestId];
        Phase phase = r.phase;
        if (phase == Phase.None) revert UnknownRound(requestId);
        if (phase == Phase.Settled) revert AlreadySettled(requestId);
        if (block.number <= r.deadline) revert DeadlineNotReached(requestId, r.deadline);
        if (phase == Phase.Requested) _settleAsserterSilent(requestId, r);
        else if (phase == Phase.Responded) _settleUnpaidFee(requestId, r, Outcome.WithheldReveal);
        else if (phase == Phase.Challenged) _replaceSilent(requestId, r);
        else if (phase == Phase.Mismatch) _settleDisputeWithheld(requestId, r);
        else if (phase == Phase.Disputed) _settleServers(requestId, r, r.attestedA, r.attestedB);
        else _settleNoVerdict(requestId, r);
    }

    /// After settlement and the window: the round's remaining locks become free and its pending rewards are paid.
    function release(bytes32 requestId) external {
        Round storage r = rounds[requestId];
        if (r.phase == Phase.None) revert UnknownRound(requestId);
        if (r.phase != Phase.Settled) revert NotSettled(requestId, r.phase);
        if (r.released) revert AlreadyReleased(requestId);
        uint256 at = uint256(r.openBlock) + window;
        if (block.number < at) revert WindowOpen(requestId, at);
        r.released = true;
        _unlock(requestId, r.user);
        _unlock(requestId, r.asserter);
        _pay(requestId, r.asserter);
        uint256 count = r.validators.length;
        for (uint256 i = 0; i < count; i++) {
            address v = r.validators[i];
            _unlock(requestId, v);
            _pay(requestId, v);
        }
        emit Released(requestId);
    }

    // --- views -----------------------------------------------------------------------------------

    function account(address a) external view returns (uint256 free, uint256 locked, uint256 escrow, uint256 pending) {
        Account storage x = accounts[a];
        return (x.free, x.locked, x.escrow, x.pending);
    }

    function totals() external view returns (uint256, uint256, uint256) {
        return (held, rewardPool, burnt);
    }

    /// The money invariant: every wei the contract holds is someone's, in the reward pool, or burnt.
    function conserved() external view returns (bool) {
        return address(this).balance == held + rewardPool + burnt;
    }

    function config() external view returns (Config memory) {
        return Config(u, dNum, dDen, R, S, Su, P, window, pNum, pDen, n, responseBlocks, revealBlocks, validateBlocks, disputeBlocks, attestBlocks, voteBlocks);
    }

    function getRound(bytes32 requestId) external view returns (RoundView memory v) {
        Round storage r = rounds[requestId];
        v.phase = r.phase;
        v.outcome = r.outcome;
        v.released = r.released;
        v.user = r.user;
        v.asserter = r.asserter;
        v.b = r.b;
        v.openBlock = r.openBlock;
        v.deadline = r.deadline;
        v.beaconBlock = r.beaconBlock;
        v.commitment = r.commitment;
        v.resultA = r.resultA;
        v.responseDigest = r.responseDigest;
        v.selectionSeed = r.selectionSeed;
        v.validators = r.validators;
        v.attestedA = r.attestedA;
        v.attestedB = r.attestedB;
        v.snapshot = r.snapshot;
        v.totalStake = r.totalStake;
    }

    /// Registered servers in ascending address order, with their selection weights.
    function serverSet() external view returns (address[] memory ids, uint256[] memory weights) {
        ids = serverList;
        weights = new uint256[](ids.length);
        for (uint256 i = 0; i < ids.length; i++) weights[i] = servers[ids[i]].weight;
    }

    /// The weight `voter`'s vote carries in round `requestId` (0 when it may not vote there).
    function votingWeight(bytes32 requestId, address voter) external view returns (uint256) {
        Round storage r = rounds[requestId];
        Server storage s = servers[voter];
        if (r.snapshot == 0 || !s.registered || s.since >= r.snapshot) return 0;
        return _bondAt(voter, r.snapshot);
    }

    function domainSeparator() public view returns (bytes32) {
        return block.chainid == cachedChainId ? cachedDomainSeparator : _buildDomainSeparator();
    }

    // --- internals: phases ---------------------------------------------------------------------

    function _open(bytes32 requestId, Phase expected) private view returns (Round storage r) {
        r = rounds[requestId];
        if (r.phase == Phase.None) revert UnknownRound(requestId);
        if (r.phase != expected) revert WrongPhase(requestId, r.phase, expected);
        if (block.number > r.deadline) revert DeadlinePassed(requestId, r.deadline);
    }

    function _isValidator(Round storage r, address a) private view returns (bool) {
        uint256 count = r.validators.length;
        for (uint256 i = 0; i < count; i++) if (r.validators[i] == a) return true;
        return false;
    }

    /// Every validator answered: equal to A's result everywhere is a match, else B is the first that differs.
    function _compare(bytes32 requestId, Round storage r) private {
        uint256 count = r.validators.length;
        for (uint256 i = 0; i < count; i++) {
            address v = r.validators[i];
            if (resultOf[requestId][v] != r.resultA) {
                r.b = v;
                r.phase = Phase.Mismatch;
                r.deadline = uint64(block.number + disputeBlocks);
                emit MismatchFound(requestId, v, r.deadline);
                return;
            }
        }
        _settleMatch(requestId, r);
    }

    /**
     * The validators that have not validated by the deadline each pay P, get the rest of their S back
     * and are replaced by the next server of the draw's order that still has S free (validator_order.ts
     * drawnValidators). With nobody left to wait for, the answers in are compared; none at all is no verdict.
     */
    function _replaceSilent(bytes32 requestId, Round storage r) private {
        address[] memory current = r.validators;
        address[] memory kept = new address[](current.length);
        uint256 count;
        uint256 fresh;
        SpmlDraw.Sampler memory order = _orderAfter(r);
        uint256 deadline = block.number + validateBlocks;
        for (uint256 i = 0; i < current.length; i++) {
            address v = current[i];
            if (resultOf[requestId][v] != 0) {
                kept[count++] = v;
                continue;
            }
            _penalize(requestId, v, P);
            _unlock(requestId, v);
            address replacement = _nextAble(requestId, r, order);
            emit ValidatorReplaced(requestId, v, replacement, deadline);
            if (replacement == address(0)) continue;
            _lock(requestId, replacement, S);
            kept[count++] = replacement;
            fresh++;
        }
        assembly {
            mstore(kept, count)
        }
        r.validators = kept;
        r.awaiting = uint16(fresh);
        if (fresh > 0) {
            r.deadline = uint64(deadline);
            return;
        }
        if (count == 0) return _settleNoVerdict(requestId, r);
        _compare(requestId, r);
    }

    /// The draw's validator order past the part already used, rebuilt from the pool snapshot of the reveal.
    function _orderAfter(Round storage r) private view returns (SpmlDraw.Sampler memory order) {
        (address[] memory ids, uint256[] memory weights) = _snapshotPool(r.poolBits);
        order = SpmlDraw.sampler(ids, weights, r.selectionSeed);
        for (uint256 i = 0; i < r.orderNext; i++) order.next();
    }

    /// The next server of the order with S free now (the others are skipped), or zero when the order is spent.
    function _nextAble(bytes32 requestId, Round storage r, SpmlDraw.Sampler memory order) private returns (address) {
        while (order.left > 0) {
            address c = order.next();
            r.orderNext += 1;
            if (accounts[c].free >= S) return c;
            emit ValidatorSkipped(requestId, c);
        }
        return address(0);
    }

    // --- internals: outcomes (settlement.ts settle) ---------------------------------------------

    function _finish(bytes32 requestId, Round storage r, Outcome outcome) private {
        r.phase = Phase.Settled;
        r.outcome = outcome;
        rewardReserved -= (1 + n) * R;
        emit Settled(requestId, outcome);
    }

    /// unchallenged and withheld-reveal: u burnt, R for A.
    function _settleUnpaidFee(bytes32 requestId, Round storage r, Outcome outcome) private {
        _burnEscrow(requestId, r.user, u);
        _reward(requestId, r.asserter);
        _finish(requestId, r, outcome);
    }

    /// asserter-silent: the round is void; u refunded and Su released, A pays P and gets the rest of S back.
    function _settleAsserterSilent(bytes32 requestId, Round storage r) private {
        _refund(requestId, r.user, u);
        _unlock(requestId, r.user);
        _penalize(requestId, r.asserter, P);
        _unlock(requestId, r.asserter);
        _finish(requestId, r, Outcome.AsserterSilent);
    }

    /// dispute-withheld: u burnt, nobody judged.
    function _settleDisputeWithheld(bytes32 requestId, Round storage r) private {
        _burnEscrow(requestId, r.user, u);
        _finish(requestId, r, Outcome.DisputeWithheld);
    }

    /// match: floor(d·u) refunded, the rest of u burnt, R for A and every validator.
    function _settleMatch(bytes32 requestId, Round storage r) private {
        uint256 refund = (u * dNum) / dDen;
        if (refund > 0) _refund(requestId, r.user, refund);
        _burnEscrow(requestId, r.user, u - refund);
        _reward(requestId, r.asserter);
        uint256 count = r.validators.length;
        for (uint256 i = 0; i < count; i++) _reward(requestId, r.validators[i]);
        _finish(requestId, r, Outcome.Match);
    }

    /// no-verdict: u refunded, nobody paid or slashed.
    function _settleNoVerdict(bytes32 requestId, Round storage r) private {
        _refund(requestId, r.user, u);
        _finish(requestId, r, Outcome.NoVerdict);
    }

    /// arbitrated, user dishonest: its Su slashed and burnt, u burnt.
    function _settleUserDishonest(bytes32 requestId, Round storage r) private {
        _slashBurn(requestId, r.user, Su);
        _burnEscrow(requestId, r.user, u);
        emit Verdict(requestId, false, new address[](0), new address[](0));
        _finish(requestId, r, Outcome.Arbitrated);
    }

    /**
     * arbitrated, user honest (round.ts serverVerdict): A and B as judged; another validator shares the
     * fate of the one whose result it repeats, and one repeating neither is honest only if both are
     * dishonest. u is refunded; each dishonest server's S is slashed, floor(S/3) to the user and the rest
     * burnt; each honest server gets R. A verdict that clears every server is no verdict.
     */
    function _settleServers(bytes32 requestId, Round storage r, bool aOk, bool bOk) private {
        address[] memory vs = r.validators;
        bytes32 resultB = resultOf[requestId][r.b];
        address[] memory dishonest = new address[](vs.length + 1);
        address[] memory honest = new address[](vs.length + 1);
        uint256 nd;
        uint256 nh;
        if (aOk) honest[nh++] = r.asserter;
        else dishonest[nd++] = r.asserter;
        for (uint256 i = 0; i < vs.length; i++) {
            bytes32 res = resultOf[requestId][vs[i]];
            bool ok = vs[i] == r.b ? bOk : res == r.resultA ? aOk : res == resultB ? bOk : (!aOk && !bOk);
            if (ok) honest[nh++] = vs[i];
            else dishonest[nd++] = vs[i];
        }
        if (nd == 0) return _settleNoVerdict(requestId, r);
        assembly {
            mstore(dishonest, nd)
            mstore(honest, nh)
        }
        _refund(requestId, r.user, u);
        uint256 share = S / 3;
        for (uint256 i = 0; i < nd; i++) {
            if (share > 0) _slashTo(requestId, dishonest[i], r.user, share);
            _slashBurn(requestId, dishonest[i], S - share);
        }
        for (uint256 i = 0; i < nh; i++) _reward(requestId, honest[i]);
        emit Verdict(requestId, true, dishonest, honest);
        _finish(requestId, r, Outcome.Arbitrated);
    }

    // --- internals: money (each moves one amount and emits its event) ---------------------------

    function _escrow(bytes32 requestId, address a, uint256 v) private {
        _subFree(a, v);
        accounts[a].escrow += uint128(v);
        emit Escrowed(requestId, a, v);
    }

    function _refund(bytes32 requestId, address a, uint256 v) private {
        accounts[a].escrow -= uint128(v);
        _addFree(a, v);
        emit EscrowRefunded(requestId, a, v);
    }

    function _burnEscrow(bytes32 requestId, address a, uint256 v) private {
        accounts[a].escrow -= uint128(v);
        _burn(v);
        emit EscrowBurnt(requestId, a, v);
    }

    function _lock(bytes32 requestId, address a, uint256 v) private {
        Account storage x = accounts[a];
        if (x.free < v) revert InsufficientFree(a, v, x.free);
        x.free -= uint128(v);
        x.locked += uint128(v);
        lockOf[requestId][a] += v;
        emit StakeLocked(requestId, a, v);
    }

    /// What is left of a's lock in the round, back to free.
    function _unlock(bytes32 requestId, address a) private {
        uint256 v = lockOf[requestId][a];
        if (v == 0) return;
        lockOf[requestId][a] = 0;
        Account storage x = accounts[a];
        x.locked -= uint128(v);
        x.free += uint128(v);
        emit StakeUnlocked(requestId, a, v);
    }

    function _penalize(bytes32 requestId, address a, uint256 v) private {
        _takeLock(requestId, a, v);
        _burn(v);
        emit StakePenalized(requestId, a, v);
    }

    function _slashBurn(bytes32 requestId, address a, uint256 v) private {
        _takeLock(requestId, a, v);
        _burn(v);
        emit StakeBurnt(requestId, a, v);
    }

    /// `v` taken out of an account leaves `held` for `burnt`, where it stays.
    function _burn(uint256 v) private {
        held -= v;
        burnt += v;
    }

    function _slashTo(bytes32 requestId, address a, address to, uint256 v) private {
        _takeLock(requestId, a, v);
        _addFree(to, v);
        emit StakeSlashed(requestId, a, to, v);
    }

    function _takeLock(bytes32 requestId, address a, uint256 v) private {
        lockOf[requestId][a] -= v;
        _checkpoint(a);
        accounts[a].locked -= uint128(v);
        if (servers[a].registered) totalBonded -= v;
    }

    /// R from the pool into a's pending, paid at release.
    function _reward(bytes32 requestId, address a) private {
        if (R == 0) return;
        rewardPool -= R;
        held += R;
        accounts[a].pending += uint128(R);
        rewardOf[requestId][a] += R;
        emit RewardMinted(requestId, a, R);
    }

    function _pay(bytes32 requestId, address a) private {
        uint256 v = rewardOf[requestId][a];
        if (v == 0) return;
        rewardOf[requestId][a] = 0;
        accounts[a].pending -= uint128(v);
        _addFree(a, v);
        emit RewardPaid(requestId, a, v);
    }

    function _addFree(address a, uint256 v) private {
        if (v > type(uint128).max) revert AmountTooLarge(v);
        _checkpoint(a);
        accounts[a].free += uint128(v);
        if (servers[a].registered) totalBonded += v;
    }

    function _subFree(address a, uint256 v) private {
        Account storage x = accounts[a];
        if (x.free < v) revert InsufficientFree(a, v, x.free);
        _checkpoint(a);
        x.free -= uint128(v);
        if (servers[a].registered) totalBonded -= v;
    }

    // --- internals: pools and voting stake -----------------------------------------------------

    /// Registered servers with S free now, but `skip1` and `skip2`, ascending; and their bits by registration index.
    function _livePool(address skip1, address skip2) private view returns (address[] memory ids, uint256[] memory weights, uint256 bits) {
        uint256 total = serverList.length;
        ids = new address[](total);
        weights = new uint256[](total);
        uint256 count;
        for (uint256 i = 0; i < total; i++) {
            address a = serverList[i];
            if (a == skip1 || a == skip2 || accounts[a].free < S) continue;
            Server storage s = servers[a];
            ids[count] = a;
            weights[count] = s.weight;
            bits |= uint256(1) << s.index;
            count++;
        }
        assembly {
            mstore(ids, count)
            mstore(weights, count)
        }
    }

    /// The servers whose bits are set, ascending, with their weights: a pool as it was when snapshotted.
    function _snapshotPool(uint256 bits) private view returns (address[] memory ids, uint256[] memory weights) {
        uint256 total = serverList.length;
        ids = new address[](total);
        weights = new uint256[](total);
        uint256 count;
        for (uint256 i = 0; i < total; i++) {
            Server storage s = servers[serverList[i]];
            if (bits & (uint256(1) << s.index) == 0) continue;
            ids[count] = serverList[i];
            weights[count] = s.weight;
            count++;
        }
        assembly {
            mstore(ids, count)
            mstore(weights, count)
        }
    }

    /// Before a registered server's free + locked changes: remember its value as of the latest snapshot.
    function _checkpoint(address a) private {
        uint64 snap = snapshots;
        if (snap == 0 || !servers[a].registered) return;
        Checkpoint[] storage cps = checkpoints[a];
        uint256 len = cps.length;
        if (len > 0 && cps[len - 1].snap >= snap) return;
        Account storage x = accounts[a];
        cps.push(Checkpoint(snap, uint192(uint256(x.free) + x.locked)));
    }

    /// free + locked of `a` as of snapshot `snap`: the first checkpoint at or after it, else the value now.
    function _bondAt(address a, uint64 snap) private view returns (uint256) {
        Checkpoint[] storage cps = checkpoints[a];
        uint256 lo = 0;
        uint256 hi = cps.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (cps[mid].snap < snap) lo = mid + 1;
            else hi = mid;
        }
        if (lo < cps.length) return cps[lo].value;
        Account storage x = accounts[a];
        return uint256(x.free) + x.locked;
    }

    // --- internals: signatures (EIP-712) ---------------------------------------------------------

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("spml"), keccak256("1"), block.chainid, address(this)));
    }

    function _result(bytes32 outputHash, bytes32 traceRoot) private pure returns (bytes32) {
        return keccak256(abi.encode(outputHash, traceRoot));
    }

    /// The signer of the typed struct `structHash` under this contract's domain; a malformed or malleated signature is refused.
    function _recover(bytes32 structHash, bytes calldata sig) private view returns (address signer) {
        if (sig.length != 65) revert BadSignature();
        bytes32 rr;
        bytes32 ss;
        uint8 v;
        assembly {
            rr := calldataload(sig.offset)
            ss := calldataload(add(sig.offset, 32))
            v := byte(0, calldataload(add(sig.offset, 64)))
        }
        if (uint256(ss) > HALF_N || (v != 27 && v != 28)) revert BadSignature();
        signer = ecrecover(keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash)), v, rr, ss);
        if (signer == address(0)) revert BadSignature();
    }
}

/// The draw's functions as views, for tests that check them against the TypeScript ones.
contract SpmlDrawHarness {
    using SpmlDraw for SpmlDraw.Sampler;

    error DuplicateId(address id);
    error NotEnoughEligible(uint256 wanted, uint256 eligible);

    function commitment(bytes32 secret, bytes32 requestId) external pure returns (bytes32) {
        return SpmlDraw.commitment(secret, requestId);
    }

    function drawSeed(bytes32 secret, bytes32 requestId, bytes32 responseDigest, bytes32 beacon) external pure returns (bytes32) {
        return SpmlDraw.drawSeed(secret, requestId, responseDigest, beacon);
    }

    function drawValue(bytes32 seed, bytes32 requestId) external pure returns (uint256) {
        return SpmlDraw.drawValue(seed, requestId);
    }

    function threshold(uint256 pNum, uint256 pDen) external pure returns (uint256 t, bool all) {
        return SpmlDraw.threshold(pNum, pDen);
    }

    function isChallenged(bytes32 seed, bytes32 requestId, uint256 pNum, uint256 pDen) external pure returns (bool) {
        (uint256 t, bool all) = SpmlDraw.threshold(pNum, pDen);
        return all || SpmlDraw.drawValue(seed, requestId) < t;
    }

    function asserterSeed(bytes32 requestId) external pure returns (bytes32) {
        return SpmlDraw.asserterSeed(requestId);
    }

    function selectionSeed(bytes32 seed, bytes32 requestId) external pure returns (bytes32) {
        return SpmlDraw.selectionSeed(seed, requestId);
    }

    /// uniformBelow(bounds[0]), uniformBelow(bounds[1]), … drawn in turn from one stream from `seed`.
    function uniformBelow(bytes32 seed, uint256[] memory bounds) external pure returns (uint256[] memory out) {
        SpmlDraw.Stream memory s = SpmlDraw.Stream(seed, 0);
        out = new uint256[](bounds.length);
        for (uint256 i = 0; i < bounds.length; i++) out[i] = SpmlDraw.uniformBelow(s, bounds[i]);
    }

    /// selection.ts weightedSample(nodes, count, seed, exclude) for nodes given in any order.
    function weightedSample(address[] memory ids, uint256[] memory stakes, uint256 count, bytes32 seed, address[] memory exclude) public pure returns (address[] memory picked) {
        (address[] memory pool, uint256[] memory weights) = _eligible(ids, stakes, exclude);
        if (pool.length < count) revert NotEnoughEligible(count, pool.length);
        SpmlDraw.Sampler memory s = SpmlDraw.sampler(pool, weights, seed);
        picked = new address[](count);
        for (uint256 i = 0; i < count; i++) picked[i] = s.next();
    }

    /// validator_order.ts validatorOrder(pool, asserter, seed): every eligible server but the asserter, in draw order.
    function validatorOrder(address[] memory ids, uint256[] memory stakes, address asserter, bytes32 seed) external pure returns (address[] memory) {
        address[] memory exclude = new address[](1);
        exclude[0] = asserter;
        (address[] memory pool, ) = _eligible(ids, stakes, exclude);
        return weightedSample(ids, stakes, pool.length, seed, exclude);
    }

    /// The nodes with stake > 0 not in `exclude`, sorted by id (insertion sort), duplicates refused.
    function _eligible(address[] memory ids, uint256[] memory stakes, address[] memory exclude) private pure returns (address[] memory pool, uint256[] memory weights) {
        pool = new address[](ids.length);
        weights = new uint256[](ids.length);
        uint256 count;
        for (uint256 i = 0; i < ids.length; i++) {
            for (uint256 j = 0; j < i; j++) if (ids[j] == ids[i]) revert DuplicateId(ids[i]);
            bool skip = stakes[i] == 0;
            for (uint256 k = 0; k < exclude.length && !skip; k++) skip = exclude[k] == ids[i];
            if (skip) continue;
            uint256 at = count++;
            while (at > 0 && pool[at - 1] > ids[i]) {
                pool[at] = pool[at - 1];
                weights[at] = weights[at - 1];
                at--;
            }
            pool[at] = ids[i];
            weights[at] = stakes[i];
        }
        assembly {
            mstore(pool, count)
            mstore(weights, count)
        }
    }
}
