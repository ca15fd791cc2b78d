/**
 * The load generator of the CometBFT benchmarks (`bench:cometbft` on a bare testnet, `bench:network`
 * on a city of `polis network up --engine cometbft`), so that both measure the same way.
 *
 * S senders, each submitting its transactions (signed before the clock starts) one after another
 * through `broadcast_tx_sync` to its own node (sender s → `submitTo(s)`), so S requests are in
 * flight. A poller follows one node's blocks and stamps every transaction with the moment its block
 * was first seen in that node's block store (decided by consensus): commit latency = that moment −
 * submission; tx/s = committed / (last commit − first submission); blocks/s = blocks made in that
 * window (empty ones too) / its length. `checkTransfers` then checks, after the clock, that every
 * transfer committed with code 0 and the sink's balance grew by exactly the number committed.
 */
import type { KeyPair } from '../src/crypto/keys.js'
import type { CometRpc } from '../src/engine/cometbft/rpc.js'
import { sha256 } from '../src/crypto/hash.js'
import { toHex, utf8 } from '../src/base/bytes.js'
import { Signer } from '../src/kit/signer.js'
import { round, summarize } from './stats.js'

export interface LoadRun {
  txs: number
  committed: number
  refused: number
  seconds: number
  txPerSec: number
  latencyMs: ReturnType<typeof summarize>
  /** blocks with transactions */
  blocks: number
  maxTxsPerBlock: number
  /** every block made between the first submission and the last commit, empty ones too */
  blocksInWindow: number
  blocksPerSec: number
  /** heights of the blocks with transactions (for checkTransfers) */
  txBlocks: bigint[]
}

export interface LoadOptions {
  /** the RPC sender s submits to */
  submitTo: (sender: number) => CometRpc
  /** the node whose blocks are followed */
  follow: CometRpc
  /** per sender, its transactions in submission order */
  perSender: Uint8Array[][]
  /** called at the first submission; its promise is awaited before the run returns (e.g. a profile) */
  onStart?: () => Promise<unknown> | undefined
  /** longest wait for the last commit after the last submission (default 120 s) */
  drainMs?: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** `perSender` transfers of 1 unit from each sender to `sink`, signed now (nonces from 0). */
export function signTransfers(chainId: string, senders: KeyPair[], sink: KeyPair, perSender: number): Uint8Array[][] {
  const signer = new Signer(chainId)
  return senders.map((from) => Array.from({ length: perSender }, () => signer.send(from, sink, 1n)))
}

export async function runLoad(o: LoadOptions): Promise<LoadRun> {
  const total = o.perSender.reduce((n, txs) => n + txs.length, 0)
  const submitted = new Map<string, number>()
  const committedAt = new Map<string, number>()
  const blockAt: number[] = []
  const txBlocks: bigint[] = []
  let refused = 0
  let blocks = 0
  let maxTxs = 0
  let polling = true
  let seen = await o.follow.height()
  const poller = (async () => {
    while (polling) {
      let h: bigint
      try {
        h = await o.follow.height()
      } catch {
        await sleep(20)
        continue
      }
      for (; seen < h; ) {
        seen++
        const b = await o.follow.block(seen)
        const now = performance.now() // decided: the block is in the followed node's store
        blockAt.push(now)
        const txs: string[] = b.block.data.txs ?? []
        if (!txs.length) continue
        blocks++
        txBlocks.push(seen)
        maxTxs = Math.max(maxTxs, txs.length)
        for (const t of txs) {
          const k = toHex(sha256(Buffer.from(t, 'base64')))
          if (!committedAt.has(k)) committedAt.set(k, now)
        }
      }
      await sleep(15)
    }
  })()
  const t0 = performance.now()
  const started = o.onStart?.()
  await Promise.all(o.perSender.map(async (txs, s) => {
    const rpc = o.submitTo(s)
    for (const tx of txs) {
      const k = toHex(sha256(tx))
      submitted.set(k, performance.now())
      try {
        const r = await rpc.broadcastTxSync(tx)
        if (r.code !== 0) refused++
      } catch {
        refused++
      }
    }
  }))
  const deadline = Date.now() + (o.drainMs ?? 120_000)
  while (committedAt.size < total - refused && Date.now() < deadline) await sleep(50)
  polling = false
  await poller
  await started
  const lat: number[] = []
  let last = t0
  for (const [k, t] of committedAt) {
    const s = submitted.get(k)
    if (s === undefined) continue
    lat.push(t - s)
    if (t > last) last = t
  }
  const seconds = (last - t0) / 1000
  const blocksInWindow = blockAt.filter((t) => t >= t0 && t <= last).length
  return {
    txs: total, committed: committedAt.size, refused, seconds: round(seconds, 2), txPerSec: round(committedAt.size / seconds),
    latencyMs: summarize(lat), blocks, maxTxsPerBlock: maxTxs, blocksInWindow, blocksPerSec: round(blocksInWindow / seconds, 2), txBlocks,
  }
}

/** The balance of `key` (denomination of the chain) read through `rpc`'s ABCI query. */
export async function balanceOf(rpc: CometRpc, key: KeyPair): Promise<bigint> {
  const q = await rpc.abciQuery('bank/balance', utf8(JSON.stringify({ address: toHex(key.publicKey) })))
  return BigInt(JSON.parse(Buffer.from(q.response.value, 'base64').toString()).amount)
}

/** After the clock: every transfer of `run` committed with code 0, and `sink` holds `before` + the number committed. */
export async function checkTransfers(rpc: CometRpc, run: LoadRun, sink: KeyPair, before: bigint): Promise<void> {
  let bad = 0
  for (const h of run.txBlocks) {
    let res: any
    for (let tries = 0; ; tries++) {
      try {
        res = await rpc.blockResults(h)
        break
      } catch (e) {
        if (tries > 100) throw e
        await sleep(50)
      }
    }
    bad += (res.txs_results ?? []).filter((r: { code?: number }) => (r.code ?? 0) !== 0).length
  }
  if (bad) throw new Error(`${bad} transfers committed with a non-zero code`)
  const bal = await balanceOf(rpc, sink)
  if (bal !== before + BigInt(run.committed)) throw new Error(`sink balance ${bal} != ${before + BigInt(run.committed)}`)
}
