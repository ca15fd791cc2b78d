/**
 * The root an ICS-23 existence proof of the IAVL-style store computes, without the library's
 * per-step array copies and its JavaScript SHA-256 (node:crypto instead), and with the upper path
 * that neighbouring keys share hashed once: a batch transaction proves many adjacent keys against
 * one app hash, and their paths join a few levels above their leaves.
 *
 * Sharing is exact, not trusting: once a proof has been found to compute `root`, every hash on its
 * path is remembered with the ops from there up. A later proof that reaches one of those hashes and
 * whose own remaining ops are byte-identical to the remembered ones computes that same root — the
 * steps it skips are the same function of the same bytes. Anything else is hashed step by step. So
 * the result is always what @confio/ics23's calculateExistenceRoot returns for the proof.
 *
 * Callers check the proof against the spec first (ensureSpec with iavlSpec): that fixes every hash
 * op to SHA-256, the leaf's key to no pre-hash and its value to a SHA-256 pre-hash, both with a
 * protobuf varint length prefix — the only ops this file computes.
 */
import { createHash } from 'node:crypto'
import type { ics23 } from '@confio/ics23'

type InnerOp = ics23.IInnerOp

const EMPTY = new Uint8Array(0)

function varint(n: number): Uint8Array {
  const out: number[] = []
  while (n >= 128) {
    out.push((n % 128) + 128)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Uint8Array.from(out)
}

/** SHA-256(prefix ‖ varint(|key|) ‖ key ‖ varint(32) ‖ SHA-256(value)): the iavlSpec leaf op. */
export function leafHash(leafPrefix: Uint8Array, key: Uint8Array, value: Uint8Array): Uint8Array {
  if (key.length === 0) throw new Error('Missing key')
  if (value.length === 0) throw new Error('Missing value')
  const valueHash = createHash('sha256').update(value).digest()
  return createHash('sha256').update(leafPrefix).update(varint(key.length)).update(key).update(varint(32)).update(valueHash).digest()
}

/** SHA-256(prefix ‖ child ‖ suffix): the iavlSpec inner op. */
export function innerHash(op: InnerOp, child: Uint8Array): Uint8Array {
  return createHash('sha256').update(op.prefix ?? EMPTY).update(child).update(op.suffix ?? EMPTY).digest()
}

function sameBytes(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  const x = a ?? EMPTY
  const y = b ?? EMPTY
  if (x.length !== y.length) return false
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  return true
}

/** Whether ops a[i..] and b[j..] are the same ops, byte for byte. */
function sameOpsFrom(a: readonly InnerOp[], i: number, b: readonly InnerOp[], j: number): boolean {
  if (a.length - i !== b.length - j) return false
  for (; i < a.length; i++, j++) {
    const x = a[i]!
    const y = b[j]!
    if (x === y) continue
    if ((x.hash ?? 0) !== (y.hash ?? 0) || !sameBytes(x.prefix, y.prefix) || !sameBytes(x.suffix, y.suffix)) return false
  }
  return true
}

/** A hash found on a path that computes the root, and the ops above it (path[from..]). */
interface Known { hash: Uint8Array; path: readonly InnerOp[]; from: number }

const MAX_ROOTS = 4
const MAX_PER_ROOT = 16_384
/** root (latin1) → hash on a proven path (latin1) → where it was seen; most recently used root last. */
const known = new Map<string, Map<string, Known>>()

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')

function knownFor(root: Uint8Array, create: boolean): Map<string, Known> | undefined {
  const k = latin1(root)
  let m = known.get(k)
  if (m) {
    known.delete(k)
    known.set(k, m)
  } else if (create) {
    m = new Map()
    known.set(k, m)
    if (known.size > MAX_ROOTS) known.delete(known.keys().next().value!)
  }
  return m
}

/**
 * Whether the existence proof (leaf op with `leafPrefix`, inner ops `path`) of `key` = `value`
 * computes `root`. The proof must already satisfy iavlSpec (ensureSpec).
 */
export function existenceComputesRoot(leafPrefix: Uint8Array, path: readonly InnerOp[], key: Uint8Array, value: Uint8Array, root: Uint8Array): boolean {
  const memo = knownFor(root, false)
  const hashes: Uint8Array[] = []
  let h = leafHash(leafPrefix, key, value)
  let reached = false
  for (let j = 0; j <= path.length; j++) {
    const seen = memo?.get(latin1(h))
    if (seen && sameBytes(seen.hash, h) && sameOpsFrom(seen.path, seen.from, path, j)) {
      reached = true
      break
    }
    if (j === path.length) break
    hashes.push(h)
    h = innerHash(path[j]!, h)
  }
  if (!reached && !sameBytes(h, root)) return false
  const m = memo ?? knownFor(root, true)!
  if (m.size + hashes.length > MAX_PER_ROOT) m.clear()
  for (let j = 0; j < hashes.length; j++) m.set(latin1(hashes[j]!), { hash: hashes[j]!, path, from: j })
  return true
}
