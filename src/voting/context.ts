/**
 * What every ballot and tally operation of one election needs: its manifest, the manifest's hash
 * and the joint public key (with its multiplication table built once).
 */
import { PolisError } from '../base/errors.js'
import { decodePoint, fixedBase, type Point } from './group.js'
import { electionHash, type Manifest } from './manifest.js'

export interface ElectionContext {
  readonly manifest: Manifest
  readonly electionHash: Uint8Array
  /** The joint public key K from the DKG. */
  readonly publicKey: Point
}

export function electionContext(manifest: Manifest, jointKey: Point | Uint8Array): ElectionContext {
  const K = jointKey instanceof Uint8Array ? decodePoint(jointKey, 'joint public key') : jointKey
  if (K.is0()) throw new PolisError('invalid_message', 'joint public key: the identity element is not allowed here')
  return { manifest, electionHash: electionHash(manifest), publicKey: fixedBase(K) }
}
