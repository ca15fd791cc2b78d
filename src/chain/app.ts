/**
 * PolisApp: the deterministic state machine. One instance per chain, driven by an engine (solo or
 * CometBFT) through the ABCI-shaped App interface. Block pipeline:
 *   size → decode (canonical CBOR) → chain id → messages known and well-formed → signature →
 *   checks (checks.ts: account registered and active, nonce = account nonce, sender holds a role
 *   each message allows) → handlers (all or nothing) → events.
 * Refusals before the handlers change nothing. A transaction whose handler refuses consumes its
 * nonce (so a failed intent cannot be executed later by surprise) and changes nothing else.
 * Mempool admission (checkTx) runs no handler: stateless checks, signature, and the precheck of
 * admission.ts against committed state and the mempool's pending transactions.
 */
import type { ClassicLevel } from 'classic-level'
import { IavlStore } from '../store/index.js'
import { CacheKV, keyString, prefixEnd, type IterateOptions, type KV, type KVReader } from '../app/kv.js'
import { PolisError, fail } from '../base/errors.js'
import { decodeTx, signBytes, txHash, type DecodedTx } from '../app/tx.js'
import type { App, AppEvent, AppInfo, BatchPut, BlockRequest, CheckTxResult, FinalizeResult, QueryRequest, QueryResult, TxResult, ValidatorUpdate } from '../app/types.js'
import { eventOf, type ExecContext, type Module, type TxContext } from '../app/module.js'
import { parseGenesis, type ParsedGenesis } from '../app/genesis.js'
import { decodeCanonical, encodeCanonical } from '../codec/cbor.js'
import { decodeTxResult, encodeBlockEvents, encodeTxResult, type StoredTxResult } from '../app/tx-results.js'
import { concatBytes, toHex, utf8 } from '../base/bytes.js'
import { canonicalJson } from '../codec/json.js'
import { VerifyPool } from '../crypto/verify-pool.js'
import { identityModule, type Account } from '../modules/identity/index.js'
import { bankModule } from '../modules/bank/index.js'
import { cityModules } from './city-modules.js'
import { checkSender, consumeNonce, type ResolvedMsg } from './checks.js'
import { MempoolView } from './admission.js'
import { BRIDGE_KEY, bridgeStoreKey } from '../modules/bridge/types.js'
import { heightKey } from '../codec/be.js'

const META_KEY = utf8('a/meta')
const GENESIS_KEY = utf8('a/genesis')
const TX_PREFIX = utf8('a/tx/')
const BLOCK_EVENTS_PREFIX = utf8('a/ev/')
const TREE_READS_MAX = 100_000

export interface AppOptions {
  db: ClassicLevel<Uint8Array, Uint8Array>
  /** Modules beyond identity and bank; default: cityModules(), every service of a city. */
  modules?: Module[]
  verifyPool?: VerifyPool
  /** Decoded-node cache of the state tree. */
  cacheSize?: number
  /**
   * Keep the state of the last `keepRecent` heights (and whatever the bridge still needs, see
   * pruneTarget); older tree versions are deleted in the background. 0 or absent: keep everything.
   */
  pruning?: { keepRecent: number; hold?: () => number | undefined }
}

/** Most versions one pruning batch removes; the loop yields to blocks between batches. */
const PRUNE_STEP_VERSIONS = 4
/** Key prefix of the bridge's packet commitments: a pending packet pins its send height. */
const BRIDGE_COMMITMENTS = bridgeStoreKey(BRIDGE_KEY.commitment)

interface Pending {
  height: bigint
  appHash: Uint8Array
  results: StoredTxResult[]
  blockEvents: AppEvent[]
}

interface Verified { tx: DecodedTx; sigOk: boolean; msgs?: ResolvedMsg[]; verifying?: Promise<boolean> }

/**
 * Adapts the state tree to the KV interface the modules see, remembering what it read (a block
 * reads the same keys again and again: the denom, busy accounts) so that a repeated read costs a
 * map lookup instead of a walk down the tree. Writes update it (values are never modified once
 * written, as in CacheKV). `forget()` after a rollback of the tree; a commit leaves the working
 * state as it was, so the memory stays valid across blocks.
 */
class TreeKV implements KV {
  private readonly reads = new Map<string, Uint8Array | null>()
  constructor(private readonly tree: IavlStore) {}
  get(key: Uint8Array) {
    return this.getKeyed(keyString(key), key)
  }
  getKeyed(ks: string, key: Uint8Array): Uint8Array | undefined {
    const hit = this.reads.get(ks)
    if (hit !== undefined) return hit ?? undefined
    const v = this.tree.get(key)
    this.remember(ks, v ?? null)
    return v
  }
  set(key: Uint8Array, value: Uint8Array) {
    this.tree.set(key, value)
    this.remember(keyString(key), value)
  }
  delete(key: Uint8Array) {
    this.tree.delete(key)
    this.remember(keyString(key), null)
  }
  private remember(ks: string, v: Uint8Array | null) {
    if (this.reads.size >= TREE_READS_MAX) this.reads.clear()
    this.reads.set(ks, v)
  }
  forget() {
    this.reads.clear()
  }
  *iterate(opts: IterateOptions = {}) {
    let n = 0
    const limit = opts.limit ?? Infinity
    if (limit <= 0) return
    for (const e of this.tree.iterate({ gte: opts.gte, lt: opts.lt, reverse: opts.reverse })) {
      yield e
      if (++n >= limit) return
    }
  }
}

/** The keys a layer sets, in key order, with their values (its deletes are of keys an empty tree does not hold). */
function* setsOf(kv: CacheKV): Generator<[Uint8Array, Uint8Array]> {
  for (const e of kv.sortedWrites()) if (e.value) yield [e.key, e.value]
}

class VersionKV implements KVReader {
  constructor(private readonly tree: IavlStore, private readonly version: number) {}
  get(key: Uint8Array) {
    return this.tree.getAt(this.version, key)
  }
  *iterate(opts: IterateOptions = {}) {
    let n = 0
    const limit = opts.limit ?? Infinity
    if (limit <= 0) return
    for (const e of this.tree.iterate({ gte: opts.gte, lt: opts.lt, reverse: opts.reverse, version: this.version })) {
      yield e
      if (++n >= limit) return
    }
  }
}

export class PolisApp implements App {
  readonly modules: Module[]
  private readonly byName = new Map<string, Module>()
  private readonly tree: IavlStore
  private readonly treeKV: TreeKV
  private lastHeight = 0n
  private lastAppHash: Uint8Array
  private chainId = ''
  private lastTime = 0n
  private genesis?: ParsedGenesis
  private pendingGenesisDoc?: Uint8Array
  private pending?: Pending
  private readonly view: MempoolView
  private blockLock?: Promise<void>
  private releaseBlockLock?: () => void
  private readonly verified = new WeakMap<Uint8Array, Verified>()
  private readonly ownPool: boolean
  readonly pool: VerifyPool
  private readonly keepRecent: number
  private pruning?: Promise<void>
  private closing = false

  constructor(private readonly opts: AppOptions) {
    const extra = opts.modules ?? cityModules()
    const extraRoles = extra.flatMap((m) => m.roles ?? [])
    this.modules = [identityModule(extraRoles), bankModule(), ...extra]
    for (const m of this.modules) {
      if (this.byName.has(m.name)) throw new Error(`duplicate module ${m.name}`)
      this.byName.set(m.name, m)
    }
    const keepRecent = opts.pruning?.keepRecent ?? 0
    if (!Number.isSafeInteger(keepRecent) || keepRecent < 0 || keepRecent === 1) fail('invalid_request', `pruning.keepRecent must be 0 (keep all) or at least 2, got ${keepRecent}`)
    this.keepRecent = keepRecent
    this.tree = IavlStore.open(opts.db, { prefix: utf8('s'), cacheSize: opts.cacheSize, recordOrphans: keepRecent > 0 })
    this.treeKV = new TreeKV(this.tree)
    this.view = new MempoolView(this.treeKV)
    this.ownPool = !opts.verifyPool
    this.pool = opts.verifyPool ?? new VerifyPool()
    this.lastAppHash = this.tree.rootHash()
    const meta = opts.db.getSync(META_KEY)
    if (meta) {
      const m = decodeCanonical(meta, 'invalid_state') as { height: number | bigint; app_hash: Uint8Array; chain_id: string; time: number | bigint }
      this.lastHeight = BigInt(m.height)
      this.lastAppHash = m.app_hash
      this.chainId = m.chain_id
      this.lastTime = BigInt(m.time)
      if (BigInt(this.tree.version) !== this.lastHeight) throw new Error(`state tree at version ${this.tree.version} but app at height ${this.lastHeight}`)
      const g = opts.db.getSync(GENESIS_KEY)
      if (g) this.genesis = parseGenesis(JSON.parse(Buffer.from(g).toString('utf8')))
    }
  }

  async close(): Promise<void> {
    await this.stopPruning()
    if (this.ownPool) await this.pool.close()
  }

  /** Resolves when the background pruning started by the last commit (if any) has finished. */
  async pruningDone(): Promise<void> {
    await this.pruning
  }

  /** Lets a pruning batch in flight land and starts no other (call before closing the database). */
  async stopPruning(): Promise<void> {
    this.closing = true
    await this.pruning
  }

  info(): AppInfo {
    return { lastHeight: this.lastHeight, lastAppHash: this.lastAppHash, chainId: this.chainId }
  }

  get genesisDoc(): ParsedGenesis | undefined {
    return this.genesis
  }

  // ---------------------------------------------------------------- genesis

  async initChain(genesisInput: unknown): Promise<{ appHash: Uint8Array; validators: ValidatorUpdate[] }> {
    if (this.lastHeight !== 0n) fail('invalid_state', 'chain already initialised')
    const g = parseGenesis(genesisInput)
    for (const m of this.modules) m.validateGenesis?.(g.doc.app_state[m.name])
    for (const k of Object.keys(g.doc.app_state)) if (!this.byName.has(k)) fail('invalid_genesis', `app_state has an unknown module "${k}"`)
    this.tree.rollback()
    this.treeKV.forget()
    const kv = new CacheKV(this.treeKV)
    const events: AppEvent[] = []
    const ctx: ExecContext = { chainId: g.chainId, height: 0n, time: g.genesisTime, kv, emit: (t, a) => events.push(eventOf(t, a)) }
    for (const m of this.modules) if (g.doc.app_state[m.name] !== undefined) m.initGenesis?.(ctx, g.doc.app_state[m.name])
    // The tree is empty: built from the sorted writes in one pass, the tree (and app hash) inserting them gives (store/bulk-build.ts)
    await this.tree.buildSorted(setsOf(kv), (ops) => this.opts.db.batch(ops))
    kv.discard()
    this.treeKV.forget()
    this.genesis = g
    this.chainId = g.chainId
    this.lastTime = g.genesisTime
    this.pendingGenesisDoc = utf8(canonicalJson(g.doc))
    this.view.reset(this.treeKV)
    return { appHash: this.tree.workingHash(), validators: g.validators.map((v) => ({ pubKey: v.pubKey, power: v.power })) }
  }

  // ---------------------------------------------------------------- mempool admission

  /**
   * Admits a transaction to the mempool without running its handlers: the stateless checks, the
   * signature (verified once, cached), then the precheck of admission.ts against the last committed
   * state and the mempool's pending transactions. Used by the solo engine and by CometBFT's CheckTx.
   */
  async checkTx(bytes: Uint8Array, hash?: Uint8Array): Promise<CheckTxResult> {
    let tx: DecodedTx | undefined
    try {
      tx = this.decodeCached(bytes, hash)
      const msgs = this.messagesOf(bytes, tx)
      await this.ensureSignature(bytes, tx)
      while (this.blockLock) await this.blockLock
      this.view.admit(tx, msgs, this.lastHeight + 1n)
      return { code: 0, log: '', sender: tx.body.sender, nonce: tx.body.nonce, hash: tx.hash }
    } catch (e) {
      const { code, log } = asResult(e)
      return { code, log, sender: tx?.body.sender, nonce: tx?.body.nonce, hash: tx?.hash }
    }
  }

  /** Forget the mempool's pending transactions (after a commit, before re-checking what remains). */
  resetCheckState(): void {
    this.view.reset(this.treeKV)
  }

  // ---------------------------------------------------------------- blocks

  async finalizeBlock(block: BlockRequest): Promise<FinalizeResult> {
    if (this.pending) fail('invalid_state', `block ${this.pending.height} is finalized but not committed`)
    if (block.height !== this.lastHeight + 1n) fail('invalid_state', `expected block ${this.lastHeight + 1n}, got ${block.height}`)
    if (!this.genesis) fail('invalid_state', 'initChain has not run')
    this.blockLock = new Promise((r) => (this.releaseBlockLock = r))
    try {
      // Decode everything and verify every signature not yet verified, in parallel, before executing.
      const decoded: Array<DecodedTx | PolisError> = block.txs.map((b) => {
        try {
          return this.decodeCached(b)
        } catch (e) {
          return e instanceof PolisError ? e : new PolisError('tx_decode', String(e))
        }
      })
      await Promise.all(decoded.map((d, i) => (d instanceof PolisError ? undefined : this.ensureSignature(block.txs[i]!, d).catch(() => undefined))))
      const blockKV = new CacheKV(this.treeKV)
      const results: StoredTxResult[] = []
      for (let i = 0; i < block.txs.length; i++) {
        const d = decoded[i]!
        let r: TxResult
        if (d instanceof PolisError) r = { code: d.code, log: d.message, events: [] }
        else {
          try {
            const msgs = this.messagesOf(block.txs[i]!, d)
            if (!this.verified.get(block.txs[i]!)?.sigOk) fail('bad_signature', 'signature does not verify')
            r = this.execute(blockKV, d, msgs, block.height, block.time)
          } catch (e) {
            r = { ...asResult(e), events: [] }
          }
        }
        results.push({ ...r, height: block.height, index: i, hash: d instanceof PolisError ? txHash(block.txs[i]!) : d.hash })
      }
      const blockEvents: AppEvent[] = []
      const ctx: ExecContext = { chainId: this.chainId, height: block.height, time: block.time, kv: blockKV, emit: (t, a) => blockEvents.push(eventOf(t, a)) }
      for (const m of this.modules) m.endBlock?.(ctx)
      const validatorUpdates = this.modules.flatMap((m) => m.validatorUpdates?.(ctx) ?? [])
      blockKV.writeTo(this.treeKV)
      const appHash = this.tree.workingHash()
      this.pending = { height: block.height, appHash, results, blockEvents }
      this.lastTime = block.time
      return { results, events: blockEvents, validatorUpdates, appHash }
    } catch (e) {
      this.tree.rollback()
      this.treeKV.forget()
      this.unlock()
      throw e
    }
  }

  /**
   * Persists the finalized block's state, results and the engine's `extra` records in one atomic
   * write. `recheck` are the transactions still in the mempool: they are re-admitted, in order,
   * against the new state before any new checkTx runs; the result says which still pass.
   */
  async commit(extra: BatchPut[] = [], recheck: Uint8Array[] = []): Promise<CheckTxResult[]> {
    const p = this.pending
    if (!p) fail('invalid_state', 'nothing to commit')
    try {
      const { version, rootHash, ops } = this.tree.commit()
      if (BigInt(version) !== p.height) throw new Error(`tree version ${version} != height ${p.height}`)
      const batch: Array<{ type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array }> = [...ops]
      for (const r of p.results) batch.push({ type: 'put', key: concatBytes(TX_PREFIX, r.hash), value: encodeTxResult(r) })
      batch.push({ type: 'put', key: heightKey(BLOCK_EVENTS_PREFIX, p.height), value: encodeBlockEvents(p.blockEvents) })
      if (this.pendingGenesisDoc) batch.push({ type: 'put', key: GENESIS_KEY, value: this.pendingGenesisDoc })
      batch.push({ type: 'put', key: META_KEY, value: encodeCanonical({ height: p.height, app_hash: rootHash, chain_id: this.chainId, time: this.lastTime }) })
      for (const e of extra) batch.push({ type: 'put', key: e.key, value: e.value })
      await this.opts.db.batch(batch, { sync: true })
      this.lastHeight = p.height
      this.lastAppHash = rootHash
      this.pendingGenesisDoc = undefined
      this.pending = undefined
      this.view.reset(this.treeKV)
      this.schedulePruning()
      return recheck.map((b) => this.recheckOne(b))
    } finally {
      this.unlock()
    }
  }

  /** Re-admission of a transaction whose signature was verified by an earlier checkTx. */
  private recheckOne(bytes: Uint8Array): CheckTxResult {
    const v = this.verified.get(bytes)
    if (!v?.sigOk) return { code: 4, log: 'bad_signature: not verified before recheck' }
    try {
      this.view.admit(v.tx, this.messagesOf(bytes, v.tx), this.lastHeight + 1n)
      return { code: 0, log: '', sender: v.tx.body.sender, nonce: v.tx.body.nonce, hash: v.tx.hash }
    } catch (e) {
      return { ...asResult(e), hash: v.tx.hash }
    }
  }

  // ---------------------------------------------------------------- pruning

  /**
   * The first height to keep: the last `keepRecent` heights, and never past the height at which
   * the oldest still pending bridge packet was sent (its commitment leaf's version), so the
   * relayer can prove every packet in flight at any height since it was sent, whatever the
   * counterparty's light client has reached. Not consensus: each node chooses its retention.
   */
  pruneTarget(): number {
    let target = Number(this.lastHeight) - this.keepRecent + 1
    const oldest = this.tree.minLeafVersion({ gte: BRIDGE_COMMITMENTS, lt: prefixEnd(BRIDGE_COMMITMENTS) })
    if (oldest !== undefined && oldest < target) target = oldest
    // a height the engine still reads (under CometBFT: the snapshot being exported)
    const held = this.opts.pruning?.hold?.()
    if (held !== undefined && held < target) target = held
    return target
  }

  private schedulePruning(): void {
    if (this.keepRecent === 0 || this.pruning || this.closing) return
    if (this.pruneTarget() <= this.tree.firstVersion) return
    this.pruning = this.pruneInBackground().finally(() => (this.pruning = undefined))
  }

  /** Deletes old versions a few at a time, one batch each, yielding to blocks in between. */
  private async pruneInBackground(): Promise<void> {
    try {
      for (;;) {
        await new Promise((r) => setImmediate(r))
        if (this.closing) return
        const target = this.pruneTarget()
        const floor = this.tree.firstVersion
        if (target <= floor) return
        const step = this.tree.prune(Math.min(target, floor + PRUNE_STEP_VERSIONS))
        await this.opts.db.batch(step.ops)
      }
    } catch (e) {
      // A failed pruning batch loses nothing: the orphan lists stay until a later step succeeds.
      if (!this.closing) console.error('state pruning failed:', (e as Error)?.message ?? e)
    }
  }

  private unlock(): void {
    const r = this.releaseBlockLock
    this.blockLock = undefined
    this.releaseBlockLock = undefined
    r?.()
  }

  // ---------------------------------------------------------------- queries

  query(q: QueryRequest): QueryResult {
    const height = q.height && q.height > 0n ? q.height : this.lastHeight
    try {
      if (this.lastHeight === 0n) fail('not_found', 'no block has been committed yet')
      if (height <= this.lastHeight && this.tree.isPruned(Number(height))) fail('pruned', `state at height ${height} is pruned: this node keeps heights from ${this.tree.firstVersion}`)
      if (height > this.lastHeight || !this.tree.hasVersion(Number(height))) fail('not_found', `no state at height ${height}`)
      const v = Number(height)
      if (q.path === 'store') {
        if (q.prove) {
          const { value, proof } = this.tree.prove(v, q.data)
          return { code: 0, log: '', height, key: q.data, value, proof }
        }
        return { code: 0, log: '', height, key: q.data, value: this.tree.getAt(v, q.data) }
      }
      const [modName, qName, ...rest] = q.path.split('/')
      const mod = modName ? this.byName.get(modName) : undefined
      const handler = mod && qName && rest.length === 0 ? mod.queries[qName] : undefined
      if (!handler) fail('not_found', `unknown query path "${q.path}"`)
      let params: Record<string, unknown> = {}
      if (q.data.length) {
        try {
          params = JSON.parse(Buffer.from(q.data).toString('utf8'))
        } catch {
          fail('invalid_request', 'query data must be a JSON object')
        }
        if (typeof params !== 'object' || params === null || Array.isArray(params)) fail('invalid_request', 'query data must be a JSON object')
      }
      const out = handler({ chainId: this.chainId, height, kv: new VersionKV(this.tree, v) }, params)
      return { code: 0, log: '', height, value: utf8(JSON.stringify(out)) }
    } catch (e) {
      return { ...asResult(e), height }
    }
  }

  txResult(hash: Uint8Array): StoredTxResult | undefined {
    const b = this.opts.db.getSync(concatBytes(TX_PREFIX, hash))
    return b ? decodeTxResult(b) : undefined
  }

  /** Direct read of committed state (for engines and tools; modules use their contexts). */
  stateReader(height?: bigint): KVReader {
    return new VersionKV(this.tree, Number(height ?? this.lastHeight))
  }

  rootHashAt(height: bigint): Uint8Array {
    return this.tree.rootHash(Number(height))
  }

  // ---------------------------------------------------------------- pipeline

  private decodeCached(bytes: Uint8Array, hash?: Uint8Array): DecodedTx {
    const v = this.verified.get(bytes)
    if (v) return v.tx
    const tx = decodeTx(bytes, hash)
    if (tx.body.chainId !== this.chainId) fail('wrong_chain_id', `transaction is for chain "${tx.body.chainId}", this is "${this.chainId}"`)
    this.verified.set(bytes, { tx, sigOk: false })
    return tx
  }

  /** Verifies the signature once per byte array: a verification in flight is shared, not repeated. */
  private async ensureSignature(bytes: Uint8Array, tx: DecodedTx): Promise<void> {
    let v = this.verified.get(bytes)
    if (v?.sigOk) return
    if (!v) this.verified.set(bytes, (v = { tx, sigOk: false }))
    v.verifying ??= this.pool.verify(tx.body.sender, signBytes(tx.bodyBytes), tx.signature)
    if (!(await v.verifying)) fail('bad_signature', 'signature does not verify for the sender key')
    v.sigOk = true
    v.verifying = undefined
  }

  /**
   * Starts verifying the signature of a transaction that will be checked soon (CometBFT's queued
   * CheckTx requests), so that verifications overlap instead of running one request at a time.
   * Decides nothing: checkTx still makes every check, in order. Pass the array checkTx will get.
   */
  preverify(bytes: Uint8Array): void {
    try {
      const tx = this.decodeCached(bytes)
      this.ensureSignature(bytes, tx).catch(() => undefined)
    } catch {
      // checkTx will refuse it with its typed error
    }
  }

  /** The transaction's messages, resolved and parsed once per byte array (admission, then its block). */
  private messagesOf(bytes: Uint8Array, tx: DecodedTx): ResolvedMsg[] {
    const v = this.verified.get(bytes)
    if (v?.msgs) return v.msgs
    const msgs = this.resolveMessages(tx)
    if (v) v.msgs = msgs
    return msgs
  }

  private resolveMessages(tx: DecodedTx): ResolvedMsg[] {
    return tx.body.msgs.map((m) => {
      const slash = m.type.indexOf('/')
      const module = m.type.slice(0, slash)
      const action = m.type.slice(slash + 1)
      const def = slash > 0 ? this.byName.get(module)?.messages[action] : undefined
      if (!def || !Object.hasOwn(this.byName.get(module)!.messages, action)) fail('unknown_message', `unknown message type "${m.type}"`)
      return { def, parsed: def.parse(m.value), module, action }
    })
  }

  private execute(parent: CacheKV, tx: DecodedTx, msgs: ResolvedMsg[], height: bigint, time: bigint): TxResult {
    const sender = tx.body.sender
    let account: Account
    try {
      account = checkSender(parent, tx, msgs, height)
    } catch (e) {
      return { ...asResult(e), events: [] }
    }
    const txKV = new CacheKV(parent)
    consumeNonce(txKV, account)
    const senderHex = toHex(sender)
    const events: AppEvent[] = [eventOf('tx', { hash: toHex(tx.hash), sender: senderHex, nonce: tx.body.nonce.toString() })]
    const ctx: TxContext = {
      chainId: this.chainId, height, time, kv: txKV, sender, txHash: tx.hash, checkOnly: false,
      emit: (type, attrs) => events.push(eventOf(type, attrs)),
    }
    try {
      for (const m of msgs) {
        events.push(eventOf('message', { module: m.module, action: m.action, sender: senderHex }))
        m.def.handle(ctx, m.parsed)
      }
    } catch (e) {
      txKV.discard()
      consumeNonce(parent, account)
      return { ...asResult(e), events: [] }
    }
    txKV.writeTo(parent)
    return { code: 0, log: '', events }
  }
}

function asResult(e: unknown): { code: number; log: string } {
  if (e instanceof PolisError) return { code: e.code, log: `${e.errorName}: ${e.message}` }
  return { code: 1, log: `internal: ${(e as Error)?.message ?? String(e)}` }
}

