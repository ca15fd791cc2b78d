/**
 * The solo engine: the embedded default. One validator key in process; a mempool admitted through
 * the App's checkTx; blocks cut when the mempool holds a block's worth or on an interval; each
 * header links the previous header's hash, carries the app hash and is signed by the validator;
 * block, results and state commit in one atomic write.
 */
import { EventEmitter } from 'node:events'
import { ClassicLevel } from 'classic-level'
import { PolisApp } from '../../chain/app.js'
import { ErrorCodes, PolisError, errorNameOf, fail } from '../../base/errors.js'
import { genesisHash, parseGenesis, type ParsedGenesis } from '../../app/genesis.js'
import type { Module } from '../../app/module.js'
import type { AppEvent, CheckTxResult } from '../../app/types.js'
import { encodeCanonical } from '../../codec/cbor.js'
import { headerHasher, type HeaderHasher } from '../../crypto/header-hash.js'
import { sha256 } from '../../crypto/hash.js'
import { bytesEqual, toHex } from '../../base/bytes.js'
import type { KeyPair } from '../../crypto/keys.js'
import { merkleRoot } from '../../crypto/merkle.js'
import { VerifyPool } from '../../crypto/verify-pool.js'
import { encodeTxResult, type StoredTxResult, type TxStatus } from '../../app/tx-results.js'
import { BlockStore, blockRecords, type Block } from './block-store.js'
import { signHeader, type Header } from '../../lightclient/solo-header.js'
import { Mempool, txKey } from './mempool.js'

export interface SoloOptions {
  dataDir: string
  genesis: unknown
  validatorKey: KeyPair
  blockIntervalMs?: number
  modules?: Module[]
  verifyThreads?: number
  mempoolMaxTxs?: number
  cacheSize?: number
  /** State retention (PolisApp's `pruning`); absent: keep every height. */
  pruning?: { keepRecent: number }
  /** Wall clock for block times (the engine's, never the App's). */
  now?: () => bigint
  /**
   * Cut an empty block when none was cut for this long, so that block time (and the end-block work
   * that runs on it: energy slots, SLAs, overdue bills, light-client expiry) advances on an idle
   * chain; absent or 0: blocks only for transactions.
   */
  emptyBlockIntervalMs?: number
}

export interface CommittedBlock { block: Block; results: StoredTxResult[]; events: AppEvent[] }

export function validatorSetHash(validators: ParsedGenesis['validators']): Uint8Array {
  return sha256(encodeCanonical(validators.map((v) => [v.pubKey, v.power])))
}

export class SoloEngine extends EventEmitter {
  readonly mempool: Mempool
  readonly blocks: BlockStore
  readonly hasher: HeaderHasher
  private timer?: NodeJS.Timeout
  /** the next block, cut as soon as the last one committed while transactions were waiting */
  private backlogCut?: NodeJS.Immediate
  private idleTimer?: NodeJS.Timeout
  private producing?: Promise<CommittedBlock | undefined>
  /** the txKeys of the block being committed (between leaving the mempool and their results) */
  private committing?: Set<string>
  private stopped = false
  private readonly waiters = new Map<string, Array<(r: StoredTxResult | PolisError) => void>>()
  private readonly blockIntervalMs: number
  private readonly emptyBlockIntervalMs: number

  private constructor(
    readonly app: PolisApp,
    private readonly db: ClassicLevel<Uint8Array, Uint8Array>,
    readonly genesis: ParsedGenesis,
    private readonly key: KeyPair,
    opts: SoloOptions,
    private readonly now: () => bigint,
  ) {
    super()
    this.mempool = new Mempool(opts.mempoolMaxTxs)
    this.blocks = new BlockStore(db)
    this.hasher = headerHasher(genesis.hash)
    this.blockIntervalMs = opts.blockIntervalMs ?? 100
    this.emptyBlockIntervalMs = opts.emptyBlockIntervalMs ?? 0
  }

  static async open(opts: SoloOptions): Promise<SoloEngine> {
    const genesis = parseGenesis(opts.genesis)
    headerHasher(genesis.hash) // refuses an unknown hash before anything is written
    if (genesis.validators.length !== 1) fail('invalid_genesis', 'the solo engine runs exactly one validator; use the cometbft engine for more')
    if (!bytesEqual(genesis.validators[0]!.pubKey, opts.validatorKey.publicKey)) fail('invalid_genesis', "the validator key does not match genesis' validator")
    const db = new ClassicLevel<Uint8Array, Uint8Array>(opts.dataDir, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.open()
    let app: PolisApp
    try {
      app = new PolisApp({ db, modules: opts.modules, verifyPool: new VerifyPool(opts.verifyThreads), cacheSize: opts.cacheSize, pruning: opts.pruning })
      const info = app.info()
      if (info.lastHeight === 0n) await app.initChain(genesis.doc)
      else if (info.chainId !== genesis.chainId) fail('invalid_genesis', `data directory holds chain "${info.chainId}", genesis is for "${genesis.chainId}"`)
    } catch (e) {
      await db.close()
      throw e
    }
    const engine = new SoloEngine(app, db, genesis, opts.validatorKey, opts, opts.now ?? (() => BigInt(Date.now())))
    // Block 1 commits the genesis state at once, so that it is queryable and provable from the start.
    if (app.info().lastHeight === 0n) await engine.produceBlock({ allowEmpty: true })
    return engine
  }

  get height(): bigint {
    return this.app.info().lastHeight
  }

  start(): void {
    this.stopped = false
    if (this.mempool.size > 0) this.schedule()
    this.armIdle()
  }

  /** (Re)starts the wait for an empty block; called at start and after every block. */
  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    if (this.stopped || this.emptyBlockIntervalMs <= 0) return
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      if (!this.stopped && !this.producing) void this.produceBlock({ allowEmpty: true })
    }, this.emptyBlockIntervalMs)
    this.idleTimer.unref()
  }

  /** Stops cutting blocks, lets the block in progress commit, and closes the database. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.backlogCut) clearImmediate(this.backlogCut)
    this.backlogCut = undefined
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    await this.producing
    for (const [, ws] of this.waiters) for (const w of ws) w(new PolisError('invalid_state', 'node stopped'))
    this.waiters.clear()
    await this.app.stopPruning()
    await this.app.pool.close()
    await this.db.close()
  }

  /** Admits a transaction to the mempool (typed refusal in `code`/`log`). */
  async submit(bytes: Uint8Array): Promise<CheckTxResult & { hash: Uint8Array }> {
    const hash = sha256(bytes)
    const key = txKey(hash)
    try {
      if (this.stopped) fail('invalid_state', 'node is stopping')
      this.mempool.ensureRoom(key, bytes.length)
    } catch (e) {
      const err = e as PolisError
      return { code: err.code, log: `${err.errorName}: ${err.message}`, hash }
    }
    const r = await this.app.checkTx(bytes, hash)
    if (r.code === 0) {
      if (this.mempool.has(key)) return { code: 14, log: 'duplicate_tx: transaction is already in the mempool', hash }
      this.mempool.add({ bytes, hash, key })
      this.schedule()
    }
    return { ...r, hash }
  }

  /** Submits and resolves once the transaction is in a committed block (with its result). */
  async submitAndWait(bytes: Uint8Array, timeoutMs = 30_000): Promise<StoredTxResult> {
    const hash = sha256(bytes)
    const wait = this.waitForTx(hash, timeoutMs)
    const r = await this.submit(bytes)
    // Already in the mempool (submitted before): its commit is what we wait for.
    if (r.code !== 0 && r.code !== ErrorCodes.duplicate_tx) {
      const err = new PolisError(errorName(r.code), r.log)
      this.resolveWaiters(txKey(hash), err)
      await wait.catch(() => undefined)
      throw err
    }
    return wait
  }

  waitForTx(hash: Uint8Array, timeoutMs = 30_000): Promise<StoredTxResult> {
    const committed = this.app.txResult(hash)
    if (committed) return Promise.resolve(committed)
    const key = txKey(hash)
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.cancelWait(key, done)
        reject(new PolisError('expired', `transaction ${toHex(hash)} not committed within ${timeoutMs} ms`))
      }, timeoutMs)
      const done = (r: StoredTxResult | PolisError) => {
        clearTimeout(t)
        if (r instanceof PolisError) reject(r)
        else resolve(r)
      }
      const list = this.waiters.get(key) ?? []
      list.push(done)
      this.waiters.set(key, list)
    })
  }

  private cancelWait(key: string, fn?: (r: StoredTxResult | PolisError) => void): void {
    const list = this.waiters.get(key)
    if (!list) return
    const rest = fn ? list.filter((f) => f !== fn) : []
    if (rest.length) this.waiters.set(key, rest)
    else this.waiters.delete(key)
  }

  txStatus(hash: Uint8Array): TxStatus {
    const r = this.app.txResult(hash)
    if (r) return { status: 'committed', result: r }
    const key = txKey(hash)
    if (this.mempool.has(key) || this.committing?.has(key)) return { status: 'pending' }
    return { status: 'unknown' }
  }

  /**
   * When to cut the next block. A full block's worth in the mempool: now. Transactions that
   * arrived while the last block was being produced (`backlog`): as soon as the events already
   * due have run (signature results from the workers, so that their transactions join), without
   * waiting for the interval: they have waited one block already, and a block cut at once stays
   * about as small as what arrived during the last one, so under a steady load blocks size
   * themselves to the arrival rate instead of growing to the limit. Otherwise (the first
   * transaction after an idle spell): after `blockIntervalMs`, to batch what follows it.
   */
  private schedule(backlog = false): void {
    if (this.stopped || this.producing) return
    if (backlog && this.mempool.size < this.genesis.maxBlockTxs) {
      if (this.timer) clearTimeout(this.timer)
      this.timer = undefined
      this.backlogCut ??= setImmediate(() => {
        this.backlogCut = undefined
        if (!this.stopped && !this.producing && this.mempool.size > 0) void this.produceBlock({}, true)
      })
      return
    }
    if (this.backlogCut && this.mempool.size < this.genesis.maxBlockTxs) return
    if (this.mempool.size >= this.genesis.maxBlockTxs) {
      if (this.timer) clearTimeout(this.timer)
      this.timer = undefined
      void this.produceBlock({}, true)
      return
    }
    if (!this.timer) this.timer = setTimeout(() => {
      this.timer = undefined
      void this.produceBlock({}, true)
    }, this.blockIntervalMs)
  }

  /**
   * Cuts a block from the mempool now (also used by tests); resolves when it is committed.
   * `scheduled`: cut by the engine's own schedule, which then cuts the next block at once if
   * transactions are waiting; a block cut by a caller leaves the rest to the interval as before.
   */
  async produceBlock(opts: { allowEmpty?: boolean } = {}, scheduled = false): Promise<CommittedBlock | undefined> {
    while (this.producing) await this.producing
    if (this.mempool.size === 0 && !opts.allowEmpty) return undefined
    this.producing = this.cutBlock(opts.allowEmpty ?? false)
    try {
      return await this.producing
    } finally {
      this.producing = undefined
      if (this.mempool.size > 0) this.schedule(scheduled)
    }
  }

  private async cutBlock(allowEmpty: boolean): Promise<CommittedBlock | undefined> {
    const picked = this.mempool.reap(this.genesis.maxBlockTxs, this.genesis.maxBlockBytes)
    if (picked.length === 0 && !allowEmpty) return undefined
    const info = this.app.info()
    const height = info.lastHeight + 1n
    const prev = height === 1n ? undefined : this.blocks.header(info.lastHeight)
    if (height > 1n && !prev) throw new Error(`block store lacks block ${info.lastHeight}`)
    const lastTime = prev ? prev.header.time : this.genesis.genesisTime
    const now = this.now()
    const time = now > lastTime ? now : lastTime + 1n
    const txs = picked.map((t) => t.bytes)
    const fin = await this.app.finalizeBlock({ height, time, txs, proposer: this.key.publicKey })
    const stored = fin.results as StoredTxResult[]
    const header: Header = {
      chainId: this.genesis.chainId,
      height,
      time,
      prevHash: prev ? prev.hash : genesisHash(this.genesis.doc),
      appHash: fin.appHash,
      txsHash: merkleRoot(txs),
      resultsHash: merkleRoot(stored.map(encodeTxResult)),
      validatorsHash: validatorSetHash(this.genesis.validators),
      proposer: this.key.publicKey,
      hashAlg: this.genesis.hash.name,
    }
    const block: Block = { signed: signHeader(header, this.hasher, this.key), txs }
    // Out of the mempool but not yet committed: a status query in this window still says pending.
    this.committing = new Set(picked.map((t) => t.key))
    for (const t of picked) this.mempool.remove(t.key)
    const remaining = this.mempool.all()
    const rechecked = await this.app.commit(blockRecords(block), remaining.map((t) => t.bytes)).finally(() => (this.committing = undefined))
    rechecked.forEach((r, i) => {
      if (r.code !== 0) {
        const t = remaining[i]!
        this.mempool.remove(t.key)
        this.resolveWaiters(t.key, new PolisError(errorName(r.code), `dropped from the mempool on recheck: ${r.log}`))
      }
    })
    if (this.waiters.size > 0) for (const r of stored) this.resolveWaiters(txKey(r.hash), r)
    const committed: CommittedBlock = { block, results: stored, events: fin.events }
    this.emit('block', committed)
    this.armIdle()
    return committed
  }

  private resolveWaiters(key: string, r: StoredTxResult | PolisError): void {
    const list = this.waiters.get(key)
    if (!list) return
    this.waiters.delete(key)
    for (const w of list) w(r)
  }
}

function errorName(code: number) {
  const n = errorNameOf(code)
  return n === 'unknown' ? 'internal' : n
}
