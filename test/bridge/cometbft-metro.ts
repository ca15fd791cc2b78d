/** The app state of a test CometBFT city for the bridge: authority, validators, one funded citizen and a relayer (keys from testnetKey(seed, …)). */
import { toHex } from '../../src/base/bytes.js'
import { testnetKey } from '../../src/network/cometbft-testnet.js'

export function metroAppState(seed: string, validators: number): Record<string, unknown> {
  const key = (label: string) => testnetKey(seed, label)
  return {
    identity: {
      accounts: [
        { pub_key: toHex(key('authority').publicKey), roles: ['authority'] },
        ...Array.from({ length: validators }, (_, i) => ({ pub_key: toHex(key(`node${i}/validator`).publicKey), roles: ['validator'] })),
        { pub_key: toHex(key('citizen/0').publicKey), roles: ['citizen'] },
        { pub_key: toHex(key('relayer').publicKey), roles: ['relayer'] },
      ],
    },
    bank: { denom: 'ucity', balances: [{ address: toHex(key('citizen/0').publicKey), amount: '500000' }] },
  }
}
