/**
 * Maps ABCI 2.0 (CometBFT 0.38) requests onto the Polis App. The same PolisApp as under the solo
 * engine, unchanged; what this layer adds:
 *
 * * **Genesis.** CometBFT's InitChain carries chain id, genesis time, validators and `app_state`.
 *   The Polis genesis document is built from them: `app_state` of CometBFT's genesis.json is the
 *   Polis `app_state` (module → state), validators are CometBFT's (Ed25519), time in ms.
 * * **CheckTx while a block is in progress.** CometBFT may send CheckTx on the mempool connection
 *   between FinalizeBlock and Commit, and before Commit it Flushes the mempool connection and waits
 *   for those answers. The App holds mempool admission until the block commits, so waiting for it
 *   would deadlock. In that window a transaction is admitted on the checks that need no state
 *   (size, decoding, chain id, signature); CometBFT re-checks every mempool transaction against the
 *   new state right after Commit (`mempool.recheck = true`, which the testnet generator sets), and
 *   only then can a proposer pick it. Outside that window CheckTx runs the App's full pipeline.
 * * **Signature cache across the socket.** Transactions arrive as fresh byte arrays in every
 *   request; the App caches verified signatures per byte array. Transactions admitted by CheckTx
 *   are kept (bounded) and the same array is handed to the App in FinalizeBlock and in rechecks,
 *   so a transaction's signature is verified once per node, not three times.
 * * **A connection lost mid-block.** If the consensus connection closes after FinalizeBlock (or
 *   InitChain) but before Commit, the finalized state lives only in memory: the App is reopened
 *   from its database, i.e. rolled back to the last commit, which is what CometBFT's handshake
 *   expects when it reconnects (`Info` reports that height and app hash and CometBFT replays).
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

export const APP_VERSION = 1n
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
}

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
  private blockTxKeys: string[] = []
  private readonly internMax: number
  private readonly indexEvents: boolean
  private readonly log: (msg: string) => void
  /** The block finalized and not yet committed, for `blockListeners`. */
  private finalized?: CommittedAbciBlock
  /** Called after each Commit with the committed block (the API's block events). */
  readonly blockListeners = new Set<(b: CommittedAbciBlock) => void>()
  /** Counters, for tests and metrics. */
  readonly stats = { checkTx: 0, statelessCheckTx: 0, recheckTx: 0, blocks: 0, resets: 0 }

  constructor(private readonly opts: PolisAbciOptions) {
    this.appRef = opts.openApp()
    this.internMax = opts.internMax ?? 200_000
    this.indexEvents = opts.indexEvents ?? true
    this.log = opts.log ?? ((m) => process.stderr.write(m + '\n'))
  }

  get app(): PolisApp {
    return this.appRef
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
        return Response.fromPartial({ listSnapshots: { snapshots: [] } })
      case 'offerSnapshot':
        return Response.fromPartial({ offerSnapshot: { result: ResponseOfferSnapshot_Result.REJECT } })
      case 'loadSnapshotChunk':
        return Response.fromPartial({ loadSnapshotChunk: { chunk: EMPTY } })
      case 'applySnapshotChunk':
        return Response.fromPartial({ applySnapshotChunk: { result: ResponseApplySnapshotChunk_Result.ABORT } })
      default:
        throw new Error(`unsupported request ${kind} on connection ${conn.id}`)
    }
  }

  async onClose(conn: AbciConnection): Promise<void> {
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
    this.stats.resets++
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.inflightChecks])
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
    try {
      await this.appRef.commit()
    } catch (e) {
      this.phase = 'finalized'
      throw e
    }
    this.dirty = false
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
    return Response.fromPartial({ commit: { retainHeight: 0n } })
  }

  // ------------------------------------------------------------------ mempool connection

  private async checkTx(raw: Uint8Array, type: CheckTxType): Promise<Response> {
    let r: CheckTxResult
    try {
      if (this.phase !== 'idle') r = await this.statelessCheck(raw)
      else {
        if (type === CheckTxType.RECHECK) this.stats.recheckTx++
        else this.stats.checkTx++
        const k = latin1(raw)
        // Own copy: `raw` is a view into the whole request frame.
        const tx = this.intern.get(k) ?? new Uint8Array(raw)
        const p = this.appRef.checkTx(tx)
        this.inflightChecks.add(p)
        try {
          r = await p
        } finally {
          this.inflightChecks.delete(p)
        }
        if (r.code === 0) this.remember(k, tx)
        else this.intern.delete(k)
      }
    } catch (e) {
      r = e instanceof PolisError ? { code: e.code, log: `${e.errorName}: ${e.message}` } : { code: 1, log: `internal: ${(e as Error)?.message ?? String(e)}` }
    }
    return Response.fromPartial({
      checkTx: { code: r.code, log: r.log, codespace: r.code ? CODESPACE : '', gasWanted: 1n, data: r.hash ?? EMPTY },
    })
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
