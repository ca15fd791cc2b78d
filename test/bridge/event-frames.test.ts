/**
 * The event stream's block framing (`/v1/events?frames=block`, what the relayer's feed reads): one
 * frame per block holding exactly the messages, in the same order, that the default framing sends
 * one per frame, for every filter; a block with nothing for the subscriber sends no frame.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WebSocket } from 'ws'
import { useNode } from '../helpers/use-node.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { Signer } from '../../src/kit/signer.js'
import { toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { http, subscribe } from '../api/client.js'

const city = testCity({ chainId: 'frames-city', citizens: 3, balance: 1000n })
const [alice, bob, carol] = city.citizens as [KeyPair, KeyPair, KeyPair]
const signer = new Signer(city.chainId)
const node = useNode({ city, blockIntervalMs: 10 })

/** A subscription with frames=block: every frame as it came. */
async function frames(query: string): Promise<{ frames: unknown[]; until(pred: () => boolean): Promise<void>; close(): void }> {
  const ws = new WebSocket(`${node.url.replace(/^http/, 'ws')}/v1/events?${query}&frames=block`)
  const out: unknown[] = []
  ws.on('message', (d) => out.push(JSON.parse(String(d))))
  // resolves once pred holds, checked at each frame that arrives
  const until = (pred: () => boolean) => new Promise<void>((resolve) => {
    const check = () => {
      if (!pred()) return
      ws.off('message', check)
      resolve()
    }
    ws.on('message', check)
    check()
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return { frames: out, until, close: () => ws.close() }
}

test('frames=block: one JSON array per block, the same messages in the same order as one frame each', async () => {
  const queries = ['kinds=block,tx', 'kinds=tx', 'kinds=block', `kinds=tx&account=${toHex(carol.publicKey)}`, 'kinds=tx&type=bank.mint']
  const single = await Promise.all(queries.map((q) => subscribe(node.url, q)))
  const batched = await Promise.all(queries.map((q) => frames(q)))
  try {
    // several transactions per block: submitted together, committed without waiting
    const txs = [signer.send(alice, bob, 1n), signer.send(bob, carol, 2n), signer.send(alice, carol, 3n)]
    const r = await http(node.url, 'POST', '/v1/txs/batch', { txs: txs.map(toHex) })
    assert.equal(r.status, 200, r.text)
    const mint = await http(node.url, 'POST', '/v1/txs?wait=true', { tx: toHex(signer.tx(city.authority, [{ type: 'bank/mint', value: { to: carol.publicKey, amount: 5n } }])) })
    assert.equal(mint.body.code, 0, mint.text)
    const last = (await http(node.url, 'GET', '/v1/blocks/latest')).body
    // the last block reached the default subscribers; the batched ones got it in the same publish
    await single[0]!.next((m) => m.kind === 'block' && BigInt(m.height) >= BigInt(last.height))
    await single[1]!.next((m) => m.hash === mint.body.hash)
    const lastFrame = () => batched[0]!.frames.at(-1) as Array<{ height: string }> | undefined
    await batched[0]!.until(() => lastFrame() !== undefined && BigInt(lastFrame()![0]!.height) >= BigInt(last.height))
    for (let i = 0; i < queries.length; i++) {
      const got = batched[i]!.frames
      for (const f of got) {
        assert.ok(Array.isArray(f) && f.length > 0, `${queries[i]}: every frame is a non-empty array`)
        assert.equal(new Set((f as Array<{ height: string }>).map((m) => m.height)).size, 1, `${queries[i]}: one block per frame`)
      }
      // the same messages, in the same order, from the first block both saw up to the last
      const flat = (got as Array<Array<{ height: string }>>).flat()
      const h0 = BigInt(flat[0]?.height ?? last.height)
      const expected = single[i]!.messages.filter((m) => BigInt(m.height) >= h0 && BigInt(m.height) <= BigInt(last.height))
      assert.deepEqual(flat.filter((m) => BigInt(m.height) <= BigInt(last.height)), expected, queries[i])
    }
    // the transfers and the mint are there, and the mint filter saw only the mint
    const all = (batched[1]!.frames as Array<Array<{ hash: string }>>).flat().map((m) => m.hash)
    for (const t of r.body.results as Array<{ hash: string }>) assert.ok(all.includes(t.hash))
    assert.deepEqual((batched[4]!.frames as Array<Array<{ hash: string }>>).flat().map((m) => m.hash), [mint.body.hash])
  } finally {
    for (const s of single) s.close()
    for (const b of batched) b.close()
  }
})

test('frames must be message or block', async () => {
  const ws = new WebSocket(`${node.url.replace(/^http/, 'ws')}/v1/events?frames=tx`)
  ws.on('error', () => undefined) // the refused upgrade
  const status = await new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('open', () => resolve(101))
  })
  ws.terminate()
  assert.equal(status, 400)
})
