// The genesis comparison a state-syncing node makes against its peers (src/engine/cometbft/peer-genesis.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compareGenesis, statesyncRpcServers, type CometGenesisDoc } from '../../src/engine/cometbft/peer-genesis.js'
import { PolisError } from '../../src/base/errors.js'

const base: CometGenesisDoc = {
  chain_id: 'city', genesis_time: '2026-01-01T00:00:00Z', initial_height: '1', app_hash: '',
  validators: [{ pub_key: { value: 'AAAA' }, power: '10' }], app_state: { bank: { balances: [{ amount: '5' }] }, a: 1 },
  consensus_params: { version: { app: '1' } },
}
const refused = (theirs: CometGenesisDoc, name: string, msg: RegExp) =>
  assert.throws(() => compareGenesis(base, theirs, 'http://peer'), (e: unknown) => e instanceof PolisError && e.errorName === name && msg.test(e.message))

test('the same genesis as CometBFT re-serializes it is accepted', () => {
  // RPC answers: times with fractional zeros, numbers as strings, object keys in another order
  compareGenesis(base, { ...base, genesis_time: '2026-01-01T00:00:00.000000000Z', initial_height: 1, app_state: { a: 1, bank: { balances: [{ amount: '5' }] } }, consensus_params: { version: { app: 1 } } }, 'p')
})

test('another chain id, validators, state, time or App version is refused with its name', () => {
  refused({ ...base, chain_id: 'other' }, 'wrong_chain_id', /genesis is of chain "city", its peer http:\/\/peer runs chain "other"/)
  refused({ ...base, validators: [{ pub_key: { value: 'AAAA' }, power: '11' }] }, 'invalid_genesis', /differs from its peer http:\/\/peer's in validators$/)
  refused({ ...base, app_state: { a: 2, bank: { balances: [{ amount: '5' }] } } }, 'invalid_genesis', /in app_state$/)
  refused({ ...base, genesis_time: '2026-01-01T00:00:01Z', consensus_params: { version: { app: '2' } } }, 'invalid_genesis', /in genesis_time, App version$/)
})

test('statesync.rpc_servers is read only when state sync is on', () => {
  const toml = (enable: boolean) => `[rpc]\nladdr = "tcp://x"\nrpc_servers = "no"\n\n[statesync]\nenable = ${enable}\nrpc_servers = "http://a:1, http://b:2,http://a:1"\n\n[blocksync]\nversion = "v0"\n`
  assert.deepEqual(statesyncRpcServers(toml(true)), ['http://a:1', 'http://b:2'])
  assert.deepEqual(statesyncRpcServers(toml(false)), [])
  assert.deepEqual(statesyncRpcServers(''), [])
})
