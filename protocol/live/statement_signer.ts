/**
 * A server's signer for a settlement contract (protocol/chain/): the statements of an spML round a
 * contract acts on — A's response, a validator's hashes, an input attestation, a vote — signed with
 * the server's chain key, so that the board can relay them and the contract can check who said what
 * without trusting the board. A server whose network settles in memory has none.
 */
import type { Judgement } from '../network/arbitration.js';

export interface StatementSigner {
  response(requestId: string, outputHash: string, traceRoot: string, responseDigest: string): Promise<string>;
  validation(requestId: string, outputHash: string, traceRoot: string): Promise<string>;
  attestation(requestId: string, requestDigest: string): Promise<string>;
  vote(requestId: string, verdict: Judgement): Promise<string>;
}
