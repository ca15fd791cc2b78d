/** Authenticated versioned key-value store (IAVL-style tree, ICS-23 proofs). See iavl-store.ts. */
export { IavlStore, DEFAULT_CACHE_SIZE } from './iavl-store.js'
export type { BatchOp, CommitResult, IavlStoreOptions, StoreDatabase, StoreIterateOptions, TreeStats } from './iavl-store.js'
import { EMPTY_HASH } from './node.js'
import { copy } from './bytes.js'

/** Root hash of an empty tree: sha256 of the empty string. */
export const emptyRootHash = (): Uint8Array => copy(EMPTY_HASH)
