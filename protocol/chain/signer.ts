/**
 * A server's StatementSigner (protocol/live/statement_signer.ts) for a settlement contract: its
 * response, validation, attestation and vote, each as the contract's EIP-712 typed data under the
 * contract's domain (name "spml", version "1", chain id, contract address), so a signature for one
 * contract, chain, round or statement type is worthless for any other.
 */
import type { Address, Hex } from 'viem';
import type { StatementSigner } from '../live/statement_signer.js';
import { settlementDomain, signAttestation, signResponse, signValidation, signVote } from './client.js';

const hex = (h: string): Hex => `0x${h.replace(/^0x/, '')}`;

export function contractSigner(key: Hex, chainId: number, contract: Address): StatementSigner {
  const domain = settlementDomain(chainId, contract);
  return {
    response: (requestId, outputHash, traceRoot, responseDigest) => signResponse(key, domain, hex(requestId), { outputHash: hex(outputHash), traceRoot: hex(traceRoot), responseDigest: hex(responseDigest) }),
    validation: (requestId, outputHash, traceRoot) => signValidation(key, domain, hex(requestId), { outputHash: hex(outputHash), traceRoot: hex(traceRoot) }),
    attestation: (requestId, requestDigest) => signAttestation(key, domain, hex(requestId), hex(requestDigest)),
    vote: (requestId, v) => signVote(key, domain, hex(requestId), { userHonest: v.user === 'honest', aHonest: v.serverA === 'honest', bHonest: v.serverB === 'honest' }),
  };
}
