/**
 * The election manifest: everything fixed when the election opens, and its hash, which every
 * proof of the election binds.
 *
 * electionHash = SHA-256(frame("election",
 *     chainId, electionId, title,
 *     u32(#questions), for each: title, u32(#options), option…, u32(min), u32(max),
 *     u32(#trustees), trustee account…, u32(threshold),
 *     u32(#eligible), eligible account…, [0x00] | [0x01], role, u64(snapshotHeight),
 *     u64(opensAt), u64(closesAt)))
 * with strings as UTF-8 (see transcript.ts for frame()). Trustee i (1-based) is trustees[i-1].
 */
import { PolisError } from '../base/errors.js'
import { compareBytes, toHex, utf8 } from '../base/bytes.js'
import { digest, u32, u64 } from './transcript.js'
import { array, decimal, hex, integer, object, string, type Json } from './json-shape.js'

export const MAX_QUESTIONS = 32
export const MAX_OPTIONS = 64
export const MAX_TRUSTEES = 32
export const ACCOUNT_BYTES = 32

export interface Question {
  readonly title: string
  readonly options: readonly string[]
  readonly minSelections: number
  readonly maxSelections: number
}

export interface Eligibility {
  /** The eligible accounts, strictly ascending. For a role, the holders at the snapshot height. */
  readonly accounts: readonly Uint8Array[]
  readonly role: string | null
  readonly snapshotHeight: bigint | null
}

export interface Manifest {
  readonly chainId: string
  readonly electionId: string
  readonly title: string
  readonly questions: readonly Question[]
  /** Trustee accounts; trustee index i (1-based, the x-coordinate of its key share) is trustees[i-1]. */
  readonly trustees: readonly Uint8Array[]
  readonly threshold: number
  readonly eligibility: Eligibility
  /** Voting window in block time (ms since the epoch): opensAt ≤ t < closesAt. */
  readonly opensAt: bigint
  readonly closesAt: bigint
}

function bad(what: string): never {
  throw new PolisError('invalid_message', `manifest: ${what}`)
}

/** Refuses a manifest the protocol cannot run (PolisError 'invalid_message'). */
export function validateManifest(m: Manifest): void {
  if (!m.chainId) bad('chainId is empty')
  if (!m.electionId) bad('electionId is empty')
  if (m.questions.length < 1 || m.questions.length > MAX_QUESTIONS) bad(`1 to ${MAX_QUESTIONS} questions`)
  m.questions.forEach((q, i) => {
    if (q.options.length < 1 || q.options.length > MAX_OPTIONS) bad(`question ${i}: 1 to ${MAX_OPTIONS} options`)
    if (new Set(q.options).size !== q.options.length) bad(`question ${i}: option labels repeat`)
    const { minSelections: lo, maxSelections: hi } = q
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 0 || hi < lo || hi > q.options.length || hi < 1) {
      bad(`question ${i}: need 0 ≤ minSelections ≤ maxSelections ≤ options and maxSelections ≥ 1`)
    }
  })
  const n = m.trustees.length
  if (n < 1 || n > MAX_TRUSTEES) bad(`1 to ${MAX_TRUSTEES} trustees`)
  for (const t of m.trustees) if (t.length !== ACCOUNT_BYTES) bad('a trustee account is 32 bytes')
  if (new Set(m.trustees.map(toHex)).size !== n) bad('a trustee is listed twice')
  if (!Number.isSafeInteger(m.threshold) || m.threshold < 1 || m.threshold > n) bad('need 1 ≤ threshold ≤ trustees')
  const acc = m.eligibility.accounts
  if (acc.length < 1) bad('nobody is eligible')
  for (let i = 0; i < acc.length; i++) {
    if (acc[i]!.length !== ACCOUNT_BYTES) bad('an eligible account is 32 bytes')
    if (i > 0 && compareBytes(acc[i - 1]!, acc[i]!) >= 0) bad('eligible accounts must be strictly ascending')
  }
  if ((m.eligibility.role === null) !== (m.eligibility.snapshotHeight === null)) bad('role and snapshotHeight go together')
  if (m.eligibility.role === '') bad('role is empty')
  if (m.opensAt < 0n || m.closesAt >= 1n << 64n || m.opensAt >= m.closesAt) bad('need opensAt < closesAt')
}

export function electionHash(m: Manifest): Uint8Array {
  validateManifest(m)
  const parts: Uint8Array[] = [utf8(m.chainId), utf8(m.electionId), utf8(m.title), u32(m.questions.length)]
  for (const q of m.questions) {
    parts.push(utf8(q.title), u32(q.options.length), ...q.options.map(utf8), u32(q.minSelections), u32(q.maxSelections))
  }
  parts.push(u32(m.trustees.length), ...m.trustees, u32(m.threshold))
  parts.push(u32(m.eligibility.accounts.length), ...m.eligibility.accounts)
  const { role, snapshotHeight } = m.eligibility
  if (role === null || snapshotHeight === null) parts.push(Uint8Array.of(0))
  else parts.push(Uint8Array.of(1), utf8(role), u64(snapshotHeight))
  parts.push(u64(m.opensAt), u64(m.closesAt))
  return digest('election', parts)
}

/** 1-based trustee index of an account, or 0 if it is not a trustee. */
export function trusteeIndex(m: Manifest, account: Uint8Array): number {
  const h = toHex(account)
  return m.trustees.findIndex((t) => toHex(t) === h) + 1
}

export function isEligible(m: Manifest, account: Uint8Array): boolean {
  const acc = m.eligibility.accounts
  let lo = 0
  let hi = acc.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const c = compareBytes(acc[mid]!, account)
    if (c === 0) return true
    if (c < 0) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

export function manifestToJson(m: Manifest): Json {
  return {
    chainId: m.chainId,
    electionId: m.electionId,
    title: m.title,
    questions: m.questions.map((q) => ({ title: q.title, options: [...q.options], minSelections: q.minSelections, maxSelections: q.maxSelections })),
    trustees: m.trustees.map(toHex),
    threshold: m.threshold,
    eligibility: {
      accounts: m.eligibility.accounts.map(toHex),
      role: m.eligibility.role,
      snapshotHeight: m.eligibility.snapshotHeight === null ? null : m.eligibility.snapshotHeight.toString(),
    },
    opensAt: m.opensAt.toString(),
    closesAt: m.closesAt.toString(),
  }
}

export function manifestFromJson(v: unknown, path = 'manifest'): Manifest {
  const o = object(v, path, ['chainId', 'electionId', 'title', 'questions', 'trustees', 'threshold', 'eligibility', 'opensAt', 'closesAt'])
  const e = object(o.eligibility, `${path}.eligibility`, ['accounts', 'role', 'snapshotHeight'])
  const m: Manifest = {
    chainId: string(o.chainId, `${path}.chainId`, 128),
    electionId: string(o.electionId, `${path}.electionId`, 128),
    title: string(o.title, `${path}.title`),
    questions: array(o.questions, `${path}.questions`, MAX_QUESTIONS).map((qv, i) => {
      const p = `${path}.questions[${i}]`
      const q = object(qv, p, ['title', 'options', 'minSelections', 'maxSelections'])
      return {
        title: string(q.title, `${p}.title`),
        options: array(q.options, `${p}.options`, MAX_OPTIONS).map((s, j) => string(s, `${p}.options[${j}]`)),
        minSelections: integer(q.minSelections, `${p}.minSelections`, 0, MAX_OPTIONS),
        maxSelections: integer(q.maxSelections, `${p}.maxSelections`, 0, MAX_OPTIONS),
      }
    }),
    trustees: array(o.trustees, `${path}.trustees`, MAX_TRUSTEES).map((t, i) => hex(t, `${path}.trustees[${i}]`, ACCOUNT_BYTES)),
    threshold: integer(o.threshold, `${path}.threshold`, 0, MAX_TRUSTEES),
    eligibility: {
      accounts: array(e.accounts, `${path}.eligibility.accounts`).map((a, i) => hex(a, `${path}.eligibility.accounts[${i}]`, ACCOUNT_BYTES)),
      role: e.role === null ? null : string(e.role, `${path}.eligibility.role`, 128),
      snapshotHeight: e.snapshotHeight === null ? null : decimal(e.snapshotHeight, `${path}.eligibility.snapshotHeight`),
    },
    opensAt: decimal(o.opensAt, `${path}.opensAt`),
    closesAt: decimal(o.closesAt, `${path}.closesAt`),
  }
  validateManifest(m)
  return m
}
