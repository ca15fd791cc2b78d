/**
 * Maps ABCI 2.0 (CometBFT 0.38) requests onto the Polis App. The same PolisApp as under the solo
 * engine, unchanged; what this layer adds:
 *
 * * **Genesis.** CometBFT's InitChain carries chain id, genesis time, validators and `app_state`.
 *   The Polis genesis document is built from them: `app_state` of CometBFT's genesis.json is the
 *   Polis `app_state` (module → state), validators are CometBFT's (Ed25519), time in ms.
 * * **Admission and re-admission.** Outside a block, CheckTx is the App's admission: stateless
 *   checks plus the cheap precheck against committed state and the mempool's pending transactions;
 *   no handler runs (docs/ARCHITECTURE.md, Admission). This layer keeps, in admission order, the
 *   transactions it admitted that no committed block has carried yet (`pending`: what CometBFT's
 *   mempool holds). At Commit the App re-admits them in process against the new state, before
 *   CometBFT may send the next CheckTx (it holds its mempool lock through Commit). So CometBFT's own
 *   recheck, one socket round trip per mempool transaction per block, is not needed: the testnet
 *   generator sets `mempool.recheck = false`. With recheck on, a RECHECK is answered from the
 *   re-admission's result. A transaction that fails re-admission stays in CometBFT's mempool when
 *   recheck is off: its block refuses it with its code and records it, like any transaction that
 *   passed admission and fails in its block; later transactions of its sender are refused (nonce).
 * * **What CometBFT's mempool holds** must never be less than what the App counts as pending: a
 *   transaction the App holds as pending but CometBFT does not would keep its sender's nonce taken
 *   forever (its re-admission passes every block, nothing ever commits it, a resubmission is refused
 *   as a nonce conflict). Two ways CometBFT drops a transaction without a block carrying it: its
 *   mempool was full when the App's answer came back (CometBFT checks the size again then), and
 *   CometBFT itself stopped (its mempool lives in memory). So the App tracks `held`, every
 *   transaction it answered with code 0 and no committed block has carried (a superset of
 *   CometBFT's mempool), refuses `mempool_full` once `held` reaches CometBFT's `mempool.size`
 *   (so CometBFT is never full when an admitted transaction comes back), and forgets `held` and
 *   `pending` when CometBFT's mempool connection closes. The other way round, CometBFT holding a
 *   transaction the App does not count as pending (refused at re-admission), is harmless: its block
 *   refuses it. Without recheck such a transaction leaves the mempool only in a block: on a validator
 *   that is its next proposal; a non-validator node keeps it until it restarts (counted in `held`).
 * * **CheckTx while a block is in progress.** CometBFT may send CheckTx on the mempool connection
 *   between FinalizeBlock and Commit, and before Commit it Flushes the mempool connection and waits
 *   for those answers. The App holds mempool admission until the block commits, so waiting for it
 *   would deadlock. In that window a transaction is answered on the checks that need no state
 *   (size, decoding, chain id, signature) and is admitted for real at Commit, after the pending
 *   transactions (it arrived after them); a refusal then is handled as above.
 * * **Signature cache across the socket.** Transactions arrive as fresh byte arrays in every
 *   request; the App caches verified signatures per byte array. Transactions admitted by CheckTx
 *   are kept (bounded) and the same array is handed to the App in FinalizeBlock and in rechecks,
 *   so a transaction's signature is verified once per node, not three times.
 * * **A connection lost mid-block.** If the consensus connection closes after FinalizeBlock (or
 *   InitChain) but before Commit, the finalized state lives only in memory: the App is reopened
 *   from its database, i.e. rolled back to the last commit, which is what CometBFT's handshake
 *   expects when it reconnects (`Info` reports that height and app hash and CometBFT replays).
 * * **Validator updates and the halt height** come from the validators module: FinalizeBlock
 *   returns the block's changes; after the Commit of the halt height `onHalt` runs.
 * * **State sync.** Snapshots are made after Commit at the store's interval and served from disk;
 *   a fresh App restores one chunk by chunk, each checked against its announced hash, the whole
 *   against the light-client-verified app hash (snapshot.ts).
 */
import {
  CheckTxType,
  Request,
  Response,
  ResponseOfferSnapshot_Result,
  ResponseApplySnapshotChunk_Result,
  ResponseProcessProposal_ProposalStatus,
  ResponseVerifyVoteExtension_VerifyStatus,
  type Event as AbciEvent,
  type RequestFinalizeBlock,
  type RequestInitChain,
} from 'cosmjs-types/tendermint/abci/types'
import type { Timestamp } from 'cosmjs-types/google/protobuf/timestamp'
import type { PolisApp } from '../../chain/app.js'
import type { AppEvent, CheckTxResult } from '../../app/types.js'
import type { StoredTxResult } from '../../app/tx-results.js'
import type { Genesis } from '../../app/genesis.js'
import { PolisError, fail } from '../../base/errors.js'
import { decodeTx, signBytes } from '../../app/tx.js'
import { sha256 } from '../../crypto/hash.js'
import { toHex } from '../../base/bytes.js'
import type { AbciConnection, AbciHandler, RequestKind } from './server.js'
import { encodeUvarint } from './frame.js'
import type { ClassicLevel } from 'classic-level'
import { SNAPSHOT_FORMAT, parseSnapshotMetadata, type SnapshotStore } from './snapshot.js'
import { SnapshotRestorer } from './snapshot-restore.js'
import type { RequestApplySnapshotChunk, RequestOfferSnapshot } from 'cosmjs-types/tendermint/abci/types'

export const APP_VERSION = 1n
/** Exit status of an App process that stopped at the governance halt height (supervisors do not restart it). */
export const HALT_EXIT_CODE = 3
export const ABCI_APP_NAME = 'polis'
const CODESPACE = 'polis'
const EMPTY = new Uint8Array(0)

export interface PolisAbciOptions {
  /** Opens the App on its database; called again to roll back to the last commit. */
  openApp: () => PolisApp
  /** Most transactions remembered between CheckTx and FinalizeBlock. */
  internMax?: number
  /** Mark event attributes for CometBFT's indexer (tx_search). Default true. */
  indexEvents?: boolean
  log?: (msg: string) => void
  /** Called after every commit (height, app hash, number of transactions). */
  onCommit?: (height: bigint, appHash: Uint8Array, txs: number) => void
  /** Called once the block at the halt height set by governance (validators module) is committed. */
  onHalt?: (height: bigint) => void
  /** The App's database: state sync restores a snapshot into it (when it is empty). */
  db?: ClassicLevel<Uint8Array, Uint8Array>
  /** Snapshots this node serves (made at its interval after commits). */
  snapshots?: SnapshotStore
  /**
   * CometBFT's `mempool.size` (default 5000, CometBFT's own default). CheckTx refuses
   * (`mempool_full`) what CometBFT could not keep, so the App never holds as pending a transaction
   * CometBFT dropped after admitting it (see "What CometBFT's mempool holds" above).
   */
  mempoolSize?: number
}

/** A snapshot being restored (OfferSnapshot accepted it; ApplySnapshotChunk feeds it in order). */
interface Restore { height: bigint; hash: Uint8Array; hashes: string[]; next: number; restorer: SnapshotRestorer }

type Phase = 'idle' | 'finalizing' | 'finalized' | 'committing'

export function timestampToMs(t: Timestamp | undefined): bigint {
  if (!t) return 0n
  return t.seconds * 1000n + BigInt(Math.floor(t.nanos / 1e6))
}

/** CometBFT address of an Ed25519 validator key: the first 20 bytes of its SHA-256. */
export function validatorAddress(pubKey: Uint8Array): Uint8Array {
  return sha256(pubKey).subarray(0, 20)
}

/** The Polis genesis document that CometBFT's InitChain describes. */
export function genesisFromInitChain(req: RequestInitChain): Genesis {
  let appState: unknown = {}
  if (req.appStateBytes.length) {
    try {
      appState = JSON.parse(Buffer.from(req.appStateBytes).toString('utf8'))
    } catch {
      fail('invalid_genesis', 'app_state of the CometBFT genesis is not JSON')
    }
  }
  if (appState === null || typeof appState !== 'object' || Array.isArray(appState)) fail('invalid_genesis', 'app_state of the CometBFT genesis must be an object of module states')
  if (req.initialHeight > 1n) fail('invalid_genesis', `initial_height ${req.initialHeight} is not supported; use 1`)
  const validators = req.validators.map((v, i) => {
    const pk = v.pubKey.ed25519
    if (!pk || pk.length !== 32) fail('invalid_genesis', `validator ${i} has no Ed25519 key; Polis validators use Ed25519`)
    return { name: `validator-${i}`, pub_key: toHex(pk), power: v.power.toString() }
  })
  // the validators module's genesis set, when there is one, must be CometBFT's
  const managed = (appState as { validators?: { validators?: Array<{ pub_key?: unknown; power?: unknown }> } }).validators?.validators
  if (managed !== undefined) {
    const norm = (xs: Array<{ pub_key?: unknown; power?: unknown }>) => xs.map((v) => `${String(v.pub_key)}:${String(v.power)}`).sort().join(',')
    if (!Array.isArray(managed) || norm(managed) !== norm(validators)) fail('invalid_genesis', 'app_state.validators differs from the validators of the CometBFT genesis')
  }
  return {
    chain_id: req.chainId,
    genesis_time: timestampToMs(req.time).toString(),
    validators,
    app_state: appState as Record<string, unknown>,
  }
}

/**
 * CometBFT reserves the composite keys `tx.hash` and `tx.height` (its indexer refuses a block whose
 * events use them), and the App's per-transaction event is `tx` with a `hash` attribute: under
 * CometBFT that event is named `polis.tx`.
 */
export function abciEventType(type: string): string {
  return type === 'tx' ? 'polis.tx' : type
}

function toAbciEvents(events: AppEvent[], index: boolean): AbciEvent[] {
  return events.map((e) => ({ type: abciEventType(e.type), attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index })) }))
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
}

/** A block the App committed under CometBFT (its CometBFT hash is not known to the App). */
export interface CommittedAbciBlock { height: bigint; time: bigint; appHash: Uint8Array; txs: Uint8Array[]; results: StoredTxResult[]; events: AppEvent[] }

export class PolisAbciApp implements AbciHandler {
  private appRef: PolisApp
  private phase: Phase = 'idle'
  /** InitChain or FinalizeBlock ran and Commit has not: the App holds uncommitted state. */
  private dirty = false
  private readonly inflightChecks = new Set<Promise<unknown>>()
  private readonly intern = new Map<string, Uint8Array>()
  /** Admitted, in admission order, and in no committed block yet (what CometBFT's mempool holds). */
  private readonly pending = new Map<string, Uint8Array>()
  /** Answered on stateless checks between FinalizeBlock and Commit; admitted at Commit. */
  private windowTxs: Array<[string, Uint8Array]> = []
  /** Pending transactions the last re-admission refused (answers CometBFT's RECHECK, if it sends one). */
  private refusedAtReadmit = new Map<string, CheckTxResult>()
  /** Every transaction answered with code 0 that no committed block has carried (⊇ CometBFT's mempool). */
  private readonly held = new Set<string>()
  private readonly mempoolSize: number
  private blockTxKeys: string[] = []
  private readonly internMax: number
  private readonly indexEvents: boolean
  private readonly log: (msg: string) => void
  /** The block finalized and not yet committed, for `blockListeners`. */
  private finalized?: CommittedAbciBlock
  /** Called after each Commit with the committed block (the API's block events). */
  readonly blockListeners = new Set<(b: CommittedAbciBlock) => void>()
  /** Counters, for tests and metrics. */
  readonly stats = { checkTx: 0, statelessCheckTx: 0, recheckTx: 0, readmitted: 0, readmitRefused: 0, mempoolFull: 0, blocks: 0, resets: 0 }

  constructor(private readonly opts: PolisAbciOptions) {
    this.appRef = opts.openApp()
    this.internMax = opts.internMax ?? 200_000
    this.mempoolSize = opts.mempoolSize ?? 5000
    this.indexEvents = opts.indexEvents ?? true
    this.log = opts.log ?? ((m) => process.stderr.write(m + '\n'))
  }

  get app(): PolisApp {
    return this.appRef
  }

  /** CheckTx requests waiting on the mempool connection: their signatures are verified meanwhile. */
  queued(req: Request, kind: RequestKind): void {
    if (kind !== 'checkTx') return
    const raw = req.checkTx!.tx
    const k = latin1(raw)
    let tx = this.intern.get(k)
    if (!tx) this.remember(k, (tx = new Uint8Array(raw)))
    this.appRef.preverify(tx)
  }

  handle(req: Request, kind: RequestKind, conn: AbciConnection): Response | Promise<Response> {
    switch (kind) {
      case 'info': {
        const i = this.appRef.info()
        return Response.fromPartial({
          info: { data: ABCI_APP_NAME, version: '0.1.0', appVersion: APP_VERSION, lastBlockHeight: i.lastHeight, lastBlockAppHash: i.lastHeight > 0n ? i.lastAppHash : EMPTY },
        })
      }
      case 'initChain':
        return this.initChain(req.initChain!)
      case 'query':
        return this.query(req)
      case 'checkTx':
        return this.checkTx(req.checkTx!.tx, req.checkTx!.type)
      case 'prepareProposal': {
        const r = req.prepareProposal!
        const txs: Uint8Array[] = []
        let size = 0n
        for (const tx of r.txs) {
          // protobuf size of one entry of a repeated bytes field: tag + length varint + bytes
          const s = BigInt(1 + encodeUvarint(tx.length).length + tx.length)
          if (r.maxTxBytes > 0n && size + s > r.maxTxBytes) break
          size += s
          txs.push(tx)
        }
        return Response.fromPartial({ prepareProposal: { txs } })
      }
      case 'processProposal':
        return Response.fromPartial({ processProposal: { status: ResponseProcessProposal_ProposalStatus.ACCEPT } })
      case 'extendVote':
        return Response.fromPartial({ extendVote: { voteExtension: EMPTY } })
      case 'verifyVoteExtension':
        return Response.fromPartial({ verifyVoteExtension: { status: ResponseVerifyVoteExtension_VerifyStatus.ACCEPT } })
      case 'finalizeBlock':
        return this.finalizeBlock(req.finalizeBlock!)
      case 'commit':
        return this.commit()
      case 'listSnapshots':
        return Response.fromPartial({ listSnapshots: { snapshots: (this.opts.snapshots?.list() ?? []).map((x) => ({ height: x.height, format: x.format, chunks: x.chunks, hash: x.hash, metadata: x.metadata })) } })
      case 'offerSnapshot':
        return this.offerSnapshot(req.offerSnapshot!).then((result) => Response.fromPartial({ offerSnapshot: { result } }))
      case 'loadSnapshotChunk': {
        const r = req.loadSnapshotChunk!
        const chunk = r.format === SNAPSHOT_FORMAT ? this.opts.snapshots?.chunk(r.height, r.chunk) : undefined
        return Response.fromPartial({ loadSnapshotChunk: { chunk: chunk ?? EMPTY } })
      }
      case 'applySnapshotChunk':
        return this.applySnapshotChunk(req.applySnapshotChunk!)
      default:
        throw new Error(`unsupported request ${kind} on connection ${conn.id}`)
    }
  }

  async onClose(conn: AbciConnection): Promise<void> {
    if (conn.seen.has('checkTx')) {
      // CometBFT's mempool connection: its mempool (in memory) is gone with it
      this.held.clear()
      this.pending.clear()
      this.windowTxs = []
      this.refusedAtReadmit.clear()
      if (this.phase === 'idle') this.appRef.resetCheckState()
    }
    const consensus = conn.seen.has('finalizeBlock') || conn.seen.has('commit') || conn.seen.has('initChain')
    if (consensus && this.dirty) {
      this.log(`consensus connection closed with an uncommitted ${this.phase === 'finalized' ? 'block' : 'genesis'}: rolling the App back to height ${this.appRef.info().lastHeight}`)
      await this.reset()
    }
  }

  /** Drops uncommitted state by reopening the App from its database. */
  async reset(): Promise<void> {
    const old = this.appRef
    this.appRef = this.opts.openApp()
    await old.close()
    this.phase = 'idle'
    this.dirty = false
    this.blockTxKeys = []
    this.intern.clear()
    this.pending.clear()
    this.windowTxs = []
    this.refusedAtReadmit.clear()
    this.held.clear()
    this.stats.resets++
  }

  /** Resolves once no snapshot is being made (it reads the database). */
  snapshotsIdle(): Promise<void> {
    return this.opts.snapshots?.idle() ?? Promise.resolve()
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.inflightChecks])
    await this.snapshotsIdle()
    await this.appRef.close()
  }

  // ------------------------------------------------------------------ consensus connection

  private async initChain(req: RequestInitChain): Promise<Response> {
    const genesis = genesisFromInitChain(req)
    if (this.dirty) await this.reset()
    this.dirty = true
    const r = await this.appRef.initChain(genesis)
    this.log(`initChain ${genesis.chain_id}: ${genesis.validators.length} validators, genesis app hash ${toHex(r.appHash)}`)
    // No validator updates: CometBFT keeps the validators of its genesis.json (the same ones).
    return Response.fromPartial({ initChain: { appHash: r.appHash, validators: [] } })
  }

  private async finalizeBlock(req: RequestFinalizeBlock): Promise<Response> {
    if (this.phase !== 'idle') fail('invalid_state', `FinalizeBlock ${req.height} while a block is ${this.phase}`)
    this.phase = 'finalizing'
    // Let a CheckTx already inside the App finish before the App takes its block lock.
    if (this.inflightChecks.size) await Promise.allSettled([...this.inflightChecks])
    const keys: string[] = []
    const txs = req.txs.map((t) => {
      const k = latin1(t)
      keys.push(k)
      return this.intern.get(k) ?? t
    })
    this.dirty = true
    let fin
    try {
      fin = await this.appRef.finalizeBlock({ height: req.height, time: timestampToMs(req.time), txs, proposer: req.proposerAddress })
    } catch (e) {
      this.phase = 'idle'
      throw e
    }
    this.blockTxKeys = keys
    this.phase = 'finalized'
    if (this.blockListeners.size) {
      const height = req.height
      this.finalized = {
        height, time: timestampToMs(req.time), txs: txs.map((t) => new Uint8Array(t)), appHash: fin.appHash, events: fin.events,
        results: fin.results.map((r, index) => ({ ...r, height, index, hash: sha256(txs[index]!) })),
      }
    }
    const idx = this.indexEvents
    return Response.fromPartial({
      finalizeBlock: {
        txResults: fin.results.map((r) => ({
          code: r.code,
          log: r.log,
          codespace: r.code ? CODESPACE : '',
          events: toAbciEvents(r.events, idx),
        })),
        events: toAbciEvents(fin.events, idx),
        validatorUpdates: fin.validatorUpdates.map((v) => ({ pubKey: { ed25519: v.pubKey }, power: v.power })),
        appHash: fin.appHash,
      },
    })
  }

  private async commit(): Promise<Response> {
    if (this.phase !== 'finalized') fail('invalid_state', 'Commit without FinalizeBlock')
    this.phase = 'committing'
    for (const k of this.blockTxKeys) {
      this.pending.delete(k)
      this.held.delete(k)
    }
    const keys = [...this.pending.keys()]
    let readmit: CheckTxResult[]
    try {
      readmit = await this.appRef.commit([], [...this.pending.values()])
    } catch (e) {
      this.phase = 'finalized'
      throw e
    }
    this.dirty = false
    this.refusedAtReadmit = new Map()
    readmit.forEach((r, i) => {
      if (r.code === 0) return
      this.pending.delete(keys[i]!)
      this.refusedAtReadmit.set(keys[i]!, r)
    })
    // then what arrived while the block was in progress, in arrival order; CometBFT sends no CheckTx
    // until it has this Commit's answer, so nothing else is admitted in between
    const late = this.windowTxs
    this.windowTxs = []
    for (const [k, tx] of late) {
      if (this.pending.has(k)) continue
      const r = await this.appRef.checkTx(tx)
      if (r.code === 0) this.pending.set(k, tx)
      else this.refusedAtReadmit.set(k, r)
    }
    this.stats.readmitted += keys.length + late.length
    this.stats.readmitRefused += this.refusedAtReadmit.size
    this.phase = 'idle'
    for (const k of this.blockTxKeys) this.intern.delete(k)
    const n = this.blockTxKeys.length
    this.blockTxKeys = []
    this.stats.blocks++
    const info = this.appRef.info()
    this.opts.onCommit?.(info.lastHeight, info.lastAppHash, n)
    const b = this.finalized
    this.finalized = undefined
    if (b) for (const fn of this.blockListeners) fn(b)
    if (this.opts.snapshots && this.opts.db) {
      try {
        this.opts.snapshots.maybeTake(this.opts.db, info.lastHeight, this.log)
      } catch (e) {
        this.log(`snapshot of height ${info.lastHeight} failed: ${(e as Error).message}`)
      }
    }
    const halt = this.haltHeight()
    if (halt > 0n && info.lastHeight === halt) {
      this.log(`halt height ${halt} reached: the chain stops here (validators/set-halt-height); restart with the new binary`)
      this.opts.onHalt?.(halt)
    }
    return Response.fromPartial({ commit: { retainHeight: 0n } })
  }

  // ------------------------------------------------------------------ snapshot connection (state sync)

  private restoring?: Restore

  private async offerSnapshot(r: RequestOfferSnapshot): Promise<ResponseOfferSnapshot_Result> {
    const s = r.snapshot
    const refuse = (result: ResponseOfferSnapshot_Result, why: string) => {
      this.log(`snapshot offer refused: ${why}`)
      return result
    }
    if (!s) return refuse(ResponseOfferSnapshot_Result.REJECT, 'no snapshot in the offer')
    if (s.format !== SNAPSHOT_FORMAT) return refuse(ResponseOfferSnapshot_Result.REJECT_FORMAT, `unknown format ${s.format}`)
    if (!this.opts.db) return refuse(ResponseOfferSnapshot_Result.REJECT, 'this App cannot restore snapshots')
    if (this.appRef.info().lastHeight > 0n || this.dirty) return refuse(ResponseOfferSnapshot_Result.REJECT, `the App already holds state (height ${this.appRef.info().lastHeight})`)
    if (s.height < 1n || s.chunks < 1 || r.appHash.length !== 32 || s.hash.length !== 32) return refuse(ResponseOfferSnapshot_Result.REJECT, `height ${s.height}, ${s.chunks} chunks: not a snapshot`)
    let hashes: string[]
    try {
      hashes = parseSnapshotMetadata(s.metadata, s.chunks)
    } catch (e) {
      return refuse(ResponseOfferSnapshot_Result.REJECT, (e as Error).message)
    }
    if (this.restoring) await this.restoring.restorer.abort()
    this.restoring = undefined
    const restorer = new SnapshotRestorer(this.opts.db, s.height, new Uint8Array(r.appHash))
    try {
      await restorer.begin()
    } catch (e) {
      return refuse(ResponseOfferSnapshot_Result.REJECT, (e as Error).message)
    }
    this.restoring = { height: s.height, hash: new Uint8Array(s.hash), hashes, next: 0, restorer }
    this.log(`restoring the snapshot of height ${s.height} (${s.chunks} chunks, app hash ${toHex(r.appHash)})`)
    return ResponseOfferSnapshot_Result.ACCEPT
  }

  private async applySnapshotChunk(r: RequestApplySnapshotChunk): Promise<Response> {
    const R = ResponseApplySnapshotChunk_Result
    const answer = (result: ResponseApplySnapshotChunk_Result, refetch: number[] = [], reject: string[] = []) => Response.fromPartial({ applySnapshotChunk: { result, refetchChunks: refetch, rejectSenders: reject } })
    const x = this.restoring
    if (!x) return answer(R.ABORT)
    const expected = x.next
    if (r.index !== expected) {
      this.log(`snapshot chunk ${r.index} out of order (expected ${expected}): fetched again`)
      return answer(R.RETRY, [r.index])
    }
    if (toHex(sha256(r.chunk)) !== x.hashes[r.index]) {
      this.log(`snapshot chunk ${r.index} from ${r.sender || 'a peer'} does not hash to what the snapshot announced: refused, fetched again from another peer`)
      return answer(R.RETRY, [r.index], r.sender ? [r.sender] : [])
    }
    // the chunk is what the snapshot announced: what it holds is the snapshot's, and a fault in it
    // (a bad tree, another app hash) refuses the snapshot rather than this sender
    try {
      await x.restorer.push(r.chunk)
      if (++x.next < x.hashes.length) return answer(R.ACCEPT)
      this.restoring = undefined
      await x.restorer.finish(x.hash)
    } catch (e) {
      this.restoring = undefined
      await x.restorer.abort()
      this.log(`snapshot of height ${x.height} rejected: ${(e as Error).message}`)
      return answer(R.REJECT_SNAPSHOT)
    }
    await this.reset()
    const info = this.appRef.info()
    this.log(`restored the snapshot of height ${info.lastHeight}, app hash ${toHex(info.lastAppHash)}`)
    return answer(R.ACCEPT)
  }

  /** The halt height in state (0: none, or no validators module in this App). */
  haltHeight(): bigint {
    const r = this.appRef.query({ path: 'validators/halt-height', data: new TextEncoder().encode('{}') })
    if (r.code !== 0 || !r.value) return 0n
    return BigInt((JSON.parse(Buffer.from(r.value).toString('utf8')) as { halt_height: string }).halt_height)
  }

  // ------------------------------------------------------------------ mempool connection

  private async checkTx(raw: Uint8Array, type: CheckTxType): Promise<Response> {
    let r: CheckTxResult
    const k = latin1(raw)
    const recheck = type === CheckTxType.RECHECK
    try {
      const readmitted = recheck && this.phase === 'idle' ? this.readmission(k) : undefined
      if (!recheck && !this.held.has(k) && this.held.size >= this.mempoolSize) {
        this.stats.mempoolFull++
        fail('mempool_full', `the mempool holds ${this.held.size} transactions (mempool.size ${this.mempoolSize})`)
      }
      if (readmitted) {
        this.stats.recheckTx++
        r = readmitted
      } else if (this.phase !== 'idle') {
        // Own copy: `raw` is a view into the whole request frame.
        const tx = this.intern.get(k) ?? new Uint8Array(raw)
        r = await this.statelessCheck(tx)
        if (r.code === 0) {
          this.remember(k, tx)
          this.windowTxs.push([k, tx])
          this.held.add(k)
        }
      } else {
        if (type === CheckTxType.RECHECK) this.stats.recheckTx++
        else this.stats.checkTx++
        const tx = this.intern.get(k) ?? new Uint8Array(raw)
        const p = this.appRef.checkTx(tx)
        this.inflightChecks.add(p)
        try {
          r = await p
        } finally {
          this.inflightChecks.delete(p)
        }
        if (r.code === 0) {
          this.remember(k, tx)
          this.admitted(k, tx)
          this.held.add(k)
        } else this.intern.delete(k)
      }
    } catch (e) {
      r = e instanceof PolisError ? { code: e.code, log: `${e.errorName}: ${e.message}` } : { code: 1, log: `internal: ${(e as Error)?.message ?? String(e)}` }
    }
    // a refused recheck: CometBFT drops the transaction from its mempool
    if (recheck && r.code !== 0) this.held.delete(k)
    return Response.fromPartial({
      checkTx: { code: r.code, log: r.log, codespace: r.code ? CODESPACE : '', gasWanted: 1n, data: r.hash ?? EMPTY },
    })
  }

  /** What the re-admission at the last Commit said of a transaction CometBFT re-checks, if it saw it. */
  private readmission(k: string): CheckTxResult | undefined {
    if (this.pending.has(k)) return { code: 0, log: '' }
    return this.refusedAtReadmit.get(k)
  }

  private admitted(k: string, tx: Uint8Array): void {
    if (this.pending.size >= this.internMax) {
      const oldest = this.pending.keys().next()
      if (!oldest.done) this.pending.delete(oldest.value)
    }
    this.pending.set(k, tx)
  }

  /** The checks that need no state; see the header comment for why this is safe. */
  private async statelessCheck(raw: Uint8Array): Promise<CheckTxResult> {
    this.stats.statelessCheckTx++
    const tx = decodeTx(raw)
    const chainId = this.appRef.info().chainId
    if (tx.body.chainId !== chainId) fail('wrong_chain_id', `transaction is for chain "${tx.body.chainId}", this is "${chainId}"`)
    const ok = await this.appRef.pool.verify(tx.body.sender, signBytes(tx.bodyBytes), tx.signature)
    if (!ok) fail('bad_signature', 'signature does not verify for the sender key')
    return { code: 0, log: 'admitted on stateless checks while a block commits; re-checked after the commit', hash: tx.hash }
  }

  private remember(k: string, tx: Uint8Array): void {
    if (this.intern.has(k)) return
    if (this.intern.size >= this.internMax) {
      const oldest = this.intern.keys().next()
      if (!oldest.done) this.intern.delete(oldest.value)
    }
    this.intern.set(k, tx)
  }

  // ------------------------------------------------------------------ query connection

  private query(req: Request): Response {
    const q = req.query!
    const path = q.path.replace(/^\/+/, '')
    const r = this.appRef.query({ path, data: q.data, height: q.height, prove: q.prove })
    return Response.fromPartial({
      query: {
        code: r.code,
        log: r.log,
        codespace: r.code ? CODESPACE : '',
        height: r.height,
        key: r.key ?? EMPTY,
        value: r.value ?? EMPTY,
        proofOps: r.proof ? { ops: [{ type: 'ics23:iavl', key: r.key ?? q.data, data: r.proof }] } : undefined,
      },
    })
  }
}
