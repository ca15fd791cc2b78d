/**
 * PolisApp: the deterministic state machine. One instance per chain, driven by an engine (solo or
 * CometBFT) through the ABCI-shaped App interface. Transaction pipeline:
 *   size → decode (canonical CBOR) → chain id → messages known and well-formed → signature →
 *   checks (checks.ts: account registered and active, nonce = account nonce, sender holds a role
 *   each message allows) → handlers (all or nothing) → events.
 * Refusals before the handlers change nothing. A transaction whose handler refuses consumes its
 * nonce (so a failed intent cannot be executed later by surprise) and changes nothing else.
 */
import type { ClassicLevel } from 'classic-level'
import { IavlStore } from '../store/index.js'
import { CacheKV, type IterateOptions, type KV, type KVReader } from '../app/kv.js'
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
import { heightKey } from '../codec/be.js'

const META_KEY = utf8('a/meta')
const GENESIS_KEY = utf8('a/genesis')
const TX_PREFIX = utf8('a/tx/')
const BLOCK_EVENTS_PREFIX = utf8('a/ev/')

export interface AppOptions {
  db: ClassicLevel<Uint8Array, Uint8Array>
  /** Modules beyond identity and bank; default: cityModules(), every service of a city. */
  modules?: Module[]
  verifyPool?: VerifyPool
  /** Decoded-node cache of the state tree. */
  cacheSize?: number
}

interface Pending {
  height: bigint
  appHash: Uint8Array
  results: StoredTxResult[]
  blockEvents: AppEvent[]
}

interface Verified { tx: DecodedTx; sigOk: boolean }

/** Adapts the state tree to the KV interface the modules see. */
class TreeKV implements KV {
  constructor(private readonly tree: IavlStore) {}
  get(key: Uint8Array) {
    return this.tree.get(key)
  }
  set(key: Uint8Array, value: Uint8Array) {
    this.tree.set(key, value)
  }
  delete(key: Uint8Array) {
    this.tree.delete(key)
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
  private checkKV: CacheKV
  private blockLock?: Promise<void>
  private releaseBlockLock?: () => void
  private readonly verified = new WeakMap<Uint8Array, Verified>()
  private readonly ownPool: boolean
  readonly pool: VerifyPool

  constructor(private readonly opts: AppOptions) {
    const extra = opts.modules ?? cityModules()
    const extraRoles = extra.flatMap((m) => m.roles ?? [])
    this.modules = [identityModule(extraRoles), bankModule(), ...extra]
    for (const m of this.modules) {
      if (this.byName.has(m.name)) throw new Error(`duplicate module ${m.name}`)
      this.byName.set(m.name, m)
    }
    this.tree = IavlStore.open(opts.db, { prefix: utf8('s'), cacheSize: opts.cacheSize })
    this.treeKV = new TreeKV(this.tree)
    this.checkKV = new CacheKV(this.treeKV)
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
    if (this.ownPool) await this.pool.close()
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
    const kv = new CacheKV(this.treeKV)
    const events: AppEvent[] = []
    const ctx: ExecContext = { chainId: g.chainId, height: 0n, time: g.genesisTime, kv, emit: (t, a) => events.push(eventOf(t, a)) }
    for (const m of this.modules) if (g.doc.app_state[m.name] !== undefined) m.initGenesis?.(ctx, g.doc.app_state[m.name])
    kv.writeTo(this.treeKV)
    this.genesis = g
    this.chainId = g.chainId
    this.lastTime = g.genesisTime
    this.pendingGenesisDoc = utf8(canonicalJson(g.doc))
    this.checkKV = new CacheKV(this.treeKV)
    return { appHash: this.tree.workingHash(), validators: g.validators.map((v) => ({ pubKey: v.pubKey, power: v.power })) }
  }

  // ---------------------------------------------------------------- mempool admission

  /** Admits a transaction to the mempool: the full pipeline, run against the mempool's scratch state. */
  async checkTx(bytes: Uint8Array): Promise<CheckTxResult> {
    let tx: DecodedTx | undefined
    try {
      tx = this.decodeCached(bytes)
      const msgs = this.resolveMessages(tx)
      await this.ensureSignature(bytes, tx)
      while (this.blockLock) await this.blockLock
      const res = this.execute(this.checkKV, tx, msgs, this.lastHeight + 1n, this.lastTime, true)
      return { code: res.code, log: res.log, sender: tx.body.sender, nonce: tx.body.nonce, hash: tx.hash }
    } catch (e) {
      const { code, log } = asResult(e)
      return { code, log, sender: tx?.body.sender, nonce: tx?.body.nonce, hash: tx?.hash }
    }
  }

  /** Forget the mempool's scratch state (after a commit, before re-checking what remains). */
  resetCheckState(): void {
    this.checkKV = new CacheKV(this.treeKV)
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
            const msgs = this.resolveMessages(d)
            if (!this.verified.get(block.txs[i]!)?.sigOk) fail('bad_signature', 'signature does not verify')
            r = this.execute(blockKV, d, msgs, block.height, block.time, false)
          } catch (e) {
            r = { ...asResult(e), events: [] }
          }
        }
        results.push({ ...r, height: block.height, index: i, hash: d instanceof PolisError ? txHash(block.txs[i]!) : d.hash })
      }
      const blockEvents: AppEvent[] = []
      const ctx: ExecContext = { chainId: this.chainId, height: block.height, time: block.time, kv: blockKV, emit: (t, a) => blockEvents.push(eventOf(t, a)) }
      for (const m of this.modules) m.endBlock?.(ctx)
      blockKV.writeTo(this.treeKV)
      const appHash = this.tree.workingHash()
      this.pending = { height: block.height, appHash, results, blockEvents }
      this.lastTime = block.time
      return { results, events: blockEvents, validatorUpdates: [], appHash }
    } catch (e) {
      this.tree.rollback()
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
      this.checkKV = new CacheKV(this.treeKV)
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
      const res = this.execute(this.checkKV, v.tx, this.resolveMessages(v.tx), this.lastHeight + 1n, this.lastTime, true)
      return { code: res.code, log: res.log, sender: v.tx.body.sender, nonce: v.tx.body.nonce, hash: v.tx.hash }
    } catch (e) {
      return { ...asResult(e), hash: v.tx.hash }
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

  private decodeCached(bytes: Uint8Array): DecodedTx {
    const v = this.verified.get(bytes)
    if (v) return v.tx
    const tx = decodeTx(bytes)
    if (tx.body.chainId !== this.chainId) fail('wrong_chain_id', `transaction is for chain "${tx.body.chainId}", this is "${this.chainId}"`)
    this.verified.set(bytes, { tx, sigOk: false })
    return tx
  }

  private async ensureSignature(bytes: Uint8Array, tx: DecodedTx): Promise<void> {
    const v = this.verified.get(bytes)
    if (v?.sigOk) return
    const ok = await this.pool.verify(tx.body.sender, signBytes(tx.bodyBytes), tx.signature)
    if (!ok) fail('bad_signature', 'signature does not verify for the sender key')
    this.verified.set(bytes, { tx, sigOk: true })
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

  private execute(parent: CacheKV, tx: DecodedTx, msgs: ResolvedMsg[], height: bigint, time: bigint, checkOnly: boolean): TxResult {
    const sender = tx.body.sender
    let account: Account
    try {
      account = checkSender(parent, tx, msgs, height)
    } catch (e) {
      return { ...asResult(e), events: [] }
    }
    const txKV = new CacheKV(parent)
    consumeNonce(txKV, account)
    const events: AppEvent[] = [eventOf('tx', { hash: toHex(tx.hash), sender: toHex(sender), nonce: tx.body.nonce.toString() })]
    const ctx: TxContext = {
      chainId: this.chainId, height, time, kv: txKV, sender, txHash: tx.hash, checkOnly,
      emit: (type, attrs) => events.push(eventOf(type, attrs)),
    }
    try {
      for (const m of msgs) {
        events.push(eventOf('message', { module: m.module, action: m.action, sender: toHex(sender) }))
        m.def.handle(ctx, m.parsed)
      }
    } catch (e) {
      txKV.discard()
      if (!checkOnly) consumeNonce(parent, account)
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

