/** A city chain with the service modules, driven block by block with explicit block times. */
import assert from 'node:assert/strict'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import type { Module } from '../../src/app/module.js'
import type { Msg } from '../../src/app/tx.js'
import type { TxResult } from '../../src/app/types.js'
import { testCity, testKey, type TestCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'

export const T0 = 1767225600000n
export const DAY = 86_400_000n

export interface ServiceChain {
  city: TestCity
  engine: SoloEngine
  signer: Signer
  staff: Record<string, KeyPair>
  time: bigint
  /** Executes one block at `time` (default: 1 s after the last) and commits it. */
  block(txs: Uint8Array[], time?: bigint): Promise<{ results: TxResult[]; events: TxResult['events'] }>
  /** Signs one transaction of `key` and runs it in its own block; returns its result. */
  run(key: KeyPair, msgs: Msg[] | Msg, time?: bigint): Promise<TxResult>
  q(path: string, params?: Record<string, unknown>): any
  qErr(path: string, params?: Record<string, unknown>): { code: number; log: string }
  balance(pk: KeyPair | Uint8Array): bigint
  supply(): bigint
  /** Every key/value of committed state (for invariants and the privacy scan). */
  state(): Array<[Uint8Array, Uint8Array]>
  close(): Promise<void>
}

/** `staffRoles`: staff label -> roles (e.g. { water: ['water'] }); each gets an account. */
export async function serviceChain(modules: Module[], staffRoles: Record<string, string[]>, opts: { citizens?: number; balance?: bigint; appState?: Record<string, unknown> } = {}): Promise<ServiceChain> {
  const chainId = 'test-city'
  const staff = Object.fromEntries(Object.keys(staffRoles).map((label) => [label, testKey(`${chainId}/staff/${label}`)])) as Record<string, KeyPair>
  const city = testCity({
    chainId, citizens: opts.citizens ?? 3, balance: opts.balance ?? 1_000_000n,
    accounts: Object.entries(staffRoles).map(([label, roles]) => ({ key: staff[label]!, roles })), appState: opts.appState,
  })
  const dir = tmpDir('services')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, modules, verifyThreads: 0, now: () => T0 })
  const signer = new Signer(city.chainId)
  const decode = (v: Uint8Array | undefined) => JSON.parse(Buffer.from(v!).toString('utf8'))
  const c: ServiceChain = {
    city, engine, signer, staff, time: T0,
    async block(txs, time) {
      c.time = time ?? c.time + 1000n
      const fin = await engine.app.finalizeBlock({ height: engine.app.info().lastHeight + 1n, time: c.time, txs, proposer: city.validator.publicKey })
      await engine.app.commit()
      return { results: fin.results, events: fin.events }
    },
    async run(key, msgs, time) {
      // the nonce from state: a refusal before execution (parse, roles) does not consume it
      const nonce = BigInt(c.q('identity/account', { address: toHex(key.publicKey) }).nonce)
      const { results } = await c.block([signer.tx(key, Array.isArray(msgs) ? msgs : [msgs], { nonce })], time)
      return results[0]!
    },
    q(path, params = {}) {
      const r = engine.app.query({ path, data: utf8(JSON.stringify(params)) })
      assert.equal(r.code, 0, `${path}: ${r.log}`)
      return decode(r.value)
    },
    qErr(path, params = {}) {
      const r = engine.app.query({ path, data: utf8(JSON.stringify(params)) })
      return { code: r.code, log: r.log }
    },
    balance(pk) {
      const a = pk instanceof Uint8Array ? pk : pk.publicKey
      return BigInt(c.q('bank/balance', { address: toHex(a) }).amount)
    },
    supply() {
      return BigInt(c.q('bank/supply').amount)
    },
    state() {
      return [...engine.app.stateReader().iterate()]
    },
    async close() {
      await engine.stop()
      dir.remove()
    },
  }
  await c.block([]) // genesis state committed, block time T0 + 1 s
  return c
}

/** Sum of all native-denom balances in state (for conservation checks against the supply). */
export function sumOfBalances(c: ServiceChain, denom = 'ucity'): bigint {
  const prefix = 'bank/b'
  let sum = 0n
  for (const [k, v] of c.state()) {
    const ks = Buffer.from(k).toString('latin1')
    if (!ks.startsWith(prefix) || k.length !== prefix.length + 32 + denom.length) continue
    if (Buffer.from(k.subarray(prefix.length + 32)).toString('utf8') !== denom) continue
    sum += v.length === 0 ? 0n : BigInt('0x' + Buffer.from(v).toString('hex'))
  }
  return sum
}
