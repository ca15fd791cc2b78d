/**
 * An in-process city chain driven block by block at chosen block times (for workloads such as
 * `polis simulate services`): the solo engine's App with all city modules, a data directory that
 * is removed on close, and per-key nonces taken from state at each block.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SoloEngine } from '../engine/solo/engine.js'
import { signTx, type Msg } from '../app/tx.js'
import type { KVReader } from '../app/kv.js'
import type { AppEvent, TxResult } from '../app/types.js'
import { toHex } from '../base/bytes.js'
import type { KeyPair } from '../crypto/keys.js'
import { getAccount } from '../modules/identity/keeper.js'

export interface SimBlock { results: TxResult[]; events: AppEvent[] }

export class SimChain {
  private pending: Array<{ key: KeyPair; msgs: Msg[] }> = []
  private constructor(readonly engine: SoloEngine, readonly chainId: string, private readonly dir: string) {}

  static async open(genesis: { chain_id: string }, validator: KeyPair, genesisTime: bigint): Promise<SimChain> {
    const dir = mkdtempSync(join(tmpdir(), 'polis-sim-'))
    try {
      const engine = await SoloEngine.open({ dataDir: dir, genesis, validatorKey: validator, verifyThreads: 0, now: () => genesisTime })
      return new SimChain(engine, genesis.chain_id, dir)
    } catch (e) {
      rmSync(dir, { recursive: true, force: true })
      throw e
    }
  }

  get state(): KVReader {
    return this.engine.app.stateReader()
  }

  get height(): bigint {
    return this.engine.app.info().lastHeight
  }

  /** Queues a transaction of `key` for the next block; returns its index in that block. */
  add(key: KeyPair, msgs: Msg | Msg[]): number {
    this.pending.push({ key, msgs: Array.isArray(msgs) ? msgs : [msgs] })
    return this.pending.length - 1
  }

  /** Signs the queued transactions (nonces from state, in queue order per key), executes and commits a block at `time`. */
  async block(time: bigint): Promise<SimBlock> {
    const next = new Map<string, bigint>()
    const txs = this.pending.map(({ key, msgs }) => {
      const k = toHex(key.publicKey)
      const nonce = next.get(k) ?? getAccount(this.state, key.publicKey)?.nonce ?? 0n
      next.set(k, nonce + 1n)
      return signTx({ chainId: this.chainId, sender: key.publicKey, nonce, msgs }, key)
    })
    this.pending = []
    const app = this.engine.app
    const fin = await app.finalizeBlock({ height: app.info().lastHeight + 1n, time, txs, proposer: this.engine.genesis.validators[0]!.pubKey })
    await app.commit()
    return { results: fin.results, events: fin.events }
  }

  appHash(): string {
    return toHex(this.engine.app.info().lastAppHash)
  }

  async close(): Promise<void> {
    try {
      await this.engine.stop()
    } finally {
      rmSync(this.dir, { recursive: true, force: true })
    }
  }
}

/** The value of an event attribute. */
export function attr(e: AppEvent, key: string): string | undefined {
  return e.attributes.find((a) => a.key === key)?.value
}
