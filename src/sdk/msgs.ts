/**
 * Builders of the ledger's messages (docs/ENCODING.md, "Messages of the ledger core"), over the
 * modules' typed builders (each module's types.ts). Addresses are accepted as raw public keys,
 * 64-hex strings or key pairs; amounts as bigint, safe integers or decimal strings.
 */
import type { Msg } from '../app/tx.js'
import { PolisError } from '../base/errors.js'
import { fromHex } from '../base/bytes.js'
import type { KeyPair } from '../crypto/keys.js'
import { bankMsgs } from '../modules/bank/types.js'
import { identityMsgs } from '../modules/identity/types.js'

export type { Msg } from '../app/tx.js'
export type AddressLike = Uint8Array | string | KeyPair
export type AmountLike = bigint | number | string

export function toAddress(a: AddressLike, what = 'address'): Uint8Array {
  if (a instanceof Uint8Array) {
    if (a.length !== 32) throw new PolisError('invalid_request', `${what} must be 32 bytes`)
    return a
  }
  if (typeof a === 'string') {
    if (!/^[0-9a-fA-F]{64}$/.test(a)) throw new PolisError('invalid_request', `${what} must be 64 hex characters, got "${a.length > 80 ? a.slice(0, 80) + '…' : a}"`)
    return fromHex(a.toLowerCase())
  }
  if (a && a.publicKey instanceof Uint8Array) return toAddress(a.publicKey, what)
  throw new PolisError('invalid_request', `${what} must be a public key, 64-hex string or key pair`)
}

const U64_MAX = (1n << 64n) - 1n

export function toAmount(a: AmountLike, what = 'amount', opts: { positive?: boolean } = { positive: true }): bigint {
  let n: bigint
  if (typeof a === 'bigint') n = a
  else if (typeof a === 'number' && Number.isSafeInteger(a)) n = BigInt(a)
  else if (typeof a === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(a.trim())) n = BigInt(a.trim())
  else throw new PolisError('invalid_request', `${what} must be a whole number (e.g. 100), got "${String(a)}"`)
  if (n < 0n || n > U64_MAX) throw new PolisError('invalid_request', `${what} must be between 0 and ${U64_MAX}`)
  if (opts.positive && n === 0n) throw new PolisError('invalid_request', `${what} must be positive`)
  return n
}

function meta(m: Uint8Array | string | undefined): Uint8Array | undefined {
  if (m === undefined) return undefined
  const b = typeof m === 'string' ? (/^[0-9a-fA-F]{64}$/.test(m) ? fromHex(m.toLowerCase()) : undefined) : m
  if (!b || b.length !== 32) throw new PolisError('invalid_request', 'meta must be a 32-byte commitment (64 hex characters)')
  return b
}

export const bank = {
  send(to: AddressLike, amount: AmountLike, denom?: string): Msg {
    return bankMsgs.send({ to: toAddress(to, 'recipient'), amount: toAmount(amount), denom })
  },
  mint(to: AddressLike, amount: AmountLike): Msg {
    return bankMsgs.mint({ to: toAddress(to, 'recipient'), amount: toAmount(amount) })
  },
  burn(amount: AmountLike, denom?: string): Msg {
    return bankMsgs.burn({ amount: toAmount(amount), denom })
  },
}

export const identity = {
  register(pubKey: AddressLike, roles: string[], metaCommitment?: Uint8Array | string): Msg {
    return identityMsgs.register({ pubKey: toAddress(pubKey, 'pub_key'), roles, meta: meta(metaCommitment) })
  },
  registerDevice(pubKey: AddressLike, metaCommitment?: Uint8Array | string): Msg {
    return identityMsgs.registerDevice({ pubKey: toAddress(pubKey, 'pub_key'), meta: meta(metaCommitment) })
  },
  grantRole(pubKey: AddressLike, role: string): Msg {
    return identityMsgs.grantRole({ pubKey: toAddress(pubKey, 'pub_key'), role })
  },
  revokeRole(pubKey: AddressLike, role: string): Msg {
    return identityMsgs.revokeRole({ pubKey: toAddress(pubKey, 'pub_key'), role })
  },
  revoke(pubKey: AddressLike, reason?: string): Msg {
    return identityMsgs.revoke({ pubKey: toAddress(pubKey, 'pub_key'), reason })
  },
}
