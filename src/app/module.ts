/**
 * The module seam. A module owns a key prefix (its name + "/"), its message types, its queries,
 * its genesis and its end-of-block work. It never reads another module's keys: it calls the other
 * module's exported keeper functions, passing the context it was given.
 */
import type { CborValue } from '../codec/cbor.js'
import type { KV, KVReader } from './kv.js'
import { PrefixKV } from './kv.js'
import { utf8 } from '../base/bytes.js'
import type { AppEvent, ValidatorUpdate } from './types.js'

export interface BlockInfo {
  readonly chainId: string
  readonly height: bigint
  readonly time: bigint  // ms since epoch, from the block header
}

/** Context of state-changing code: a message handler, genesis, or end-of-block work. */
export interface ExecContext extends BlockInfo {
  readonly kv: KV
  emit(type: string, attributes: Record<string, string>): void
}

export interface TxContext extends ExecContext {
  readonly sender: Uint8Array
  readonly txHash: Uint8Array
  /**
   * Always false since admission runs no handler (docs/ARCHITECTURE.md, Admission); kept so that
   * code written for a simulating admission keeps its block-time behaviour.
   */
  readonly checkOnly: boolean
}

export interface QueryContext {
  readonly chainId: string
  readonly height: bigint
  readonly kv: KVReader
}

export type MsgValue = { [key: string]: CborValue }

export interface MessageDef<T = unknown> {
  /** Roles of which the sender must hold at least one; 'any' = any active account. */
  roles: readonly string[] | 'any'
  /** Validates and types the message value; throws PolisError('invalid_message') if malformed. */
  parse(value: MsgValue): T
  handle(ctx: TxContext, msg: T): void
  /**
   * What the message takes out of the sender's own balance (denom undefined = the native denom).
   * Mempool admission runs no handler: it checks these against the sender's balance net of what
   * its transactions already in the mempool spend (docs/ARCHITECTURE.md, Admission).
   */
  spends?(msg: T): ReadonlyArray<{ denom?: string; amount: bigint }>
  /**
   * Optional cheap, read-only checks admission makes against the last committed state (e.g. that a
   * recipient exists). The handler must still make them: they are a filter, not a guarantee.
   */
  precheck?(kv: KVReader, msg: T, sender: Uint8Array): void
}

export type QueryParams = Record<string, unknown>

export interface Module {
  readonly name: string
  readonly roles?: readonly string[]
  readonly messages: Readonly<Record<string, MessageDef<any>>>
  readonly queries: Readonly<Record<string, (ctx: QueryContext, params: QueryParams) => unknown>>
  /** Checks this module's genesis section; throws PolisError('invalid_genesis'). */
  validateGenesis?(state: unknown): void
  initGenesis?(ctx: ExecContext, state: unknown): void
  endBlock?(ctx: ExecContext): void
  /** After every module's endBlock: changes to the validator set this block made, for the engine (CometBFT). */
  validatorUpdates?(ctx: ExecContext): ValidatorUpdate[]
}

export function defineMessage<T>(def: MessageDef<T>): MessageDef<T> {
  return def
}

const prefixes = new Map<string, Uint8Array>()
function modulePrefix(name: string): Uint8Array {
  let p = prefixes.get(name)
  if (!p) prefixes.set(name, (p = utf8(name + '/')))
  return p
}

/** The module's own slice of state. */
export function moduleStore(kv: KV, moduleName: string): KV {
  return new PrefixKV(kv, modulePrefix(moduleName))
}

export function moduleReader(kv: KVReader, moduleName: string): KVReader {
  // PrefixKV only reads through on get/iterate; the cast keeps writes impossible via the type.
  return new PrefixKV(kv as KV, modulePrefix(moduleName))
}

export function eventOf(type: string, attributes: Record<string, string>): AppEvent {
  // Sorted by key (code unit order, as Array.prototype.sort would): an insertion sort, because
  // events have a handful of attributes and every transaction emits several.
  const keys = Object.keys(attributes)
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!
    let j = i - 1
    for (; j >= 0 && keys[j]! > k; j--) keys[j + 1] = keys[j]!
    keys[j + 1] = k
  }
  const out = new Array<{ key: string; value: string }>(keys.length)
  for (let i = 0; i < keys.length; i++) out[i] = { key: keys[i]!, value: attributes[keys[i]!]! }
  return { type, attributes: out }
}
