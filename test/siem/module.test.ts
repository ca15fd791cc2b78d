import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import type { Msg } from '../../src/app/tx.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import { siemModule } from '../../src/modules/siem/index.js'
import { Collector } from '../../src/agents/siem/collector.js'
import { MerkleLog } from '../../src/siem/merkle-log.js'
import { signCheckpoint } from '../../src/siem/checkpoint.js'

const city = testCity({ citizens: 1 })
const device = testKey('siem/collector-device')
const operator = testKey('siem/collector-operator')
const otherDevice = testKey('siem/unregistered-device')
const citizen = city.citizens[0]!
city.genesis.app_state.identity = {
  accounts: [
    ...(city.genesis.app_state.identity as any).accounts,
    { pub_key: toHex(device.publicKey), roles: ['device'] },
    { pub_key: toHex(operator.publicKey), roles: ['operator'] },
    { pub_key: toHex(otherDevice.publicKey), roles: ['device'] },
  ],
}
const dir = tmpDir('siem-module')
let engine: SoloEngine
const signer = new Signer(city.chainId)
/** Signs with the account's current on-chain nonce (refused transactions may or may not consume one). */
const s = {
  tx: (key: typeof device, msgs: Msg[]) => signer.tx(key, msgs, { nonce: BigInt(query('identity/account', { address: toHex(key.publicKey) }).nonce) }),
}
const col = new Collector(city.chainId, device, 'gw-north')
const T0 = Date.UTC(2026, 10, 24, 10, 0, 0)

async function block(...txs: Uint8Array[]): Promise<number[]> {
  const fin = await engine.app.finalizeBlock({ height: engine.app.info().lastHeight + 1n, time: BigInt(T0) + engine.app.info().lastHeight, txs, proposer: city.validator.publicKey })
  await engine.app.commit()
  return fin.results.map((r) => r.code)
}
async function one(tx: Uint8Array, code: number): Promise<void> {
  const fin = await engine.app.finalizeBlock({ height: engine.app.info().lastHeight + 1n, time: BigInt(T0), txs: [tx], proposer: city.validator.publicKey })
  await engine.app.commit()
  assert.equal(fin.results[0]!.code, code, fin.results[0]!.log)
}
function query(path: string, params: Record<string, unknown>): any {
  const r = engine.app.query({ path, data: utf8(JSON.stringify(params)) })
  assert.equal(r.code, 0, r.log)
  return JSON.parse(Buffer.from(r.value!).toString('utf8'))
}
const anchorTx = (key = device, msg?: Msg) => s.tx(key, [msg ?? col.checkpoint().msg])
function feed(n: number, from = 0) {
  for (let i = from; i < from + n; i++) col.ingest(`<38>Nov 24 10:00:${String(i % 60).padStart(2, '0')} cam-${i} sshd[1]: Failed password for root from 203.0.113.${i % 250} port ${40000 + i} ssh2`, 'auto', T0)
}

before(async () => {
  engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 1, modules: [siemModule()] })
})
after(async () => {
  await engine.stop()
  dir.remove()
})

test('only the authority registers collectors, and only device/operator accounts', async () => {
  await one(s.tx(citizen, [{ type: 'siem/register-collector', value: { collector: device.publicKey, name: 'x' } }]), ErrorCodes.unauthorized)
  await one(s.tx(city.authority, [{ type: 'siem/register-collector', value: { collector: citizen.publicKey, name: 'x' } }]), ErrorCodes.unauthorized)
  await one(s.tx(city.authority, [{ type: 'siem/register-collector', value: { collector: device.publicKey, name: 'bad name!' } }]), ErrorCodes.invalid_message)
  assert.deepEqual(
    await block(
      s.tx(city.authority, [
        { type: 'siem/register-collector', value: { collector: device.publicKey, name: 'gw-north' } },
        { type: 'siem/register-collector', value: { collector: operator.publicKey, name: 'soc-1' } },
      ]),
    ),
    [0],
  )
  await one(s.tx(city.authority, [{ type: 'siem/register-collector', value: { collector: device.publicKey, name: 'again' } }]), ErrorCodes.already_exists)
  assert.equal(query('siem/collector', { address: toHex(device.publicKey) }).name, 'gw-north')
  assert.equal(query('siem/collectors', {}).collectors.length, 2)
})

test('a collector anchors signed checkpoints; each later one is proven consistent with the last', async () => {
  feed(5)
  const first = col.checkpoint()
  await one(anchorTx(device, first.msg), 0)
  col.markAnchored(first.checkpoint)
  feed(7, 5)
  const second = col.checkpoint()
  assert.ok((second.msg.value.proof as Uint8Array[]).length > 0)
  await one(anchorTx(device, second.msg), 0)
  col.markAnchored(second.checkpoint)
  const c = query('siem/collector', { address: toHex(device.publicKey) })
  assert.deepEqual([c.size, c.root, c.anchors], ['12', toHex(col.log.root()), '2'])
  assert.equal(query('siem/checkpoint', { collector: toHex(device.publicKey), size: '5' }).root, toHex(col.log.root(5)))
  assert.deepEqual(query('siem/checkpoints', { collector: toHex(device.publicKey) }).checkpoints.map((x: any) => x.size), ['12', '5'])
})

test('refused: shrinking, same size with another root, history rewrite, bad signature, bad proof shape, non-collectors', async () => {
  const signAnchor = (size: number, root: Uint8Array, proof: Uint8Array[], key = device): Msg => {
    const cp = signCheckpoint(city.chainId, key, { size, root })
    return { type: 'siem/anchor', value: { size: BigInt(size), root, proof, sig: cp.sig } }
  }
  await one(anchorTx(device, signAnchor(3, col.log.root(3), [])), ErrorCodes.invalid_state)
  await one(anchorTx(device, signAnchor(12, col.log.root(11), [])), ErrorCodes.proof_invalid)
  await one(anchorTx(device, col.checkpoint().msg), ErrorCodes.already_exists)
  // a rewritten log: event 2 altered, then grown to 16 — its proof cannot link to the anchored root
  const forged = new MerkleLog()
  col.events.slice().forEach((e, i) => forged.append(i === 2 ? utf8('{"forged":true}') : e.entry))
  for (let i = 0; i < 4; i++) forged.append(utf8(`extra ${i}`))
  await one(anchorTx(device, signAnchor(16, forged.root(), forged.consistencyProof(12, 16))), ErrorCodes.proof_invalid)
  // an honest growth but with a truncated or a wrong-length proof
  feed(4, 12)
  const good = col.checkpoint().msg
  const proof = good.value.proof as Uint8Array[]
  await one(anchorTx(device, { ...good, value: { ...good.value, proof: proof.slice(1) } }), ErrorCodes.proof_invalid)
  await one(anchorTx(device, { ...good, value: { ...good.value, proof: [new Uint8Array(31)] } }), ErrorCodes.invalid_message)
  // signature by another key, or over another chain id
  await one(anchorTx(device, { ...good, value: { ...good.value, sig: signAnchor(16, col.log.root(), [], operator).value.sig! } }), ErrorCodes.bad_signature)
  const other = signCheckpoint('other-city', device, { size: 16, root: col.log.root() })
  await one(anchorTx(device, { ...good, value: { ...good.value, sig: other.sig } }), ErrorCodes.bad_signature)
  // a device that is no registered collector; a citizen
  await one(anchorTx(otherDevice, signAnchor(1, col.log.root(1), [], otherDevice)), ErrorCodes.unauthorized)
  await one(anchorTx(citizen, signAnchor(1, col.log.root(1), [], citizen)), ErrorCodes.unauthorized)
  // nothing already anchored changed, and the honest checkpoint still goes through
  assert.equal(query('siem/collector', { address: toHex(device.publicKey) }).size, '12')
  await one(anchorTx(device, good), 0)
  col.markAnchored(col.checkpoint().checkpoint)
  assert.equal(query('siem/collector', { address: toHex(device.publicKey) }).size, '16')
})

test('verify-event: an event is proven included in an anchored checkpoint; an altered one is not', () => {
  const ev = col.evidence(7)
  const q = (p: Record<string, unknown>) => query('siem/verify-event', { collector: ev.collector, index: String(ev.index), proof: ev.proof.join(','), ...p })
  const yes = q({ entry: toHex(col.events.at(7).entry) })
  assert.equal(yes.verified, true, yes.reason)
  assert.equal(yes.checkpoint.size, '16')
  assert.equal(q({ leaf_hash: ev.leafHash }).verified, true)
  const altered = col.events.at(7).entry.slice()
  altered[10]! ^= 1
  assert.equal(q({ entry: toHex(altered) }).verified, false)
  assert.equal(q({ leaf_hash: ev.leafHash, index: '8' }).verified, false)
  // against an older anchored checkpoint (size 12)
  const old = col.evidence(7, 12)
  assert.equal(query('siem/verify-event', { collector: old.collector, index: '7', size: '12', proof: old.proof.join(','), leaf_hash: old.leafHash }).verified, true)
  assert.equal(query('siem/verify-event', { collector: old.collector, index: '7', size: '13', proof: old.proof.join(','), leaf_hash: old.leafHash }).verified, false)
  const bad = engine.app.query({ path: 'siem/verify-event', data: utf8(JSON.stringify({ collector: ev.collector, index: '7', proof: 'zz' , leaf_hash: ev.leafHash})) })
  assert.equal(bad.code, ErrorCodes.invalid_request)
})

test('a fork proven with a second signed checkpoint freezes the collector; a revoked collector is refused', async () => {
  const forged = new MerkleLog()
  col.events.slice(0, 12).forEach((e, i) => forged.append(i === 0 ? utf8('rewritten') : e.entry))
  const fork = signCheckpoint(city.chainId, device, { size: 12, root: forged.root() })
  await one(s.tx(citizen, [{ type: 'siem/report-fork', value: { collector: device.publicKey, size: 12n, root: col.log.root(12), sig: fork.sig } }]), ErrorCodes.invalid_message)
  await one(s.tx(citizen, [{ type: 'siem/report-fork', value: { collector: device.publicKey, size: 12n, root: forged.root(), sig: new Uint8Array(64) } }]), ErrorCodes.bad_signature)
  await one(s.tx(citizen, [{ type: 'siem/report-fork', value: { collector: device.publicKey, size: 12n, root: forged.root(), sig: fork.sig } }]), 0)
  assert.notEqual(query('siem/collector', { address: toHex(device.publicKey) }).forked_at, null)
  feed(2, 16)
  await one(anchorTx(device), ErrorCodes.frozen)
  // the anchored history stays verifiable
  const ev = col.evidence(3, 16)
  assert.equal(query('siem/verify-event', { collector: ev.collector, index: '3', size: '16', proof: ev.proof.join(','), leaf_hash: ev.leafHash }).verified, true)
  // revocation of the operator collector's key: its anchors are refused from the next block on
  const op = new Collector(city.chainId, operator, 'soc-1')
  op.ingest('{"src_ip":"192.0.2.1","message":"port scan"}', 'json', T0)
  await one(s.tx(city.authority, [{ type: 'identity/revoke', value: { pub_key: operator.publicKey, reason: 'compromised' } }]), 0)
  await one(s.tx(operator, [op.checkpoint().msg]), ErrorCodes.account_revoked)
})
