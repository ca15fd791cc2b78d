/** The test kit's transaction signer (for tests, benchmarks and simulations): per-key nonces tracked locally. */
import type { KeyPair } from '../crypto/keys.js'
import { toHex } from '../base/bytes.js'
import { signTx, type Msg } from '../app/tx.js'
import { bankMsgs } from '../modules/bank/types.js'

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
    return this.tx(from, [bankMsgs.send({ to: toPk, amount })])
  }
}
