/**
 * Validator-set changes by governance on a real 4-validator CometBFT city, while transfers flow:
 * the authority registers a fifth key with identity, starts its node, which joins by state sync
 * (restoring the others' snapshot, executing no block below it), and gives it power (CometBFT
 * makes it a validator and it signs); removes another validator (then its node is stopped: the
 * chain does not need it); re-weights one; a change removing a third or more at once is refused
 * with a typed error. The chain keeps committing every transfer, and a solo city's `cometbft`
 * light client of this city follows it across the changes by bisection (the relayer's update
 * path, verified again on chain). Then a halt height: every validator stops cleanly at H and is
 * not restarted; started again, the chain continues.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex } from '../../src/base/bytes.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { Testnet, generateTestnet, testnetKey, testnetPorts } from '../../src/network/cometbft-testnet.js'
import { startNode } from '../../src/node/node.js'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { bank } from '../../src/sdk/msgs.js'
import { identityMsgs } from '../../src/modules/identity/types.js'
import { validatorsMsgs } from '../../src/modules/validators/index.js'
import { cometUpdatePath, createCometClientMsg, CometHeaderSource } from '../../src/agents/relayer/cometbft-headers.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { freeBasePort, freePort } from '../../src/kit/free-port.js'
import type { Msg } from '../../src/app/tx.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { missingCometbft, until } from './net.js'

const SEED = 'valchange'
/** every App makes a state-sync snapshot every this many blocks (the fifth validator joins from one) */
const SNAPSHOT_INTERVAL = 40
const key = (label: string) => testnetKey(SEED, label)


test('validator-set changes by governance on a live 4-validator city; a light client follows', { skip: missingCometbft(), timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'polis-valchange-'))
  // room for a fifth node on the next block of ports
  const base = await freeBasePort((b) => testnetPorts(b, 5))
  generateTestnet({ out: dir, validators: 4, chainId: 'val-city', keySeed: SEED, citizens: 4, basePort: base })
  const apiPort = await freePort()
  const tn = new Testnet(dir, { apiPort: (i) => (i === 0 ? apiPort : undefined), snapshotInterval: SNAPSHOT_INTERVAL, log: process.env.POLIS_TEST_VERBOSE ? (m) => console.log(m) : undefined })
  const soloRelayer = testKey('valchange/solo-relayer')
  const solo = testCity({ chainId: 'solo-city', citizens: 1, accounts: [{ key: soloRelayer, roles: ['relayer'] }] })
  const soloDir = tmpDir('valchange-solo')
  const node = await startNode({ dataDir: soloDir.path, genesis: solo.genesis, validatorKey: solo.validator, port: 0, blockIntervalMs: 20, logLevel: 'silent' })
  let flowing = true
  let flowError: Error | undefined
  let flow: Promise<number> | undefined
  try {
    await tn.start()
    const city = new PolisClient(`http://127.0.0.1:${apiPort}`)
    const soloApi = new PolisClient(node.url)
    await until('the city API', async () => ((await city.height()) >= 1n ? true : undefined))
    const rpc = tn.rpc(0)
    const source = new CometHeaderSource(rpc)
    const authority = key('authority')
    const submit = (who: KeyPair, msgs: Msg[]) => city.signAndSubmit(who, msgs, { allowFailure: true })
    const cometValidators = async () => ((await rpc.validators()).validators as Array<{ pub_key: { value: string }; voting_power: string }>)
      .map((v) => [Buffer.from(v.pub_key.value, 'base64').toString('hex'), v.voting_power]).sort()
    const val = (i: number) => key(`node${i}/validator`)

    // the solo city follows this one: a cometbft client anchored at a light block of the 4-validator set
    const { msg: create, lightBlock: anchor } = await createCometClientMsg(source.provider, { clientId: 'val-city', counterpartyClient: 'solo-city' })
    assert.equal(anchor.validatorSet.validators.length, 4)
    assert.ok((await soloApi.signAndSubmit(solo.authority, [create])).ok)

    // transfers flow all along, one citizen after the other
    const citizens = [0, 1, 2, 3].map((i) => key(`citizen/${i}`))
    flow = (async () => {
      let n = 0
      while (flowing) {
        const from = citizens[n % 4]!
        const r = await city.signAndSubmit(from, [bank.send(citizens[(n + 1) % 4]!.publicKey, 1n)]).catch((e: Error) => {
          flowError = e
          throw e
        })
        assert.ok(r.ok, r.log)
        n++
      }
      return n
    })()

    // 1. a fifth validator: key registered first, node started (it follows), then power
    const fifth = testKey('valchange/fifth')
    const refusedUnregistered = await submit(authority, [validatorsMsgs.set({ pubKey: fifth.publicKey, power: 10n })])
    assert.equal(refusedUnregistered.code, ErrorCodes.validator_key_unregistered, refusedUnregistered.log)
    assert.ok((await submit(authority, [identityMsgs.register({ pubKey: fifth.publicKey, roles: ['validator'] })])).ok)
    // it joins by state sync: a snapshot the others made, a trust anchor learned out of band
    await until('a snapshot on node0', async () => (/snapshot of height \d+: \d+ chunks/.test(readFileSync(join(tn.nodeDir(0), 'logs', 'app.log'), 'utf8')) ? true : undefined))
    const trustHeight = (await rpc.height()) - 1n
    const trustHash = String((await rpc.block(trustHeight)).block_id.hash)
    const i5 = tn.addNode({
      validatorKey: fifth,
      config: {
        'statesync.enable': true, 'statesync.rpc_servers': `${rpc.url},${tn.rpc(2).url}`, 'statesync.trust_height': Number(trustHeight),
        'statesync.trust_hash': trustHash, 'statesync.trust_period': '168h0m0s', 'statesync.discovery_time': '5s',
      },
    })
    await tn.startNode(i5)
    await until('the fifth node to catch up', async () => {
      const st = await tn.rpc(i5).status()
      return !st.sync_info.catching_up && BigInt(st.sync_info.latest_block_height) >= (await rpc.height()) - 1n ? true : undefined
    })
    const log5 = readFileSync(join(tn.nodeDir(i5), 'logs', 'app.log'), 'utf8')
    const restored = /restored the snapshot of height (\d+), app hash ([0-9a-f]+)/.exec(log5)
    assert.ok(restored, log5.slice(0, 3000))
    const at = BigInt(restored[1]!)
    assert.equal(at % BigInt(SNAPSHOT_INTERVAL), 0n)
    assert.equal(restored[2], String((await rpc.block(at + 1n)).block.header.app_hash).toLowerCase())
    const executed5 = [...log5.matchAll(/committed height (\d+)/g)].map((m) => BigInt(m[1]!))
    assert.ok(executed5.every((h) => h > at), `the fifth node executed block ${executed5[0]}, below its snapshot ${at}`)
    const added = await submit(authority, [validatorsMsgs.set({ pubKey: fifth.publicKey, power: 10n })])
    assert.ok(added.ok, added.log)
    await until('CometBFT to apply the fifth validator', async () => ((await cometValidators()).length === 5 ? true : undefined))
    const fifthAddr = tn.manifest.nodes[i5]!.validatorAddress
    await until('the fifth validator to sign a block', async () => {
      const c = await rpc.commit()
      return (c.signed_header.commit.signatures as Array<{ validator_address: string }>).some((s) => s.validator_address === fifthAddr) ? true : undefined
    })

    // 2. a change removing a third or more at once is refused, typed, and changes nothing
    const tooMuch = await submit(authority, [validatorsMsgs.remove({ pubKey: val(1).publicKey }), validatorsMsgs.remove({ pubKey: val(2).publicKey })])
    assert.equal(tooMuch.code, ErrorCodes.unsafe_validator_change, tooMuch.log)
    assert.equal((await cometValidators()).length, 5)
    const citizenTry = await submit(citizens[0]!, [validatorsMsgs.remove({ pubKey: val(1).publicKey })]).catch((e: { code?: number }) => ({ code: e.code }))
    assert.equal(citizenTry.code, ErrorCodes.unauthorized)

    // 3. remove node1's validator, then stop node1: the chain does not need it
    const removed = await submit(authority, [validatorsMsgs.remove({ pubKey: val(1).publicKey })])
    assert.ok(removed.ok, removed.log)
    await until('CometBFT to drop node1', async () => ((await cometValidators()).some(([k]) => k === toHex(val(1).publicKey)) ? undefined : true))
    await tn.stopNode(1)

    // 4. re-weight node0
    const reweighted = await submit(authority, [validatorsMsgs.set({ pubKey: val(0).publicKey, power: 15n })])
    assert.ok(reweighted.ok, reweighted.log)
    await until('CometBFT to re-weight node0', async () => ((await cometValidators()).some(([k, p]) => k === toHex(val(0).publicKey) && p === '15') ? true : undefined))
    assert.equal(flowError, undefined)
    const changedAt = await rpc.height()
    assert.deepEqual(await cometValidators(), [
      [toHex(val(0).publicKey), '15'], [toHex(val(2).publicKey), '10'], [toHex(val(3).publicKey), '10'], [toHex(fifth.publicKey), '10'],
    ].sort())
    // the module's view is the same set
    const set = await city.query<{ validators: Array<{ pub_key: string; power: string }> }>('validators', 'set')
    assert.deepEqual(set.validators.map((v) => [v.pub_key, v.power]).sort(), await cometValidators())

    // the chain keeps committing: more transfers after the changes
    const h = await rpc.height()
    await until('more blocks', async () => ((await rpc.height()) >= h + 3n ? true : undefined))
    flowing = false
    const sent = await flow
    flow = undefined
    assert.ok(sent > 0)

    // 5. the solo city's light client follows across every change, by bisection from its anchor
    const latest = await rpc.height()
    const { msgs, target } = await cometUpdatePath(source.provider, 'val-city', anchor.signedHeader.header.height, { target: latest, trustingPeriodMs: 14n * 24n * 3600n * 1000n })
    assert.ok(target.signedHeader.header.height >= changedAt)
    for (const m of msgs) {
      const r = await soloApi.signAndSubmit(soloRelayer, [m], { allowFailure: true })
      assert.ok(r.ok, r.log)
    }
    const client = await soloApi.query<{ latest_height: string }>('bridge', 'client', { client_id: 'val-city' })
    assert.equal(BigInt(client.latest_height), latest)

    // 6. a halt height set by governance: every validator stops cleanly after committing H, and
    // none is restarted by the supervisor; started again (the upgraded binary), the chain goes on
    const running = [0, 2, 3, i5]
    const H = (await rpc.height()) + 3n
    assert.ok((await submit(authority, [validatorsMsgs.setHaltHeight({ height: H })])).ok)
    await until('every validator to stop at the halt height', async () => {
      if (running.every((i) => tn.halted(i) && !tn.isRunning(i))) return true
      await city.signAndSubmit(citizens[0]!, [bank.send(citizens[1]!.publicKey, 1n)], { wait: false }).catch(() => undefined)
      return undefined
    })
    for (const i of running) {
      const log = readFileSync(join(tn.nodeDir(i), 'logs', 'app.log'), 'utf8')
      const commits = [...log.matchAll(/committed height (\d+)/g)].map((m) => BigInt(m[1]!))
      assert.equal(commits.at(-1), H, `node${i} stopped at ${commits.at(-1)}`)
      assert.match(log, new RegExp(`halt height ${H} reached`))
    }
    for (const i of running) await tn.startNode(i)
    await until('the city API again', async () => ((await city.height()) >= H ? true : undefined))
    const after = await city.signAndSubmit(citizens[0]!, [bank.send(citizens[1]!.publicKey, 1n)], { allowFailure: true })
    assert.ok(after.ok, after.log)
    assert.ok(after.height > H)
  } finally {
    flowing = false
    await flow?.catch(() => undefined)
    await node.stop()
    soloDir.remove()
    await tn.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
