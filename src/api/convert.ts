/** Ledger values as API JSON: bigints as decimal strings, bytes as lowercase hex. */
import type { StoredTxResult } from '../app/tx-results.js'
import type { AppEvent } from '../app/types.js'
import { PolisError } from '../base/errors.js'
import { fromHex, toHex } from '../base/bytes.js'
import { encodeHeader, type Header, type SignedHeader } from '../lightclient/solo-header.js'

export function headerJson(h: Header) {
  return {
    chain_id: h.chainId,
    height: h.height.toString(),
    time: h.time.toString(),
    prev_hash: toHex(h.prevHash),
    app_hash: toHex(h.appHash),
    txs_hash: toHex(h.txsHash),
    results_hash: toHex(h.resultsHash),
    validators_hash: toHex(h.validatorsHash),
    proposer: toHex(h.proposer),
    hash_alg: h.hashAlg,
  }
}

export function signedHeaderJson(s: SignedHeader) {
  return {
    height: s.header.height.toString(),
    hash: toHex(s.hash),
    header: headerJson(s.header),
    header_cbor: toHex(encodeHeader(s.header)),
    signature: toHex(s.signature),
  }
}

export const eventsJson = (events: AppEvent[]) => events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value })) }))

export function committedJson(r: StoredTxResult) {
  return { hash: toHex(r.hash), status: 'committed' as const, height: r.height.toString(), index: r.index, code: r.code, log: r.log, events: eventsJson(r.events) }
}

/** Hex that the route schema has already checked, as bytes (a copy, never a view of a pooled buffer). */
export function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

export function parseHex(hex: string, what: string, len?: number): Uint8Array {
  let b: Uint8Array
  try {
    b = fromHex(hex)
  } catch {
    throw new PolisError('invalid_request', `${what} must be hex`)
  }
  if (len !== undefined && b.length !== len) throw new PolisError('invalid_request', `${what} must be ${len} bytes`)
  return b
}

/** A height from a path or query (schema-checked decimal); `undefined` stays undefined. */
export function parseHeight(s: string | undefined): bigint | undefined {
  if (s === undefined) return undefined
  const h = BigInt(s)
  if (h > 0xffff_ffff_ffff_ffffn) throw new PolisError('invalid_request', 'height is out of range')
  return h
}
