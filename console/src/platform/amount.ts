/** Browser version of src/codec/amount.ts for the console bundle: the byte conversions without Buffer. */
import { PolisError } from '../../../src/base/errors.ts'
import { fromHex, toHex } from './bytes.ts'

export { MAX_U64, parseAmount } from '../../../src/codec/amount.ts'

export function amountToBytes(a: bigint): Uint8Array {
  if (a < 0n) throw new PolisError('invalid_state', 'negative amount')
  if (a === 0n) return new Uint8Array(0)
  let hex = a.toString(16)
  if (hex.length % 2) hex = '0' + hex
  return fromHex(hex)
}

export function amountFromBytes(b: Uint8Array | undefined): bigint {
  if (!b || b.length === 0) return 0n
  return BigInt('0x' + toHex(b))
}
