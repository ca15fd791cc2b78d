/**
 * The test kit's genesis builder (the kit serves tests, benchmarks and simulations alike; nothing in
 * it imports from test/): deterministic keys from labels, and a city genesis with an authority, a
 * validator, funded citizens and any further accounts and app_state sections.
 *
 *   const city = testCity({ chainId: 'a-city', citizens: 4, accounts: [{ key: clerk, roles: ['water'] }] })
 *   const genesis = cityGenesis({ chainId, genesisTime, authority, validator, citizens, balance })
 */
import { keyPairFromSeed, type KeyPair } from '../crypto/keys.js'
import { sha256 } from '../crypto/hash.js'
import { toHex, utf8 } from '../base/bytes.js'
import type { Genesis } from '../app/genesis.js'

/** 2026-01-01T00:00:00Z, the genesis time of test cities. */
export const TEST_GENESIS_TIME = 1767225600000n

/** A deterministic key: the seed is SHA-256 of the label. */
export function testKey(label: string): KeyPair {
  return keyPairFromSeed(sha256(utf8(label)))
}

/** An account with roles and no balance (a department clerk, a relayer, an RSU, …). */
export interface ExtraAccount { key: KeyPair; roles: string[] }

export interface CityGenesisOptions {
  chainId: string
  /** ms since epoch. */
  genesisTime: bigint
  authority: KeyPair
  validator: KeyPair
  citizens: KeyPair[]
  /** Every citizen's opening balance. */
  balance: bigint
  denom?: string
  /** Accounts after the citizens, in this order. */
  accounts?: ExtraAccount[]
  /** Further app_state sections (complaints, energy, transport, …), after identity and bank. */
  appState?: Record<string, unknown>
}

/** One validator (power 10); identity: authority, validator, citizens, then `accounts`; bank: the citizens funded. */
export function cityGenesis(o: CityGenesisOptions): Genesis {
  const account = (k: KeyPair, roles: string[]) => ({ pub_key: toHex(k.publicKey), roles })
  return {
    chain_id: o.chainId,
    genesis_time: o.genesisTime.toString(),
    validators: [{ name: 'v0', pub_key: toHex(o.validator.publicKey), power: '10' }],
    app_state: {
      identity: {
        accounts: [
          account(o.authority, ['authority']),
          account(o.validator, ['validator']),
          ...o.citizens.map((c) => account(c, ['citizen'])),
          ...(o.accounts ?? []).map((a) => account(a.key, a.roles)),
        ],
      },
      bank: { denom: o.denom ?? 'ucity', balances: o.citizens.map((c) => ({ address: toHex(c.publicKey), amount: o.balance.toString() })) },
      ...o.appState,
    },
  }
}

export interface TestCity {
  chainId: string
  authority: KeyPair
  validator: KeyPair
  citizens: KeyPair[]
  genesis: Genesis
}

/** A city whose keys derive from its chain id ("<chainId>/authority", "<chainId>/citizen/<i>", …). */
export function testCity(opts: { chainId?: string; citizens?: number; balance?: bigint; accounts?: ExtraAccount[]; appState?: Record<string, unknown>; extra?: Partial<Genesis> } = {}): TestCity {
  const chainId = opts.chainId ?? 'test-city'
  const authority = testKey(chainId + '/authority')
  const validator = testKey(chainId + '/validator')
  const citizens = Array.from({ length: opts.citizens ?? 4 }, (_, i) => testKey(`${chainId}/citizen/${i}`))
  const genesis: Genesis = {
    ...cityGenesis({ chainId, genesisTime: TEST_GENESIS_TIME, authority, validator, citizens, balance: opts.balance ?? 1_000_000n, accounts: opts.accounts, appState: opts.appState }),
    ...opts.extra,
  }
  return { chainId, authority, validator, citizens, genesis }
}
