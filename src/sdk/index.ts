/**
 * The Polis SDK: everything a program needs to talk to a city node over its HTTP API.
 *
 *   import { PolisClient, Keyring, msgs, trustGenesis } from '../sdk/index.js'
 *
 * - `PolisClient`: queries, signing with automatic nonces, submit / submit-and-wait / batches,
 *   and verified reads (header signature + ICS-23 proof against a trusted genesis).
 * - `Keyring`, `loadKeyFile`, `saveKeyFile`: key files (0600, refused when others can read them).
 * - `msgs.bank.*`, `msgs.identity.*`: message builders.
 * - `trustGenesis`, `verifyHeader`, `verifyStoreProof`: the light-client checks, usable alone.
 * - `PolisError` (with `.code` / `.errorName`), `PolisHttpError`, `NodeUnreachableError`, `TxFailedError`.
 */
export * from './polis-client.js'
export * from './errors.js'
export * from './keys.js'
export * from './proof.js'
export * from './state.js'
export type * from './types.js'
export { bank, identity, toAddress, toAmount, type AddressLike, type AmountLike, type Msg } from './msgs.js'
export * as msgs from './msgs.js'
export { toHex, fromHex } from '../base/bytes.js'
