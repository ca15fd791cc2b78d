/** Two in-process solo chains with the bridge, and a relayer driven by hand. */
import assert from 'node:assert/strict'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { encodeHeader } from '../../src/lightclient/solo-header.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import type { Msg } from '../../src/app/tx.js'
import type { AppEvent } from '../../src/app/types.js'
import type { Genesis } from '../../src/app/genesis.js'
import type { Module } from '../../src/app/module.js'
import type { CborValue } from '../../src/codec/cbor.js'
import { bridgeModule, packetValue, type Packet } from '../../src/modules/bridge/index.js'
import { defaultBridgeApps } from '../../src/chain/bridge-apps.js'
import { testCity, testKey, type TestCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'

export interface Chain {
  city: TestCity
  engine: SoloEngine
  signer: Signer
  relayer: KeyPair
  /** the id of this chain's client of the other chain */
  client: string
  dir: { remove(): void }
}

export interface Result { code: number; log: string; events: AppEvent[]; height: bigint }

/** One clock for every chain of a test, as real cities share the wall clock (light clients bound the drift between them). */
let t = 1767225600000n

export async function openChain(chainId: string, client: string, extra?: Partial<Genesis>, extraModules: Module[] = []): Promise<Chain> {
  const relayer = testKey(chainId + '/relayer')
  const city = testCity({ chainId, citizens: 3, balance: 1_000_000n, accounts: [{ key: relayer, roles: ['relayer'] }], extra })
  const dir = tmpDir('bridge-' + chainId)
  const engine = await SoloEngine.open({
    dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 1_000_000, verifyThreads: 1,
    modules: [bridgeModule(defaultBridgeApps()), ...extraModules], now: () => (t += 1000n),
  })
  return { city, engine, signer: new Signer(chainId), relayer, client, dir }
}

export async function closeChain(c: Chain): Promise<void> {
  await c.engine.stop()
  c.dir.remove()
}

/** Submits one transaction and commits a block with it; returns its result. */
export async function exec(c: Chain, key: KeyPair, msgs: Msg[]): Promise<Result> {
  const tx = c.signer.tx(key, msgs)
  const r = await c.engine.submit(tx)
  if (r.code !== 0) {
    // refused at checkTx: the nonce was not consumed
    resetNonce(c, key)
    return { code: r.code, log: r.log, events: [], height: c.engine.height }
  }
  const b = await c.engine.produceBlock()
  assert.ok(b)
  const res = b.results.find((x) => toHex(x.hash) === toHex(r.hash))!
  return { code: res.code, log: res.log, events: res.events, height: b.block.signed.header.height }
}

function resetNonce(c: Chain, key: KeyPair): void {
  const q = c.engine.app.query({ path: 'identity/account', data: utf8(JSON.stringify({ address: toHex(key.publicKey) })) })
  const nonce = BigInt(JSON.parse(Buffer.from(q.value!).toString()).nonce)
  ;(c.signer as unknown as { nonces: Map<string, bigint> }).nonces.set(toHex(key.publicKey), nonce)
}

export async function ok(c: Chain, key: KeyPair, msgs: Msg[]): Promise<Result> {
  const r = await exec(c, key, msgs)
  assert.equal(r.code, 0, r.log)
  return r
}

export async function emptyBlock(c: Chain): Promise<void> {
  await c.engine.produceBlock({ allowEmpty: true })
}

export function query(c: Chain, path: string, params: Record<string, unknown>): any {
  const r = c.engine.app.query({ path, data: utf8(JSON.stringify(params)) })
  assert.equal(r.code, 0, r.log)
  return JSON.parse(Buffer.from(r.value!).toString('utf8'))
}

export const balance = (c: Chain, who: Uint8Array, denom = 'ucity') => BigInt(query(c, 'bank/balance', { address: toHex(who), denom }).amount)
export const supply = (c: Chain, denom: string) => BigInt(query(c, 'bank/supply', { denom }).amount)

export function signedHeader(c: Chain, h: bigint): { header: Uint8Array; signature: Uint8Array } {
  const s = c.engine.blocks.header(h)
  assert.ok(s, `no header ${h}`)
  return { header: encodeHeader(s.header), signature: s.signature }
}

export function storeProof(c: Chain, key: Uint8Array, height: bigint): { value?: Uint8Array; proof: Uint8Array } {
  const r = c.engine.app.query({ path: 'store', data: key, height, prove: true })
  assert.equal(r.code, 0, r.log)
  return { value: r.value, proof: r.proof! }
}

/** Creates each chain's client of the other (the authority trusts the other's latest header). */
export async function connect(a: Chain, b: Chain): Promise<void> {
  const hashOf = (c: Chain) => (c.city.genesis as { consensus?: { hash?: { name: string; params?: Record<string, CborValue> } } }).consensus?.hash ?? { name: 'sha256' }
  const mk = (self: Chain, other: Chain): Msg => ({
    type: 'bridge/create-client',
    value: {
      client_id: self.client, chain_id: other.city.chainId, counterparty_client: other.client, validator: other.city.validator.publicKey,
      hash_alg: hashOf(other).name, ...(hashOf(other).params ? { hash_params: hashOf(other).params } : {}), ...signedHeader(other, other.engine.height),
    },
  })
  const ma = mk(a, b)
  const mb = mk(b, a)
  await ok(a, a.city.authority, [ma])
  await ok(b, b.city.authority, [mb])
}

/** Updates `dest`'s client of `src` to src's latest height; returns that height. */
export async function updateClient(dest: Chain, src: Chain): Promise<bigint> {
  const h = src.engine.height
  await ok(dest, dest.relayer, [{ type: 'bridge/update-client', value: { client_id: dest.client, ...signedHeader(src, h) } }])
  return h
}

export function attr(e: AppEvent, key: string): string {
  const a = e.attributes.find((x) => x.key === key)
  assert.ok(a, `event ${e.type} lacks ${key}`)
  return a.value
}

export function sentPackets(r: Result): Packet[] {
  return r.events.filter((e) => e.type === 'bridge.send_packet').map((e) => ({
    sequence: BigInt(attr(e, 'sequence')), sourceClient: attr(e, 'source_client'), destClient: attr(e, 'dest_client'),
    payload: Buffer.from(attr(e, 'payload'), 'hex'), timeoutHeight: BigInt(attr(e, 'timeout_height')), timeoutTime: BigInt(attr(e, 'timeout_time')),
  }))
}

export function ackOf(r: Result): Uint8Array {
  const e = r.events.find((x) => x.type === 'bridge.recv_packet')
  assert.ok(e, 'no recv_packet event')
  return Buffer.from(attr(e, 'ack'), 'hex')
}

const k = (s: string) => utf8('bridge/' + s)

/** recv-packet message for `p` (sent on src), proved at src's latest height (dest's client updated to it first). */
export async function recvMsg(dest: Chain, src: Chain, p: Packet): Promise<Msg> {
  const h = await updateClient(dest, src)
  const { proof } = storeProof(src, k(`commitments/${p.sourceClient}/${p.sequence}`), h)
  return { type: 'bridge/recv-packet', value: { packet: packetValue(p), proof, proof_height: h } }
}

export async function ackMsg(src: Chain, dest: Chain, p: Packet, ack: Uint8Array): Promise<Msg> {
  const h = await updateClient(src, dest)
  const { proof } = storeProof(dest, k(`acks/${p.destClient}/${p.sequence}`), h)
  return { type: 'bridge/acknowledge', value: { packet: packetValue(p), ack, proof, proof_height: h } }
}

export async function timeoutMsg(src: Chain, dest: Chain, p: Packet): Promise<Msg> {
  const h = await updateClient(src, dest)
  const { proof } = storeProof(dest, k(`receipts/${p.destClient}/${p.sequence}`), h)
  return { type: 'bridge/timeout', value: { packet: packetValue(p), proof, proof_height: h } }
}

export function transferMsg(client: string, amount: bigint, receiver: Uint8Array, opts: { denom?: string; timeoutHeight?: bigint; timeoutTime?: bigint } = {}): Msg {
  return {
    type: 'bridge/transfer',
    value: {
      client_id: client, amount, receiver, timeout_height: opts.timeoutHeight ?? 1_000_000n,
      ...(opts.denom ? { denom: opts.denom } : {}), ...(opts.timeoutTime ? { timeout_time: opts.timeoutTime } : {}),
    },
  }
}
