// End to end: a real 4-validator CometBFT city running the Polis App (with the bridge) and a solo
// city, each with a light client of the other (cometbft type on the solo city, solo type on the
// CometBFT city), and a token transfer each way with every proof checked on chain: the solo city
// verifies CometBFT headers fetched from CometBFT's RPC (src/lightclient/rpc-provider.ts) and proofs
// of the CometBFT city's state at h against header h+1 (CometBFT's app-hash offset).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { testnetKey } from '../../src/network/cometbft-testnet.js'
import type { CometRpc } from '../../src/engine/cometbft/rpc.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import type { Msg } from '../../src/app/tx.js'
import type { AppEvent } from '../../src/app/types.js'
import { bridgeModule, escrowAddress, packetValue, voucherDenom, type Packet } from '../../src/modules/bridge/index.js'
import { defaultBridgeApps } from '../../src/chain/bridge-apps.js'
import { cometStoreProof, cometUpdatePath, createCometClientMsg } from '../../src/agents/relayer/cometbft-headers.js'
import { rpcProvider } from '../../src/lightclient/rpc-provider.js'
import { bridge } from '../../src/sdk/bridge.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import { missingCometbft, startNet, waitTx, sleep } from '../cometbft/net.js'
import { metroAppState } from './cometbft-metro.js'
import { ackOf, balance, exec, ok, query, sentPackets, signedHeader, storeProof, transferMsg, type Chain, type Result } from './harness.js'

const VALIDATORS = 4
const SEED = 'bridge-metro'
const key = (label: string) => testnetKey(SEED, label)
const k = (s: string) => utf8('bridge/' + s)

/** The solo city, on the wall clock (CometBFT's block times are wall-clock times too). */
async function openSolo(): Promise<Chain> {
  const city = testCity({ chainId: 'solo-city', citizens: 2, balance: 1_000_000n })
  const relayer = key('solo-relayer')
  ;(city.genesis.app_state.identity as { accounts: unknown[] }).accounts.push({ pub_key: toHex(relayer.publicKey), roles: ['relayer'] })
  const dir = tmpDir('bridge-solo')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 1_000_000, verifyThreads: 1, modules: [bridgeModule(defaultBridgeApps())] })
  return { city, engine, signer: new Signer(city.chainId), relayer, client: 'to-metro', dir }
}

/** Submits to the CometBFT city through its RPC and waits for the commit. */
async function cometExec(rpc: CometRpc, signer: Signer, who: KeyPair, msgs: Msg[]): Promise<Result> {
  const tx = signer.tx(who, msgs)
  const b = await rpc.broadcastTxSync(tx)
  if (b.code !== 0) {
    const nonces = (signer as unknown as { nonces: Map<string, bigint> }).nonces
    nonces.set(toHex(who.publicKey), nonces.get(toHex(who.publicKey))! - 1n)
    return { code: b.code, log: b.log, events: [], height: 0n }
  }
  const r = await waitTx(rpc, tx, 60_000)
  const events: AppEvent[] = (r.tx_result.events ?? []).map((e: any) => ({ type: e.type, attributes: e.attributes.map((a: any) => ({ key: a.key, value: a.value })) }))
  return { code: r.tx_result.code, log: r.tx_result.log, events, height: BigInt(r.height) }
}

async function waitHeight(rpc: CometRpc, h: bigint): Promise<void> {
  const deadline = Date.now() + 60_000
  while ((await rpc.height()) < h) {
    if (Date.now() > deadline) throw new Error(`CometBFT did not reach height ${h}`)
    await sleep(100)
  }
}

test(`a ${VALIDATORS}-validator CometBFT city and a solo city: clients of each other, a transfer each way proved against CometBFT headers`, { skip: missingCometbft(), timeout: 180_000 }, async () => {
  const net = await startNet({ name: 'metro', validators: VALIDATORS, chainId: 'metro-city', appState: metroAppState(SEED, VALIDATORS), keySeed: SEED })
  const A = await openSolo()
  try {
    const rpc = net.tn.rpc(0)
    const provider = rpcProvider(rpc)
    const mSigner = new Signer('metro-city')
    const metroCitizen = key('citizen/0')
    const metroRelayer = key('relayer')
    const soloCitizen = A.city.citizens[0]!
    await A.engine.produceBlock({ allowEmpty: true })

    // --- clients: on the solo city, a cometbft client of metro (anchor = metro's latest light block, from its RPC)
    await waitHeight(rpc, 1n)
    const { msg: createComet, lightBlock: anchor } = await createCometClientMsg(provider, { clientId: 'to-metro', counterpartyClient: 'to-solo' })
    await ok(A, A.city.authority, [createComet])
    // on metro, a solo client of the solo city
    const solo = signedHeader(A, A.engine.height)
    let r = await cometExec(rpc, mSigner, key('authority'), [{
      type: 'bridge/create-client',
      value: { client_id: 'to-solo', chain_id: A.city.chainId, counterparty_client: 'to-metro', validator: A.city.validator.publicKey, hash_alg: 'sha256', ...solo },
    }])
    assert.equal(r.code, 0, r.log)
    const metroClient = JSON.parse(Buffer.from((await rpc.abciQuery('bridge/client', utf8(JSON.stringify({ client_id: 'to-solo' })))).response.value, 'base64').toString())
    assert.equal(metroClient.type, 'solo')
    assert.equal(query(A, 'bridge/client', { client_id: 'to-metro' }).type, 'cometbft')

    /** Brings the solo city's client of metro to metro's header `h` (bisection path from its latest). */
    const updateToMetro = async (h: bigint) => {
      await waitHeight(rpc, h)
      const latest = BigInt(query(A, 'bridge/client', { client_id: 'to-metro' }).latest_height)
      if (latest >= h) return
      const { msgs } = await cometUpdatePath(provider, 'to-metro', latest, { target: h, trustingPeriodMs: 14n * 24n * 3600n * 1000n })
      for (const m of msgs) await ok(A, A.relayer, [m])
    }
    /** Brings metro's client of the solo city to the solo city's latest header. */
    const updateToSolo = async (): Promise<bigint> => {
      const h = A.engine.height
      const u = await cometExec(rpc, mSigner, metroRelayer, [{ type: 'bridge/update-client', value: { client_id: 'to-solo', ...signedHeader(A, h) } }])
      assert.equal(u.code, 0, u.log)
      return h
    }

    // --- solo → metro: escrow on the solo city, voucher minted on metro
    const sent = await ok(A, soloCitizen, [transferMsg('to-metro', 700n, metroCitizen.publicKey)])
    const [p1] = sentPackets(sent) as [Packet]
    const hA = await updateToSolo()
    const recv = await cometExec(rpc, mSigner, metroRelayer, [{ type: 'bridge/recv-packet', value: { packet: packetValue(p1), proof: storeProof(A, k(`commitments/to-metro/${p1.sequence}`), hA).proof, proof_height: hA } }])
    assert.equal(recv.code, 0, recv.log)
    const ack1 = ackOf(recv)
    const voucherOnMetro = voucherDenom('transfer/to-solo/ucity')
    // ack back: the ack is in metro's state after block recv.height, committed by header recv.height + 1
    await updateToMetro(recv.height + 1n)
    const ackProof = await cometStoreProof(rpc, k(`acks/to-solo/${p1.sequence}`), recv.height)
    // the client skipped to header recv.height + 1 and has no header recv.height: the proof of the
    // state after block recv.height is checked against header recv.height + 1 (CometBFT's app-hash offset)
    assert.equal(A.engine.app.query({ path: 'bridge/consensus-state', data: utf8(JSON.stringify({ client_id: 'to-metro', consensus_height: recv.height.toString() })) }).code, ErrorCodes.not_found)
    // the same proof claimed for another height is refused
    const wrongHeight = await exec(A, A.relayer, [{ type: 'bridge/acknowledge', value: { packet: packetValue(p1), ack: ack1, proof: ackProof.proof, proof_height: recv.height - 1n } }])
    assert.equal(wrongHeight.code, ErrorCodes.proof_invalid)
    await ok(A, A.relayer, [{ type: 'bridge/acknowledge', value: { packet: packetValue(p1), ack: ack1, proof: ackProof.proof, proof_height: recv.height } }])
    assert.equal(balance(A, escrowAddress('to-metro')), 700n)
    assert.equal(query(A, 'bridge/packet', { client_id: 'to-metro', sequence: '1' }).commitment, null)
    const metroVoucher = JSON.parse(Buffer.from((await rpc.abciQuery('bank/balance', utf8(JSON.stringify({ address: toHex(metroCitizen.publicKey), denom: voucherOnMetro })))).response.value, 'base64').toString())
    assert.equal(metroVoucher.amount, '700')

    // --- metro → solo: metro's ucity escrowed on metro, a voucher minted on the solo city
    const send2 = await cometExec(rpc, mSigner, metroCitizen, [transferMsg('to-solo', 250n, soloCitizen.publicKey)])
    assert.equal(send2.code, 0, send2.log)
    const [p2] = sentPackets(send2) as [Packet]
    await updateToMetro(send2.height + 1n)
    const commitProof = await cometStoreProof(rpc, k(`commitments/to-solo/${p2.sequence}`), send2.height)
    // a forged signature on a real CometBFT header is refused (verified from the anchor)
    const forged = structuredClone(await provider.lightBlock(send2.height + 1n))
    const sig = forged.signedHeader.commit.signatures.find((s) => s.signature.length === 64)!.signature
    sig[0] = sig[0]! ^ 0xff
    const f = await exec(A, A.relayer, [bridge.updateCometClient('to-metro', anchor, forged)])
    assert.equal(f.code, ErrorCodes.proof_invalid, f.log)
    assert.match(f.log, /invalid signature/)
    const recv2 = await ok(A, A.relayer, [{ type: 'bridge/recv-packet', value: { packet: packetValue(p2), proof: commitProof.proof, proof_height: send2.height } }])
    const ack2 = ackOf(recv2)
    const voucherOnSolo = voucherDenom('transfer/to-metro/ucity')
    assert.equal(balance(A, soloCitizen.publicKey, voucherOnSolo), 250n)
    // a second delivery is a no-op
    await ok(A, A.relayer, [{ type: 'bridge/recv-packet', value: { packet: packetValue(p2), proof: commitProof.proof, proof_height: send2.height } }])
    assert.equal(balance(A, soloCitizen.publicKey, voucherOnSolo), 250n)
    // ack on metro, proved against the solo city's header
    const hA2 = await updateToSolo()
    const ackOnMetro = await cometExec(rpc, mSigner, metroRelayer, [{ type: 'bridge/acknowledge', value: { packet: packetValue(p2), ack: ack2, proof: storeProof(A, k(`acks/to-metro/${p2.sequence}`), hA2).proof, proof_height: hA2 } }])
    assert.equal(ackOnMetro.code, 0, ackOnMetro.log)
    const escrowMetro = JSON.parse(Buffer.from((await rpc.abciQuery('bridge/escrow', utf8(JSON.stringify({ client_id: 'to-solo' })))).response.value, 'base64').toString())
    assert.equal(escrowMetro.amount, '250')
    const commitment = JSON.parse(Buffer.from((await rpc.abciQuery('bridge/packet', utf8(JSON.stringify({ client_id: 'to-solo', sequence: '1' })))).response.value, 'base64').toString())
    assert.equal(commitment.commitment, null)
  } finally {
    await A.engine.stop()
    A.dir.remove()
    await net.cleanup()
  }
})
