import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeTx } from '../../src/app/tx.js'
import { ErrorCodes, PolisError } from '../../src/base/errors.js'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'

const city = testCity({ chainId: 'fuzz-city', citizens: 4, balance: 100n })

async function withChain(fn: (e: SoloEngine) => Promise<void>) {
  const d = tmpDir('fuzz')
  const e = await SoloEngine.open({ dataDir: d.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 0 })
  try {
    await fn(e)
  } finally {
    await e.stop()
    d.remove()
  }
}

test('the decoder refuses arbitrary bytes with a typed error only', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      try {
        decodeTx(bytes)
      } catch (e) {
        assert.ok(e instanceof PolisError, `untyped error: ${e}`)
        assert.ok([ErrorCodes.tx_decode, ErrorCodes.tx_too_large].includes(e.code as 2 | 3))
      }
    }),
    { numRuns: 3000 },
  )
})

test('mutated transactions never get past the pipeline and never throw', async () => {
  await withChain(async (e) => {
    const s = new Signer(city.chainId)
    const good = s.send(city.citizens[0]!, city.citizens[1]!, 5n)
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ kind: fc.constant('flip'), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
          fc.record({ kind: fc.constant('cut'), at: fc.nat() }),
          fc.record({ kind: fc.constant('append'), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
          fc.record({ kind: fc.constant('splice'), at: fc.nat(), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
        ),
        async (m) => {
          let tx: Uint8Array
          if (m.kind === 'flip') {
            tx = new Uint8Array(good)
            tx[m.at % tx.length]! ^= 1 << m.bit
          } else if (m.kind === 'cut') tx = good.subarray(0, m.at % good.length)
          else if (m.kind === 'append') tx = new Uint8Array([...good, ...m.extra])
          else {
            const at = m.at % good.length
            tx = new Uint8Array([...good.subarray(0, at), ...m.extra, ...good.subarray(at)])
          }
          const r = await e.app.checkTx(tx)
          assert.notEqual(r.code, 0, 'a mutated transaction was admitted')
          assert.ok(r.log.length > 0)
        },
      ),
      { numRuns: 400 },
    )
  })
})

type Op = { from: number; to: number; amount: number; nonceSkew: number; mint: boolean }

test('random blocks of valid and invalid transactions: the outcome of each matches a model, and supply = sum of balances', async () => {
  const arbOp: fc.Arbitrary<Op> = fc.record({
    from: fc.integer({ min: -1, max: 3 }), // -1 = the authority
    to: fc.integer({ min: 0, max: 3 }),
    amount: fc.integer({ min: 1, max: 80 }),
    nonceSkew: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) }),
    mint: fc.boolean(),
  })
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(arbOp, { maxLength: 25 }), { minLength: 1, maxLength: 4 }), async (blocks) => {
      await withChain(async (e) => {
        const s = new Signer(city.chainId)
        const keys = [city.authority, ...city.citizens]
        const bal = [0n, 100n, 100n, 100n, 100n]
        const nonce = [0n, 0n, 0n, 0n, 0n]
        let supply = 400n
        let height = e.app.info().lastHeight
        for (const ops of blocks) {
          height++
          const expected: number[] = []
          const txs = ops.map((op) => {
            const fi = op.from + 1
            const ti = op.to + 1
            const n = nonce[fi]! + BigInt(op.nonceSkew)
            const amount = BigInt(op.amount)
            const msg = op.mint ? { type: 'bank/mint', value: { to: keys[ti]!.publicKey, amount } } : { type: 'bank/send', value: { to: keys[ti]!.publicKey, amount } }
            const tx = s.tx(keys[fi]!, [msg], { nonce: n < 0n ? 0n : n })
            // the model
            if ((n < 0n ? 0n : n) !== nonce[fi]) expected.push(ErrorCodes.bad_nonce)
            else if (op.mint && fi !== 0) expected.push(ErrorCodes.unauthorized)
            else if (op.mint) {
              expected.push(0)
              bal[ti]! += amount
              supply += amount
              nonce[fi]!++
            } else if (bal[fi]! < amount) {
              expected.push(ErrorCodes.insufficient_funds)
              nonce[fi]!++
            } else {
              expected.push(0)
              bal[fi]! -= amount
              bal[ti]! += amount
              nonce[fi]!++
            }
            return tx
          })
          const fin = await e.app.finalizeBlock({ height, time: 1767225600000n + height, txs, proposer: city.validator.publicKey })
          await e.app.commit()
          assert.deepEqual(fin.results.map((r) => r.code), expected)
          const q = (path: string, p: object) => JSON.parse(Buffer.from(e.app.query({ path, data: utf8(JSON.stringify(p)) }).value!).toString())
          const actual = keys.map((k) => BigInt(q('bank/balance', { address: toHex(k.publicKey) }).amount))
          assert.deepEqual(actual, bal)
          assert.equal(BigInt(q('bank/supply', {}).amount), supply)
          assert.equal(actual.reduce((a, b) => a + b, 0n), supply)
        }
      })
    }),
    { numRuns: 25 },
  )
})
