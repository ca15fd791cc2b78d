/**
 * CometBFT light client: verify signed headers from CometBFT RPC against a trusted validator set.
 * The solo engine's headers (one validator's signature; solo-header.ts) are checked from here too.
 */
export * from './types.js'
export { headerHash, validatorSetHash, voteSignBytes, headerLeaves } from './hash.js'
export { parseHeader, parseCommit, parseSignedHeader, parseValidatorSet, parseLightBlock, parseTime, formatTime, sortValidators, LightClientError } from './json.js'
export { verify, verifyFromTrusted, checkSelfSigned, signedPower, totalPower, DEFAULT_MAX_CLOCK_DRIFT_NS, type TrustedState } from './verifier.js'
export { LightClient, VerificationError, wallClockNs, type LightBlockProvider, type LightClientOptions } from './light-client.js'
export { rpcProvider } from './rpc-provider.js'
export { encodeSignedHeader, decodeSignedHeader, encodeValidatorSet, decodeValidatorSet, signedHeaderValue } from './cbor.js'
