/**
 * Canonical CBOR form of CometBFT signed headers and validator sets, as bridge messages carry them
 * (docs/BRIDGE.md, "Light clients: cometbft"). Every field of the header and commit is kept, so the
 * header hash and the vote sign bytes are recomputed from exactly what was sent:
 *
 *   SignedHeader = { header: Header, commit: Commit }
 *   Header  = { version: [block, app], chain_id, height, time: [seconds, nanos], last_block_id: BlockId,
 *               last_commit_hash, data_hash, validators_hash, next_validators_hash, consensus_hash,
 *               app_hash, last_results_hash, evidence_hash, proposer_address }
 *   BlockId = [hash: bstr, part_set_total: uint, part_set_hash: bstr]
 *   Commit  = { height, round, block_id: BlockId, signatures: [[flag, address, [seconds, nanos], signature]...] }
 *   ValidatorSet = [[pub_key: bstr(32), voting_power: uint]...]    ; in the set's canonical order
 *
 * A validator's address is derived (sha256(pub_key)[0..20]), never taken from the sender.
 */
import { decodeCanonical, encodeCanonical, type CborValue } from '../codec/cbor.js'
import { sha256 } from '../crypto/hash.js'
import { LightClientError } from './json.js'
import type { BlockId, Commit, Header, SignedHeader, Time, ValidatorSet } from './types.js'

const bad = (m: string): never => {
  throw new LightClientError(m)
}

const timeValue = (t: Time): CborValue => [t.seconds, t.nanos]
const blockIdValue = (b: BlockId): CborValue => [b.hash, b.partSetHeader.total, b.partSetHeader.hash]

export function signedHeaderValue(sh: SignedHeader): CborValue {
  const h = sh.header
  const c = sh.commit
  return {
    header: {
      version: [h.version.block, h.version.app], chain_id: h.chainId, height: h.height, time: timeValue(h.time), last_block_id: blockIdValue(h.lastBlockId),
      last_commit_hash: h.lastCommitHash, data_hash: h.dataHash, validators_hash: h.validatorsHash, next_validators_hash: h.nextValidatorsHash,
      consensus_hash: h.consensusHash, app_hash: h.appHash, last_results_hash: h.lastResultsHash, evidence_hash: h.evidenceHash, proposer_address: h.proposerAddress,
    },
    commit: {
      height: c.height, round: c.round, block_id: blockIdValue(c.blockId),
      signatures: c.signatures.map((s) => [s.blockIdFlag, s.validatorAddress, timeValue(s.timestamp), s.signature]),
    },
  }
}

export const encodeSignedHeader = (sh: SignedHeader): Uint8Array => encodeCanonical(signedHeaderValue(sh))
export const encodeValidatorSet = (vs: ValidatorSet): Uint8Array => encodeCanonical(vs.validators.map((v) => [v.pubKey, v.votingPower]))

type M = Record<string, unknown>

function map(v: unknown, what: string, keys: readonly string[]): M {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) bad(`${what} must be a map`)
  const m = v as M
  for (const k of Object.keys(m)) if (!keys.includes(k)) bad(`${what} has an unknown field "${k}"`)
  for (const k of keys) if (!(k in m)) bad(`${what} lacks "${k}"`)
  return m
}
function arr(v: unknown, what: string, len?: number): unknown[] {
  if (!Array.isArray(v) || (len !== undefined && v.length !== len)) bad(`${what} must be an array${len !== undefined ? ` of ${len}` : ''}`)
  return v as unknown[]
}
function uint(v: unknown, what: string, max = 2n ** 63n - 1n): bigint {
  const b = typeof v === 'number' ? BigInt(v) : v
  if (typeof b !== 'bigint' || b < 0n || b > max) bad(`${what} must be an integer in 0..${max}`)
  return b as bigint
}
function bytes(v: unknown, what: string, lens: readonly number[] = [0, 32]): Uint8Array {
  if (!(v instanceof Uint8Array) || !lens.includes(v.length)) bad(`${what} must be ${lens.join(' or ')} bytes`)
  return v as Uint8Array
}
/** Seconds may be negative: an absent vote carries Go's zero time, 0001-01-01. */
function time(v: unknown, what: string): Time {
  const [s, n] = arr(v, what, 2)
  const seconds = typeof s === 'number' ? BigInt(s) : s
  if (typeof seconds !== 'bigint' || seconds < -(2n ** 63n) || seconds >= 2n ** 63n) bad(`${what}.seconds must be a 64-bit integer`)
  return { seconds: seconds as bigint, nanos: Number(uint(n, `${what}.nanos`, 999_999_999n)) }
}
function blockId(v: unknown, what: string): BlockId {
  const [hash, total, psh] = arr(v, what, 3)
  return { hash: bytes(hash, `${what}.hash`), partSetHeader: { total: Number(uint(total, `${what}.total`, 2n ** 32n - 1n)), hash: bytes(psh, `${what}.part_set_hash`) } }
}

const HEADER_KEYS = ['version', 'chain_id', 'height', 'time', 'last_block_id', 'last_commit_hash', 'data_hash', 'validators_hash', 'next_validators_hash', 'consensus_hash', 'app_hash', 'last_results_hash', 'evidence_hash', 'proposer_address'] as const

function header(v: unknown): Header {
  const h = map(v, 'header', HEADER_KEYS)
  const [block, app] = arr(h.version, 'header.version', 2)
  if (typeof h.chain_id !== 'string' || h.chain_id.length === 0 || h.chain_id.length > 50) bad('header.chain_id must be a string of 1..50 characters')
  return {
    version: { block: uint(block, 'version.block'), app: uint(app, 'version.app') },
    chainId: h.chain_id as string, height: uint(h.height, 'header.height'), time: time(h.time, 'header.time'), lastBlockId: blockId(h.last_block_id, 'header.last_block_id'),
    lastCommitHash: bytes(h.last_commit_hash, 'last_commit_hash'), dataHash: bytes(h.data_hash, 'data_hash'),
    validatorsHash: bytes(h.validators_hash, 'validators_hash', [32]), nextValidatorsHash: bytes(h.next_validators_hash, 'next_validators_hash', [32]),
    consensusHash: bytes(h.consensus_hash, 'consensus_hash'), appHash: bytes(h.app_hash, 'app_hash', [0, 8, 32]), lastResultsHash: bytes(h.last_results_hash, 'last_results_hash'),
    evidenceHash: bytes(h.evidence_hash, 'evidence_hash'), proposerAddress: bytes(h.proposer_address, 'proposer_address', [20]),
  }
}

const MAX_SIGNATURES = 256

function commit(v: unknown): Commit {
  const c = map(v, 'commit', ['height', 'round', 'block_id', 'signatures'])
  const sigs = arr(c.signatures, 'commit.signatures')
  if (sigs.length > MAX_SIGNATURES) bad(`a commit has at most ${MAX_SIGNATURES} signatures`)
  return {
    height: uint(c.height, 'commit.height'), round: Number(uint(c.round, 'commit.round', 2n ** 31n - 1n)), blockId: blockId(c.block_id, 'commit.block_id'),
    signatures: sigs.map((s, i) => {
      const [flag, addr, ts, sig] = arr(s, `signatures[${i}]`, 4)
      return { blockIdFlag: Number(uint(flag, `signatures[${i}].flag`, 3n)), validatorAddress: bytes(addr, `signatures[${i}].address`, [0, 20]), timestamp: time(ts, `signatures[${i}].timestamp`), signature: bytes(sig, `signatures[${i}].signature`, [0, 64]) }
    }),
  }
}

function decoded(b: Uint8Array, what: string): unknown {
  try {
    return decodeCanonical(b, 'invalid_message')
  } catch (e) {
    return bad(`${what} is not canonical CBOR: ${(e as Error).message}`)
  }
}

export function decodeSignedHeader(b: Uint8Array): SignedHeader {
  const m = map(decoded(b, 'signed header'), 'signed_header', ['header', 'commit'])
  return { header: header(m.header), commit: commit(m.commit) }
}

export function decodeValidatorSet(b: Uint8Array): ValidatorSet {
  const vals = arr(decoded(b, 'validator set'), 'validator_set')
  if (vals.length === 0 || vals.length > MAX_SIGNATURES) bad(`a validator set has 1..${MAX_SIGNATURES} validators`)
  return {
    validators: vals.map((v, i) => {
      const [pk, power] = arr(v, `validators[${i}]`, 2)
      const pubKey = bytes(pk, `validators[${i}].pub_key`, [32])
      const votingPower = uint(power, `validators[${i}].voting_power`, 2n ** 60n)
      if (votingPower === 0n) bad(`validators[${i}] has no voting power`)
      return { address: sha256(pubKey).subarray(0, 20), pubKey, votingPower }
    }),
  }
}
