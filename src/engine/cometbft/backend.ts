/**
 * A CometBFT node as the API's backend (src/api/backend.ts): submissions go to CometBFT's mempool
 * (broadcast_tx_sync: CheckTx runs in this same App); blocks, headers and commits are CometBFT's
 * own (its JSON-RPC `block` and `commit`); queries and ICS-23 proofs come from this process's App;
 * block events are the App's commits.
 */
import { EventEmitter } from 'node:events'
import type { StoredTxResult, TxStatus } from '../../app/tx-results.js'
import type { QueryRequest } from '../../app/types.js'
import { PolisError, errorNameOf, type ErrorName } from '../../base/errors.js'
import { sha256 } from '../../crypto/hash.js'
import { toHex } from '../../base/bytes.js'
import type { ApiBackend, BlockEvent } from '../../api/backend.js'
import { APP_VERSION, type CommittedAbciBlock, type PolisAbciApp } from './abci-app.js'
import { CometRpc, RpcError } from './rpc.js'

const b64hex = (s: string) => Buffer.from(s, 'base64').toString('hex')
/** Submitted here and not yet seen committed: what `txStatus` calls pending (bounded). */
const MAX_PENDING = 100_000

export class CometBackend extends EventEmitter implements ApiBackend {
  readonly engine = 'cometbft' as const
  private readonly pending = new Set<string>()
  private readonly waiters = new Map<string, Set<(r: StoredTxResult) => void>>()
  private chain: Promise<void> = Promise.resolve()
  private readonly onAbciBlock = (b: CommittedAbciBlock) => this.committed(b)

  constructor(readonly abci: PolisAbciApp, readonly rpc: CometRpc) {
    super()
    abci.blockListeners.add(this.onAbciBlock)
  }

  detach(): void {
    this.abci.blockListeners.delete(this.onAbciBlock)
  }

  get chainId(): string {
    return this.abci.app.info().chainId
  }

  private committed(b: CommittedAbciBlock): void {
    for (const r of b.results) {
      const k = toHex(r.hash)
      this.pending.delete(k)
      const ws = this.waiters.get(k)
      if (ws) for (const w of ws) w(r)
    }
    if (this.listenerCount('block') === 0) return
    // The CometBFT block hash: the block is in CometBFT's store before the App executes it.
    this.chain = this.chain.then(async () => {
      let hash = new Uint8Array()
      try {
        hash = Buffer.from((await this.rpc.block(b.height)).block_id.hash, 'hex')
      } catch {
        // served without its hash
      }
      const ev: BlockEvent = { height: b.height, hash, time: b.time, appHash: b.appHash, txs: b.txs, results: b.results, events: b.events }
      this.emit('block', ev)
    })
  }

  async genesis(): Promise<unknown> {
    return (await this.rpc.call('genesis')).genesis
  }

  async submit(tx: Uint8Array): Promise<{ code: number; log: string; hash: Uint8Array }> {
    const hash = sha256(tx)
    try {
      const r = await this.rpc.broadcastTxSync(tx)
      if (r.code === 0) this.remember(toHex(hash))
      return { code: r.code, log: r.log, hash }
    } catch (e) {
      if (e instanceof RpcError && /already exists in cache/.test(e.message)) {
        const k = toHex(hash)
        if (this.abci.app.txResult(hash)) return { code: ErrorCodeOf('duplicate_tx'), log: 'duplicate_tx: transaction already committed', hash }
        this.remember(k)
        return { code: 0, log: 'already in the mempool', hash }
      }
      throw e
    }
  }

  private remember(k: string): void {
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.values().next().value!)
    this.pending.add(k)
  }

  async submitAndWait(tx: Uint8Array, timeoutMs: number): Promise<StoredTxResult> {
    const hash = sha256(tx)
    const k = toHex(hash)
    let done: (r: StoredTxResult) => void = () => undefined
    const got = new Promise<StoredTxResult>((res) => (done = res))
    const set = this.waiters.get(k) ?? new Set()
    set.add(done)
    this.waiters.set(k, set)
    let timer: NodeJS.Timeout | undefined
    try {
      const already = this.abci.app.txResult(hash)
      if (already) return already
      const r = await this.submit(tx)
      if (r.code !== 0) {
        const prior = this.abci.app.txResult(hash)
        if (prior) return prior
        const name = errorNameOf(r.code)
        throw new PolisError(name === 'unknown' ? 'internal' : name, r.log.replace(/^[a-z_]+: /, ''))
      }
      const expired = new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new PolisError('expired', `transaction ${k} not committed within ${timeoutMs} ms`)), timeoutMs)
      })
      return await Promise.race([got, expired])
    } finally {
      clearTimeout(timer)
      set.delete(done)
      if (set.size === 0) this.waiters.delete(k)
    }
  }

  async txStatus(hash: Uint8Array): Promise<TxStatus> {
    const r = this.abci.app.txResult(hash)
    if (r) return { status: 'committed', result: r }
    return { status: this.pending.has(toHex(hash)) ? 'pending' : 'unknown' }
  }

  async height(): Promise<bigint> {
    return this.abci.app.info().lastHeight
  }

  async mempoolSize(): Promise<number> {
    return Number((await this.rpc.numUnconfirmedTxs()).total)
  }

  /** Ready once CometBFT answers and has caught up with the network. */
  async notReady(): Promise<string | undefined> {
    try {
      const st = await this.rpc.status()
      return st.sync_info.catching_up ? 'CometBFT is catching up' : undefined
    } catch (e) {
      return `CometBFT RPC unreachable: ${(e as Error).message}`
    }
  }

  async status(): Promise<Record<string, unknown>> {
    const info = this.abci.app.info()
    const [st, mem, net, vals] = await Promise.all([this.rpc.status(), this.mempoolSize(), this.rpc.call('net_info'), this.rpc.validators()])
    return {
      chain_id: info.chainId,
      height: info.lastHeight.toString(),
      app_hash: toHex(info.lastAppHash),
      time: Date.parse(st.sync_info.latest_block_time).toString(),
      mempool_size: mem,
      engine: 'cometbft',
      node_id: st.node_info.id,
      moniker: st.node_info.moniker,
      validator: st.validator_info.address.toLowerCase(),
      validator_pub_key: b64hex(st.validator_info.pub_key.value),
      latest_block_height: st.sync_info.latest_block_height,
      latest_block_hash: st.sync_info.latest_block_hash.toLowerCase(),
      latest_app_hash: st.sync_info.latest_app_hash.toLowerCase(),
      catching_up: st.sync_info.catching_up,
      sync: st.sync_info.catching_up ? 'catching up' : 'in sync',
      app_version: APP_VERSION.toString(),
      peers: (net.peers ?? []).map((p: { node_info: { id: string; moniker: string }; remote_ip: string }) => ({ id: p.node_info.id, moniker: p.node_info.moniker, ip: p.remote_ip })),
      validators: (vals.validators ?? []).map((v: { address: string; pub_key: { value: string }; voting_power: string }) => ({ address: v.address.toLowerCase(), pub_key: b64hex(v.pub_key.value), power: v.voting_power })),
    }
  }

  private async fetch(height: bigint): Promise<{ block?: any; commit?: any }> {
    const [block, commit] = await Promise.all([this.rpc.block(height).catch(notFound), this.rpc.commit(height).catch(notFound)])
    return { block, commit }
  }

  async headerJson(height: bigint): Promise<object | undefined> {
    const c = await this.rpc.commit(height).catch(notFound)
    if (!c) return undefined
    const sh = c.signed_header
    return { engine: 'cometbft', height: sh.header.height, hash: String(sh.commit.block_id.hash).toLowerCase(), header: sh.header, commit: sh.commit, canonical: c.canonical }
  }

  /** CometBFT's validator set at `height` (RPC `validators`, every page): what a light client checks against validators_hash. */
  async validatorsJson(height: bigint): Promise<object | undefined> {
    const validators: unknown[] = []
    for (let page = 1; ; page++) {
      const r = await this.rpc.validators(height, page, 100).catch(notFound)
      if (!r) return undefined
      validators.push(...r.validators)
      if (validators.length >= Number(r.total) || r.validators.length === 0) return { engine: 'cometbft', height: String(r.block_height), validators }
    }
  }

  async blockJson(height: bigint): Promise<object | undefined> {
    const { block, commit } = await this.fetch(height)
    if (!block || !commit) return undefined
    const txs: Uint8Array[] = (block.block.data.txs ?? []).map((t: string) => Buffer.from(t, 'base64'))
    return {
      engine: 'cometbft',
      height: block.block.header.height,
      hash: String(block.block_id.hash).toLowerCase(),
      header: block.block.header,
      txs: txs.map(toHex),
      results: txs.map((tx) => {
        const hash = sha256(tx)
        const r = this.abci.app.txResult(hash)
        return { hash: toHex(hash), code: r?.code ?? 1, log: r?.log ?? 'internal: result missing' }
      }),
      last_commit: block.block.last_commit,
      commit: commit.signed_header.commit,
      canonical: commit.canonical,
    }
  }

  query(q: QueryRequest) {
    return this.abci.app.query(q)
  }
}

function ErrorCodeOf(name: ErrorName): number {
  return new PolisError(name, '').code
}

/** CometBFT answers a height it does not have with an RPC error: that is a 404 here. */
function notFound(e: unknown): undefined {
  if (e instanceof RpcError && e.code !== undefined) return undefined
  throw e
}
