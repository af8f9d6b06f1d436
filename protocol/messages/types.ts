/**
 * The signed messages of spML (paper §3.2 steps 1–8) and their field lists.
 *
 * Every message carries the same header: a domain-separation tag naming its type, the network, the model
 * and input it concerns, the sampling seed (§3.1: asserter and validator "will be assigned the same random
 * seed"), the request id, a single-use nonce, an expiry and the signer's key. All hashes, keys, ids,
 * nonces and secrets are lowercase hex; the seed is a decimal string (a u64 does not fit a JSON number);
 * the expiry is an integer count of milliseconds since the Unix epoch.
 */

/** One domain tag per message type, so that a signature over one type can never pass as another. */
export const DOMAINS = {
  request: 'spml/v1/request',
  response: 'spml/v1/response',
  reveal: 'spml/v1/reveal',
  attestation: 'spml/v1/attestation',
  dispute: 'spml/v1/dispute',
  vote: 'spml/v1/vote',
} as const;
export type MessageKind = keyof typeof DOMAINS;
export type Domain = (typeof DOMAINS)[MessageKind];

/** Fields every signed message has. */
export interface MessageHeader {
  readonly domain: Domain;
  /** Which spML network (chain) this is for; a message for another network is refused. */
  readonly networkId: string;
  /** SHA-256 of the model file (engine loadModel().hash), 64 hex. */
  readonly modelHash: string;
  /** inputHash(input) of the request, 64 hex. */
  readonly inputHash: string;
  /** Sampling seed as a decimal u64, shared by A and B so honest outputs agree. */
  readonly seed: string;
  /** 32 random bytes chosen by the user, naming the round. */
  readonly requestId: string;
  /** 32 random bytes; a (signer, nonce) pair is accepted once. */
  readonly nonce: string;
  /** Milliseconds since the epoch after which the message is refused. */
  readonly expiry: number;
  /** The signer's Ed25519 public key, 64 hex. */
  readonly signer: string;
  /** Ed25519 signature over signingBytes(message without this field), 128 hex. */
  readonly signature: string;
}

/** What the model is asked: a text prompt (GPT) or a batch of images as pixel bytes 0..255 (MLP). */
export type InferenceInput =
  | { readonly kind: 'text'; readonly prompt: string }
  | { readonly kind: 'pixels'; readonly pixels: string; readonly count: number };

/** Generation options other than the seed (engine GenerateOptions); absent means the engine default. */
export interface GenerationOptions {
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topK?: number;
  readonly topP?: number;
}

/** §3.2 steps 1 and 4: user → server. The same body (all but server, nonce, expiry, signature) goes to A and B. */
export interface InferenceRequest extends MessageHeader {
  readonly domain: typeof DOMAINS.request;
  /** The addressed server's public key: a request for A cannot be presented to anyone else. */
  readonly server: string;
  readonly input: InferenceInput;
  readonly options: GenerationOptions;
  /** challengeCommitment(secret, requestId): fixes the challenge draw without revealing it. */
  readonly commitment: string;
}

/**
 * A server's result as the int32 tensor its output hash is the hash of (engine/NUMERICS.md §2.1): the
 * generated token ids, shape [n], of a language model; the logits, shape [count, classes], of a classifier
 * (its labels are each row's first maximum). Data row-major, as JSON numbers.
 */
export interface InferenceOutput {
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

/** §3.2 steps 2 and 5: server → user. */
export interface InferenceResponse extends MessageHeader {
  readonly domain: typeof DOMAINS.response;
  /** requestDigest() of the request answered (identical for A and B when the user is honest). */
  readonly requestDigest: string;
  /** The commitment the server saw, echoed under its signature so the user cannot swap it later. */
  readonly commitment: string;
  /**
   * What the user receives: exactly the tensor outputHash commits to, so that what is delivered is what
   * is compared. Every verifier recomputes outputHash from it and refuses a response where they differ.
   */
  readonly output: InferenceOutput;
  /** The engine's outputHash (NUMERICS.md §2): SHA-256 of `output` as an int32 tensor; outputHashOf(output). */
  readonly outputHash: string;
  /** The engine's Merkle trace root, for bisection in arbitration. */
  readonly traceRoot: string;
}

/** §3.2 step 3: user → network, after A's signed response: opens the commitment. */
export interface ChallengeReveal extends MessageHeader {
  readonly domain: typeof DOMAINS.reveal;
  readonly commitment: string;
  /** The 32-byte secret, 64 hex. */
  readonly secret: string;
  /** messageDigest() of A's signed response: the reveal provably comes after it. */
  readonly responseDigest: string;
}

/** §3.2 step 7: a server broadcasts the user-signed request it received. */
export interface InputAttestation extends MessageHeader {
  readonly domain: typeof DOMAINS.attestation;
  readonly request: InferenceRequest;
}

/** §3.2 step 7: the user broadcasts both signed responses whose hashes differ, and the reveal that drew B. */
export interface Dispute extends MessageHeader {
  readonly domain: typeof DOMAINS.dispute;
  readonly responseA: InferenceResponse;
  readonly responseB: InferenceResponse;
  readonly reveal: ChallengeReveal;
}

export type Honesty = 'honest' | 'dishonest';

/** §3.2 step 8: a node's verdict on the user, A and B in one dispute. */
export interface Vote extends MessageHeader {
  readonly domain: typeof DOMAINS.vote;
  /** messageDigest() of the dispute voted on. */
  readonly disputeDigest: string;
  readonly verdict: { readonly user: Honesty; readonly serverA: Honesty; readonly serverB: Honesty };
}

export type SignedMessage = InferenceRequest | InferenceResponse | ChallengeReveal | InputAttestation | Dispute | Vote;

/** The message type for each domain tag. */
export interface MessageByDomain {
  'spml/v1/request': InferenceRequest;
  'spml/v1/response': InferenceResponse;
  'spml/v1/reveal': ChallengeReveal;
  'spml/v1/attestation': InputAttestation;
  'spml/v1/dispute': Dispute;
  'spml/v1/vote': Vote;
}

/** A message before signing: signMessage fills in signer and signature. */
export type Unsigned<M extends SignedMessage> = Omit<M, 'signer' | 'signature'>;
