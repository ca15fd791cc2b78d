/**
 * The relayer agent against two real solo nodes (in process, HTTP API on port 0): end-to-end relay
 * A→B with ack back, a relayer restarted mid-flight, two relayers at once, a timeout refunded, the
 * WebSocket event stream, the scan state file (resumed; lost, stale or foreign: nothing lost or
 * doubled), and the script entry with a config file.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { bridge, bridgeKeys, packetsFromEvents } from '../../src/sdk/bridge.js'
import { saveKeyFile } from '../../src/sdk/keys.js'
import { voucherDenom } from '../../src/modules/bridge/index.js'
import { ackCommitment, encodeAck } from '../../src/modules/bridge/packet/codec.js'
import { Relayer, type RelayerOptions } from '../../src/agents/relayer/index.js'
import { readScanState } from '../../src/agents/relayer/scan-state.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { closeHttpCities, connectHttpCities, openHttpCity, type HttpCity } from './http-cities.js'

let A: HttpCity
let B: HttpCity
const VOUCHER = voucherDenom('transfer/to-a/ucity')

function relayerOpts(i: number): RelayerOptions {
  return { a: { url: A.node.url, clientId: A.client, key: A.relayers[i]! }, b: { url: B.node.url, clientId: B.client, key: B.relayers[i]! }, intervalMs: 50 }
}

const voucherOf = (who: KeyPair) => B.api.balance(who, { denom: VOUCHER })
const commitment = async (seq: bigint) => (await A.api.store(bridgeKeys.commitment(A.client, seq))).value

async function send(amount: bigint, timeoutHeight?: bigint): Promise<bigint> {
  const r = await A.api.signAndSubmit(A.city.citizens[0]!, [bridge.transfer({ clientId: A.client, amount, receiver: B.city.citizens[0]!, timeoutHeight: timeoutHeight ?? 1_000_000n })])
  assert.ok('events' in r && r.ok)
  return packetsFromEvents(r.events)[0]!.sequence
}

async function until(what: string, cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Runs passes of a fresh relayer until nothing is left in flight. */
async function drain(r: Relayer, seqs: bigint[]): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await r.pass()
    let left = 0
    for (const s of seqs) if ((await commitment(s)) !== null) left++
    if (left === 0) return
  }
  assert.fail('packets still in flight')
}

before(async () => {
  A = await openHttpCity('city-a', 'to-b')
  B = await openHttpCity('city-b', 'to-a')
  await connectHttpCities(A, B)
})
after(() => closeHttpCities(A, B))

test('a transfer A→B relayed end to end: voucher on B, ack back on A, commitment gone', async () => {
  const bob = B.city.citizens[0]!
  const seq = await send(100n)
  assert.notEqual(await commitment(seq), null)
  const r = new Relayer(relayerOpts(0))
  r.start()
  try {
    await until('the ack on A', async () => (await commitment(seq)) === null)
  } finally {
    await r.stop()
  }
  assert.equal(await voucherOf(bob), 100n)
  const onB = await B.api.query<{ receipt: boolean; ack_commitment: string }>('bridge', 'packet', { client_id: B.client, sequence: seq.toString() })
  assert.equal(onB.receipt, true)
  // a success ack is known from its commitment alone (what the relayer falls back on without the recv event)
  assert.equal(onB.ack_commitment, toHex(ackCommitment(encodeAck({ ok: true }))))
  // a pass with nothing to do changes nothing
  const idle = await new Relayer(relayerOpts(0)).pass()
  assert.deepEqual([idle.received, idle.acknowledged, idle.timedOut], [0, 0, 0])
})

test('a relayer restarted mid-flight finishes the job from chain state', async () => {
  const bob = B.city.citizens[0]!
  const before = await voucherOf(bob)
  const seqs = [await send(7n), await send(8n), await send(9n)]
  // first relayer: delivers on B, then "crashes" before relaying the acks (its memory is lost)
  const first = new Relayer(relayerOpts(0))
  const s1 = await first.pass()
  assert.equal(s1.received, 3)
  assert.equal(await voucherOf(bob), before + 24n)
  for (const s of seqs) assert.notEqual(await commitment(s), null)
  // a new relayer, nothing in memory: acks them, delivers nothing twice
  const second = new Relayer(relayerOpts(0))
  await drain(second, seqs)
  assert.equal(await voucherOf(bob), before + 24n)
})

test('a success ack is relayed from the state alone, without the recv event', async () => {
  const seq = await send(3n)
  assert.equal((await new Relayer(relayerOpts(0)).pass()).received, 1)
  const o = relayerOpts(1)
  // this relayer never sees B's recv_packet event: it scans B only from after it
  const late = new Relayer({ ...o, b: { ...o.b, startHeight: (await B.api.height()) + 1n } })
  await drain(late, [seq])
})

test('two relayers at once: no double mint', async () => {
  const bob = B.city.citizens[0]!
  const before = await voucherOf(bob)
  const supplyA0 = await A.api.supply('ucity')
  const seqs: bigint[] = []
  for (let i = 0; i < 5; i++) seqs.push(await send(10n + BigInt(i)))
  const r1 = new Relayer(relayerOpts(0))
  const r2 = new Relayer(relayerOpts(1))
  r1.start()
  r2.start()
  try {
    await until('all acks on A', async () => {
      for (const s of seqs) if ((await commitment(s)) !== null) return false
      return true
    }, 20_000)
  } finally {
    await Promise.all([r1.stop(), r2.stop()])
  }
  assert.equal(await voucherOf(bob), before + 60n)
  assert.equal(await B.api.supply(VOUCHER), before + 60n)
  assert.equal(await A.api.supply('ucity'), supplyA0)
})

test('a packet past its timeout is timed out and refunded', async () => {
  const alice = A.city.citizens[0]!
  const bob = B.city.citizens[0]!
  const a0 = await A.api.balance(alice)
  const v0 = await voucherOf(bob)
  const seq = await send(50n, (await B.api.height()) + 1n)
  assert.equal(await A.api.balance(alice), a0 - 50n)
  await B.node.engine.produceBlock({ allowEmpty: true }) // B passes the timeout height
  const r = new Relayer(relayerOpts(1))
  let timedOut = 0
  for (let i = 0; i < 5 && (await commitment(seq)) !== null; i++) timedOut += (await r.pass()).timedOut
  assert.equal(timedOut, 1)
  assert.equal(await commitment(seq), null)
  assert.equal(await A.api.balance(alice), a0)
  assert.equal(await voucherOf(bob), v0)
  const onB = await B.api.query<{ receipt: boolean }>('bridge', 'packet', { client_id: B.client, sequence: seq.toString() })
  assert.equal(onB.receipt, false)
})

test('an idle relayer refreshes a light client before it gets old', async () => {
  await A.node.engine.produceBlock({ allowEmpty: true })
  const top = await A.api.height()
  const r = new Relayer({ ...relayerOpts(0), refreshFraction: 1e-12 })
  const s = await r.pass()
  assert.ok(s.updates >= 1)
  const c = await B.api.query<{ latest_height: string }>('bridge', 'client', { client_id: B.client })
  assert.ok(BigInt(c.latest_height) >= top)
  // the consensus state the client keeps is readable over HTTP (its height parameter is not the API's state height)
  const cs = await B.api.query<{ app_hash: string }>('bridge', 'consensus-state', { client_id: B.client, consensus_height: c.latest_height })
  assert.equal(cs.app_hash, (await A.api.header(BigInt(c.latest_height))).header.app_hash)
  // with the default share of the trusting period (14 days) nothing is refreshed
  await A.node.engine.produceBlock({ allowEmpty: true })
  assert.equal((await new Relayer(relayerOpts(0)).pass()).updates, 0)
})

test('running, the relayer follows the event streams: it relays on the next block though it polls only every minute', async () => {
  const bob = B.city.citizens[0]!
  const v0 = await voucherOf(bob)
  const r = new Relayer({ ...relayerOpts(0), intervalMs: 60_000 })
  r.start()
  try {
    await until('both event streams', async () => r.streaming())
    await new Promise((res) => setTimeout(res, 200)) // the first pass (over HTTP) is done and waiting on the streams
    const seq = await send(4n)
    await until('the ack on A', async () => (await commitment(seq)) === null, 20_000)
  } finally {
    await r.stop()
  }
  assert.equal(await voucherOf(bob), v0 + 4n)
  assert.ok(r.totals.blocksFromStream >= 2, JSON.stringify(r.totals)) // the send on A, the receive on B
})

test('running, the relayer is pipelined: bursts sent while earlier ones commit are each relayed once, with nothing refused', async () => {
  const alice = A.city.citizens[0]!
  const bob = B.city.citizens[0]!
  const v0 = await voucherOf(bob)
  const logged: string[] = []
  const r = new Relayer({ ...relayerOpts(0), log: (msg) => void logged.push(msg) })
  r.start()
  const seqs: bigint[] = []
  try {
    await until('both event streams', async () => r.streaming())
    for (let burst = 0; burst < 3; burst++) {
      const txs = await A.api.signMany(alice, Array.from({ length: 4 }, () => Array.from({ length: 20 }, () => bridge.transfer({ clientId: A.client, amount: 2n, receiver: bob, timeoutHeight: 1_000_000n }))))
      for (const res of await A.api.submitBatch(txs)) assert.equal(res.code, 0, res.log)
      for (const tx of txs) seqs.push(...packetsFromEvents((await A.api.waitForTx(tx.hash)).events).map((p) => p.sequence))
    }
    assert.equal(seqs.length, 240)
    await until('every ack on A', async () => {
      for (const s of seqs) if ((await commitment(s)) !== null) return false
      return true
    }, 60_000)
  } finally {
    await r.stop()
  }
  assert.equal(await voucherOf(bob), v0 + 480n)
  // no message went out twice while its transaction was in flight (a duplicate ack would fail its batch)
  assert.deepEqual(logged.filter((m) => /refused|failed/.test(m)), [])
})

test('the scan state file: a restart resumes from it; a lost, stale or foreign file loses and duplicates nothing', async () => {
  const dir = tmpDir('relayer-state')
  const file = join(dir.path, 'pair.json')
  const bob = B.city.citizens[0]!
  const tips = async () => (await A.api.height()) + (await B.api.height())
  try {
    const v0 = await voucherOf(bob)
    // everything relayed: the file records heights near the tips
    const s1 = await send(11n)
    const r1 = new Relayer({ ...relayerOpts(0), statePath: file })
    await drain(r1, [s1])
    await r1.pass()
    const stale = readFileSync(file, 'utf8')
    const st = readScanState(file)
    assert.equal(st.a?.chainId, 'city-a')
    assert.equal(st.b?.client, 'to-a')
    assert.ok(st.a!.height >= (await A.api.height()) - 2n && st.b!.height >= (await B.api.height()) - 2n, JSON.stringify(st, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))

    // a packet delivered, then the relayer "crashes" before the ack: the file stays below its send
    const tx = await A.api.signAndSubmit(A.city.citizens[0]!, [bridge.transfer({ clientId: A.client, amount: 12n, receiver: bob, timeoutHeight: 1_000_000n })])
    const s2 = packetsFromEvents(tx.events)[0]!.sequence
    const r2 = new Relayer({ ...relayerOpts(0), statePath: file })
    const p2 = await r2.pass()
    assert.equal(p2.received, 1)
    assert.ok(p2.blocksFetched <= 6, `resumed from the file, read ${p2.blocksFetched} blocks`)
    assert.ok(readScanState(file).a!.height < tx.height, 'the file must not pass a packet in flight')
    assert.notEqual(await commitment(s2), null)
    // restarted: the packet is found again from the file's height and acknowledged, once
    const r3 = new Relayer({ ...relayerOpts(0), statePath: file })
    await drain(r3, [s2])
    assert.equal(await voucherOf(bob), v0 + 23n)

    // lost: read from genesis, nothing delivered twice
    rmSync(file)
    const lost = await new Relayer({ ...relayerOpts(0), statePath: file }).pass()
    assert.deepEqual([lost.received, lost.acknowledged, lost.timedOut, lost.refused], [0, 0, 0, 0])
    assert.ok(lost.blocksFetched >= Number(await tips()) - 4, `read ${lost.blocksFetched} blocks from genesis`)
    // stale (an older file): reads a little more, nothing twice
    writeFileSync(file, stale)
    const old = await new Relayer({ ...relayerOpts(0), statePath: file }).pass()
    assert.deepEqual([old.received, old.acknowledged, old.refused], [0, 0, 0])
    assert.ok(old.blocksFetched < lost.blocksFetched)
    // foreign (another chain's hash at that height) or from the future: ignored, read from genesis
    for (const edit of [(d: any) => { d.a.hash = 'ab'.repeat(32) }, (d: any) => { d.b.height = '999999' }]) {
      const doc = JSON.parse(stale)
      edit(doc)
      writeFileSync(file, JSON.stringify(doc))
      const f = await new Relayer({ ...relayerOpts(0), statePath: file }).pass()
      assert.deepEqual([f.received, f.acknowledged, f.refused], [0, 0, 0])
      assert.ok(f.blocksFetched > old.blocksFetched, `a bad mark is ignored (read ${f.blocksFetched} blocks)`)
    }
    assert.equal(await voucherOf(bob), v0 + 23n)
    assert.equal(await B.api.supply(VOUCHER), await voucherOf(bob))
  } finally {
    dir.remove()
  }
})

test('scripts/relayer.ts relays with a config file and stops on SIGTERM', async () => {
  const dir = tmpDir('relayer-config')
  try {
    saveKeyFile(join(dir.path, 'ra.json'), A.relayers[0]!, 'ra')
    saveKeyFile(join(dir.path, 'rb.json'), B.relayers[0]!, 'rb')
    const cfg = join(dir.path, 'relayer.json')
    writeFileSync(cfg, JSON.stringify({ a: { url: A.node.url, client: 'to-b', key_file: 'ra.json' }, b: { url: B.node.url, client: 'to-a', key_file: 'rb.json' }, interval_ms: 50 }))
    const bob = B.city.citizens[0]!
    const v0 = await voucherOf(bob)
    const seq = await send(5n)
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/relayer.ts', '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    try {
      await until('the script to relay', async () => (await commitment(seq)) === null, 20_000)
    } finally {
      child.kill('SIGTERM')
    }
    assert.equal(await exited, 0, err)
    assert.equal(await voucherOf(bob), v0 + 5n)
  } finally {
    dir.remove()
  }
})
