/**
 * The test kit's transport chain (for the transport tests and benchmarks): a city chain in process, a solo engine with
 * the vehicles and transport modules, a transport-department key in genesis, blocks made on
 * demand, and the `ChainPort` the replay drives (transactions sent together go in one block).
 */
import { SoloEngine } from '../engine/solo/engine.js'
import { PolisError, errorNameOf } from '../base/errors.js'
import type { Msg } from '../app/tx.js'
import { sha256 } from '../crypto/hash.js'
import { compareBytes, toHex, utf8 } from '../base/bytes.js'
import type { KeyPair } from '../crypto/keys.js'
import { transportModule } from '../modules/transport/index.js'
import { vehiclesModule } from '../modules/vehicles/index.js'
import { TRANSPORT_MSG } from '../modules/transport/types.js'
import { VEHICLES_MSG } from '../modules/vehicles/types.js'
import type { ChainPort, PortResult } from '../transport/replay.js'
import { TEST_GENESIS_TIME, testCity, testKey } from './genesis-builder.js'
import { tmpDir } from './temp-dir.js'
import { Signer } from './signer.js'

export class TestChain implements ChainPort {
  readonly dept = testKey('transport-dept')
  private time = TEST_GENESIS_TIME
  private queue: Array<{ tx: Uint8Array; resolve: (r: PortResult) => void }> = []
  private flushing: Promise<void> | undefined
  private readonly nonces = new Map<string, bigint>()

  private constructor(readonly engine: SoloEngine, readonly signer: Signer, readonly validator: KeyPair, private readonly dir: { remove(): void }) {}

  /** `transport`: the module's genesis section (decimal strings). */
  static async open(name: string, transport: Record<string, string> = {}, extra: Array<{ key: KeyPair; roles: string[] }> = []): Promise<TestChain> {
    const city = testCity({ chainId: name, citizens: 0, accounts: [{ key: testKey('transport-dept'), roles: ['transport'] }, ...extra], appState: { transport } })
    const dir = tmpDir(name)
    const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, modules: [transportModule(), vehiclesModule()], verifyThreads: 0 })
    return new TestChain(engine, new Signer(city.chainId), city.validator, dir)
  }

  async close(): Promise<void> {
    await this.engine.stop()
    this.dir.remove()
  }

  get height(): bigint {
    return this.engine.app.info().lastHeight
  }

  async block(txs: Uint8Array[] = []) {
    this.time += 1000n
    const fin = await this.engine.app.finalizeBlock({ height: this.height + 1n, time: this.time, txs, proposer: this.validator.publicKey })
    await this.engine.app.commit()
    return fin.results
  }

  /** A query's value, or its typed refusal thrown. */
  async query<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    return this.q<T>(path, params)
  }
  q<T = any>(path: string, params: Record<string, unknown> = {}): T {
    const r = this.engine.app.query({ path, data: utf8(JSON.stringify(params)) })
    if (r.code !== 0) throw new PolisError(errorNameOf(r.code) as never, r.log)
    return JSON.parse(Buffer.from(r.value!).toString('utf8')) as T
  }

  /** Signs with the account's next nonce (tracked here, so several can share a block). */
  tx(from: KeyPair, msgs: Msg[]): Uint8Array {
    const k = toHex(from.publicKey)
    let n = this.nonces.get(k)
    if (n === undefined) {
      try {
        n = BigInt(this.q<{ nonce: string }>('identity/account', { address: k }).nonce)
      } catch {
        n = 0n
      }
    }
    this.nonces.set(k, n + 1n)
    return this.signer.tx(from, msgs, { nonce: n })
  }
  /** Forgets tracked nonces (after a transaction was refused before it consumed one). */
  resync(): void {
    this.nonces.clear()
  }

  send(from: KeyPair, msgs: Msg[]): Promise<PortResult> {
    const tx = this.tx(from, msgs)
    return new Promise((resolve) => {
      this.queue.push({ tx, resolve })
      this.flushing ??= new Promise<void>((r) => setImmediate(r)).then(async () => {
        const q = this.queue
        this.queue = []
        this.flushing = undefined
        const results = await this.block(q.map((x) => x.tx))
        q.forEach((x, i) => x.resolve({ code: results[i]!.code, log: results[i]!.log, events: results[i]!.events }))
        if (results.some((r) => r.code !== 0)) this.resync()
      })
    })
  }

  /** Registers vehicles (owned by the department) and RSUs (coverage: everywhere unless given). */
  async registerFleet(vehicles: KeyPair[], rsus: KeyPair[], area = { x: 0n, y: 0n, radius: 100_000n }): Promise<void> {
    const msgs: Msg[] = [
      ...rsus.map((r): Msg => ({ type: TRANSPORT_MSG.registerRsu, value: { rsu: r.publicKey, ...area } })),
      ...[...vehicles].sort((a, b) => compareBytes(a.publicKey, b.publicKey)).map((v, i): Msg => ({
        type: VEHICLES_MSG.register, value: { vin_commitment: sha256(v.publicKey), plate: `T-${i}`, owner: this.dept.publicKey, device_key: v.publicKey },
      })),
    ]
    for (let i = 0; i < msgs.length; i += 32) {
      const r = await this.send(this.dept, msgs.slice(i, i + 32))
      if (r.code !== 0) throw new Error(r.log)
    }
  }
}
