/**
 * Transactions: canonical CBOR, Ed25519-signed. See docs/ENCODING.md for the byte-level spec.
 *
 *   Tx       = [ bodyBytes: bstr, signature: bstr(64) ]           (CBOR array of 2)
 *   TxBody   = { "chain_id": tstr, "sender": bstr(32), "nonce": uint, "msgs": [+ Msg], ? "memo": tstr }
 *   Msg      = { "type": tstr, "value": { * tstr => any } }
 *   signBytes = "polis/tx/v1" || 0x00 || bodyBytes
 *   txHash   = SHA-256(Tx bytes)
 */
import { decodeCanonical, encodeCanonical, type CborValue } from '../codec/cbor.js'
import { PolisError } from '../base/errors.js'
import { sha256 } from '../crypto/hash.js'
import { concatBytes, utf8 } from '../base/bytes.js'
import type { KeyPair } from '../crypto/keys.js'

export const SIGN_DOMAIN = utf8('polis/tx/v1\0')
export const MAX_TX_BYTES = 64 * 1024
export const MAX_MSGS_PER_TX = 32
export const MAX_MEMO_BYTES = 256

export interface Msg { type: string; value: { [key: string]: CborValue } }

export interface TxBody {
  chainId: string
  sender: Uint8Array
  nonce: bigint
  msgs: Msg[]
  memo?: string
}

export interface DecodedTx {
  body: TxBody
  bodyBytes: Uint8Array
  signature: Uint8Array
  bytes: Uint8Array
  hash: Uint8Array
}

export function encodeBody(body: TxBody): Uint8Array {
  const m: { [k: string]: CborValue } = {
    chain_id: body.chainId,
    sender: body.sender,
    nonce: body.nonce,
    msgs: body.msgs.map((x) => ({ type: x.type, value: x.value })),
  }
  if (body.memo !== undefined && body.memo !== '') m.memo = body.memo
  return encodeCanonical(m)
}

export function signBytes(bodyBytes: Uint8Array): Uint8Array {
  return concatBytes(SIGN_DOMAIN, bodyBytes)
}

export function signTx(body: TxBody, key: KeyPair): Uint8Array {
  const bodyBytes = encodeBody(body)
  const signature = key.sign(signBytes(bodyBytes))
  return encodeCanonical([bodyBytes, signature])
}

export function txHash(tx: Uint8Array): Uint8Array {
  return sha256(tx)
}

function bad(msg: string): never {
  throw new PolisError('tx_decode', msg)
}

/**
 * Decodes and structurally validates a transaction. Does not check the signature or state.
 * `hash`: the caller's txHash(bytes), if it has computed it already.
 */
export function decodeTx(bytes: Uint8Array, hash?: Uint8Array): DecodedTx {
  if (bytes.length > MAX_TX_BYTES) throw new PolisError('tx_too_large', `transaction is ${bytes.length} bytes; the limit is ${MAX_TX_BYTES}`)
  const outer = decodeCanonical(bytes)
  if (!Array.isArray(outer) || outer.length !== 2) bad('a transaction is a CBOR array [body, signature]')
  const [bodyBytes, signature] = outer
  if (!(bodyBytes instanceof Uint8Array)) bad('body must be a byte string')
  if (!(signature instanceof Uint8Array) || signature.length !== 64) bad('signature must be 64 bytes')
  const b = decodeCanonical(bodyBytes)
  if (typeof b !== 'object' || b === null || Array.isArray(b) || b instanceof Uint8Array) bad('body must be a map')
  for (const k of Object.keys(b)) if (!['chain_id', 'sender', 'nonce', 'msgs', 'memo'].includes(k)) bad(`unknown body field "${k}"`)
  const { chain_id, sender, nonce, msgs, memo } = b
  if (typeof chain_id !== 'string' || chain_id.length === 0 || chain_id.length > 64) bad('chain_id must be a string of 1..64 characters')
  if (!(sender instanceof Uint8Array) || sender.length !== 32) bad('sender must be a 32-byte Ed25519 public key')
  if (!((typeof nonce === 'number' && nonce >= 0) || (typeof nonce === 'bigint' && nonce >= 0n))) bad('nonce must be an unsigned integer')
  if (!Array.isArray(msgs) || msgs.length === 0 || msgs.length > MAX_MSGS_PER_TX) bad(`msgs must hold 1..${MAX_MSGS_PER_TX} messages`)
  if (memo !== undefined && (typeof memo !== 'string' || utf8(memo).length > MAX_MEMO_BYTES)) bad(`memo must be a string of at most ${MAX_MEMO_BYTES} bytes`)
  const parsed: Msg[] = msgs.map((m, i) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m) || m instanceof Uint8Array) bad(`msgs[${i}] must be a map`)
    const keys = Object.keys(m)
    if (keys.length !== 2 || typeof m.type !== 'string' || typeof m.value !== 'object' || m.value === null || Array.isArray(m.value) || m.value instanceof Uint8Array) {
      bad(`msgs[${i}] must be {type: string, value: map}`)
    }
    return { type: m.type, value: m.value as { [key: string]: CborValue } }
  })
  const body: TxBody = { chainId: chain_id, sender, nonce: BigInt(nonce), msgs: parsed }
  if (typeof memo === 'string') body.memo = memo
  return { body, bodyBytes, signature, bytes, hash: hash ?? txHash(bytes) }
}
