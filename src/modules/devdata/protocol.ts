/**
 * The devices' side of the exchange (off chain): tag a payload before sending, check a received
 * payload against the record the chain holds. QHF parameters are the chain's (genesis).
 */
import { qhf, QHF_DEFAULT_PARAMS, type QhfParams } from '../../crypto/qhf/index.js'
import { bytesEqual } from '../../base/bytes.js'
import type { DataRecord } from './keeper.js'

export function tagPayload(payload: Uint8Array, params: QhfParams = QHF_DEFAULT_PARAMS): Uint8Array {
  return qhf(payload, params)
}

/** True when `payload` is exactly the data whose tag and size the sender anchored. */
export function payloadMatches(payload: Uint8Array, record: Pick<DataRecord, 'tag' | 'size'>, params: QhfParams = QHF_DEFAULT_PARAMS): boolean {
  return BigInt(payload.length) === record.size && bytesEqual(qhf(payload, params), record.tag)
}
