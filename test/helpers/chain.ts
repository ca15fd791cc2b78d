import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { keyPairFromSeed, type KeyPair } from '../../src/crypto/keys.js'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { signTx, type Msg } from '../../src/app/tx.js'
import type { Genesis } from '../../src/app/genesis.js'

export function tmpDir(name = 'polis-test'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), name + '-'))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** Deterministic test keys: the seed is SHA-256 of the label. */
export function testKey(label: string): KeyPair {
  return keyPairFromSeed(sha256(utf8(label)))
}

export interface TestCity {
  chainId: string
  authority: KeyPair
  validator: KeyPair
  citizens: KeyPair[]
  genesis: Genesis
}

export function testCity(opts: { chainId?: string; citizens?: number; balance?: bigint; extra?: Partial<Genesis> } = {}): TestCity {
  const chainId = opts.chainId ?? 'test-city'
  const authority = testKey(chainId + '/authority')
  const validator = testKey(chainId + '/validator')
  const citizens = Array.from({ length: opts.citizens ?? 4 }, (_, i) => testKey(`${chainId}/citizen/${i}`))
  const balance = opts.balance ?? 1_000_000n
  const genesis: Genesis = {
    chain_id: chainId,
    genesis_time: '1767225600000',
    validators: [{ name: 'v0', pub_key: toHex(validator.publicKey), power: '10' }],
    app_state: {
      identity: {
        accounts: [
          { pub_key: toHex(authority.publicKey), roles: ['authority'] },
          { pub_key: toHex(validator.publicKey), roles: ['validator'] },
          ...citizens.map((c) => ({ pub_key: toHex(c.publicKey), roles: ['citizen'] })),
        ],
      },
      bank: { denom: 'ucity', balances: citizens.map((c) => ({ address: toHex(c.publicKey), amount: balance.toString() })) },
    },
    ...opts.extra,
  }
  return { chainId, authority, validator, citizens, genesis }
}

/** Signs transactions with per-key nonces tracked locally. */
export class Signer {
  private readonly nonces = new Map<string, bigint>()
  constructor(readonly chainId: string) {}

  tx(key: KeyPair, msgs: Msg[], opts: { nonce?: bigint; chainId?: string } = {}): Uint8Array {
    const k = toHex(key.publicKey)
    const nonce = opts.nonce ?? this.nonces.get(k) ?? 0n
    if (opts.nonce === undefined) this.nonces.set(k, nonce + 1n)
    return signTx({ chainId: opts.chainId ?? this.chainId, sender: key.publicKey, nonce, msgs }, key)
  }

  send(from: KeyPair, to: KeyPair | Uint8Array, amount: bigint): Uint8Array {
    const toPk = to instanceof Uint8Array ? to : to.publicKey
    return this.tx(from, [{ type: 'bank/send', value: { to: toPk, amount } }])
  }
}
