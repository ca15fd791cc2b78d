/**
 * The pluggable function that links block headers. A chain's genesis names it
 * (consensus.hash = { name, params }); nodes and light clients of that chain use it for every link.
 */
import { fail } from '../base/errors.js'
import { sha256 } from './hash.js'
import { qhf, validateQhfParams } from './qhf/index.js'

/** A chain's choice of header hash, as its genesis names it (consensus.hash). */
export interface HashChoice { name: string; params?: Record<string, unknown> }

export type HeaderHasher = (bytes: Uint8Array) => Uint8Array

export interface HeaderHashFactory {
  /** Checks the genesis parameters (throws PolisError('invalid_genesis')) and returns the hasher. */
  create(params: Record<string, unknown> | undefined): HeaderHasher
}

const registry = new Map<string, HeaderHashFactory>([
  ['sha256', { create: (params) => {
    if (params && Object.keys(params).length) fail('invalid_genesis', 'sha256 takes no parameters')
    return (b) => sha256(b)
  } }],
  ['qhf', { create: (params) => {
    const p = validateQhfParams(params)
    if (p.hashBits !== 256) fail('invalid_genesis', 'qhf.hashBits must be 256 to link headers (header hashes are 32 bytes)')
    return (b) => qhf(b, p)
  } }],
])

export function registerHeaderHash(name: string, factory: HeaderHashFactory): void {
  registry.set(name, factory)
}

export function headerHasher(choice: HashChoice = { name: 'sha256' }): HeaderHasher {
  const f = registry.get(choice.name)
  if (!f) fail('invalid_genesis', `unknown header hash "${choice.name}" (known: ${[...registry.keys()].join(', ')})`)
  return f.create(choice.params)
}
