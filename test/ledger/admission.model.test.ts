/**
 * Model-based test of admission without simulation (src/chain/admission.ts) on the real App:
 * random transactions (good and forged signatures, nonces in and out of order, messages the
 * sender's roles allow or not, amounts within and beyond the balance net of the mempool, a key
 * revoked while its transactions wait) go through checkTx; random prefixes of what was admitted are
 * executed as blocks, in order, and the rest re-checked after each commit, as the engines do.
 * Property: no admitted transaction is refused in its block for a reason admission can know
 * (signature, nonce order, role, unknown or revoked sender at admission, balance net of the
 * mempool). A refusal at admission carries its typed code and changes no state.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ClassicLevel } from 'classic-level'
import { PolisApp } from '../../src/chain/app.js'
import { VerifyPool } from '../../src/crypto/verify-pool.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { signTx, type Msg } from '../../src/app/tx.js'
import { toHex } from '../../src/base/bytes.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import type { KeyPair } from '../../src/crypto/keys.js'

const city = testCity({ chainId: 'admission-model', citizens: 3, balance: 1000n })
const stranger = testKey('admission-model/stranger')
/** Senders: three citizens, the authority, an unregistered key. */
const keys: KeyPair[] = [...city.citizens, city.authority, stranger]
const pool = new VerifyPool(0)
const dirs: Array<{ remove(): void }> = []
after(async () => {
  await pool.close()
  for (const d of dirs) d.remove()
})

/** Refusals admission can know about: none of these may hit an admitted transaction in its block. */
const KNOWABLE = new Set<number>([
  ErrorCodes.bad_signature, ErrorCodes.bad_nonce, ErrorCodes.unauthorized, ErrorCodes.insufficient_funds,
  ErrorCodes.unknown_account, ErrorCodes.tx_decode, ErrorCodes.wrong_chain_id, ErrorCodes.unknown_message, ErrorCodes.invalid_message,
])

type Cmd =
  | { kind: 'tx'; from: number; nonceDelta: number; msg: number; to: number; amount: number; forge: boolean }
  | { kind: 'block'; take: number }

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 8, arbitrary: fc.record({
    kind: fc.constant('tx' as const),
    from: fc.integer({ min: 0, max: keys.length - 1 }),
    nonceDelta: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1, 2) }),
    msg: fc.integer({ min: 0, max: 5 }),
    to: fc.integer({ min: 0, max: keys.length - 1 }),
    amount: fc.integer({ min: 1, max: 700 }),
    forge: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
  }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('block' as const), take: fc.integer({ min: 0, max: 100 }) }) },
)

function message(c: Extract<Cmd, { kind: 'tx' }>): Msg {
  const to = keys[c.to]!.publicKey
  switch (c.msg) {
    case 0:
    case 1:
    case 2:
      return { type: 'bank/send', value: { to, amount: BigInt(c.amount) } }
    case 3:
      return { type: 'bank/burn', value: { amount: BigInt(c.amount) } }
    case 4:
      return { type: 'bank/mint', value: { to, amount: BigInt(c.amount) } } // authority only
    default:
      return { type: 'identity/revoke', value: { pub_key: city.citizens[1]!.publicKey, reason: 'model' } } // authority only
  }
}

async function freshApp(): Promise<{ app: PolisApp; db: ClassicLevel<Uint8Array, Uint8Array> }> {
  const d = tmpDir('admission-model')
  dirs.push(d)
  const db = new ClassicLevel<Uint8Array, Uint8Array>(d.path, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  const app = new PolisApp({ db, verifyPool: pool, modules: [] })
  await app.initChain(city.genesis)
  await app.finalizeBlock({ height: 1n, time: 1767225600000n, txs: [], proposer: city.validator.publicKey })
  await app.commit()
  return { app, db }
}

function stateRoot(app: PolisApp): string {
  return toHex(app.rootHashAt(app.info().lastHeight))
}

let admittedTotal = 0
let executedTotal = 0

test('admission never admits what the block refuses for a reason admission can know', async () => {
  await fc.assert(fc.asyncProperty(fc.array(cmd, { minLength: 5, maxLength: 60 }), async (cmds) => {
    const { app, db } = await freshApp()
    try {
      const next = new Map<number, bigint>(keys.map((_, i) => [i, 0n]))
      const senders = new WeakMap<Uint8Array, { from: number; nonce: bigint }>()
      let pending: Uint8Array[] = []
      let height = 1n
      const runBlock = async (take: number) => {
        const n = Math.ceil((pending.length * take) / 100)
        const txs = pending.slice(0, n)
        height++
        const fin = await app.finalizeBlock({ height, time: 1767225600000n + height, txs, proposer: city.validator.publicKey })
        fin.results.forEach((r, i) => {
          assert.ok(!KNOWABLE.has(r.code), `admitted tx ${i} of block ${height} refused in the block: ${r.log}`)
        })
        executedTotal += txs.length
        const rest = pending.slice(n)
        const rechecked = await app.commit([], rest)
        pending = rest.filter((_, i) => rechecked[i]!.code === 0)
        // The model's next nonces follow the mempool that is left: committed nonces, then what still waits.
        for (let i = 0; i < keys.length; i++) next.set(i, accountNonce(app, keys[i]!) ?? 0n)
        for (const b of pending) {
          const s = senders.get(b)!
          next.set(s.from, s.nonce + 1n)
        }
      }
      const accountNonce = (a: PolisApp, k: KeyPair): bigint | undefined => {
        const q = a.query({ path: 'identity/account', data: new TextEncoder().encode(JSON.stringify({ address: toHex(k.publicKey) })) })
        return q.code === 0 ? BigInt(JSON.parse(Buffer.from(q.value!).toString()).nonce) : undefined
      }
      for (const c of cmds) {
        if (c.kind === 'block') {
          await runBlock(c.take)
          continue
        }
        const key = keys[c.from]!
        const nonce = next.get(c.from)! + BigInt(c.nonceDelta)
        if (nonce < 0n) continue
        let bytes = signTx({ chainId: city.chainId, sender: key.publicKey, nonce, msgs: [message(c)] }, key)
        if (c.forge) {
          bytes = new Uint8Array(bytes)
          bytes[bytes.length - 1]! ^= 1
        }
        const before = stateRoot(app)
        const r = await app.checkTx(bytes)
        assert.equal(stateRoot(app), before, 'admission changes no state')
        if (r.code === 0) {
          assert.ok(!c.forge, 'a forged signature is never admitted')
          assert.equal(c.nonceDelta, 0, 'a nonce out of sequence is never admitted')
          senders.set(bytes, { from: c.from, nonce })
          next.set(c.from, nonce + 1n)
          pending.push(bytes)
          admittedTotal++
        } else {
          assert.ok(r.code in Object.fromEntries(Object.entries(ErrorCodes).map(([k, v]) => [v, k])), `typed refusal: ${r.log}`)
          assert.ok(r.log.length > 0)
        }
      }
      await runBlock(100)
      assert.equal(pending.length, 0)
    } finally {
      await db.close()
    }
  }), { numRuns: 40 })
  // Not vacuous: over 40 runs some hundred transactions are typically admitted and executed.
  assert.ok(admittedTotal >= 20 && executedTotal >= 20, `the model exercised admission (admitted ${admittedTotal}, executed ${executedTotal})`)
})
