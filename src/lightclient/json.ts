/**
 * Reads CometBFT's JSON (RPC `/commit`, `/validators`, and the same shapes in tendermint-rs test
 * vectors): heights and powers as decimal strings, hashes as hex, keys and signatures as base64,
 * times as RFC 3339 with up to nanosecond precision. Anything malformed throws LightClientError.
 */
import { compareBytes, fromHex } from '../base/bytes.js'
import type { BlockId, Commit, CommitSig, Header, LightBlock, SignedHeader, Time, Validator, ValidatorSet } from './types.js'

export class LightClientError extends Error {
  override readonly name = 'LightClientError'
}

const bad = (m: string): never => {
  throw new LightClientError(m)
}

type J = Record<string, any>

function obj(v: unknown, what: string): J {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(`${what} must be an object`)
  return v as J
}

function int(v: unknown, what: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
  if (typeof v === 'string' && /^-?[0-9]{1,20}$/.test(v)) return BigInt(v)
  return bad(`${what} must be an integer`)
}

function hex(v: unknown, what: string): Uint8Array {
  if (v === null || v === undefined || v === '') return new Uint8Array(0)
  if (Array.isArray(v) && v.length === 0) return new Uint8Array(0)
  if (typeof v !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(v)) bad(`${what} must be hex`)
  return fromHex((v as string).toLowerCase())
}

function b64(v: unknown, what: string): Uint8Array {
  if (v === null || v === undefined || v === '') return new Uint8Array(0)
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) bad(`${what} must be base64`)
  return new Uint8Array(Buffer.from(v as string, 'base64'))
}

/** RFC 3339 time (e.g. 2020-11-18T12:36:18.160570297Z) → exact seconds + nanos. */
export function parseTime(v: unknown, what = 'time'): Time {
  if (typeof v !== 'string') return bad(`${what} must be an RFC 3339 string`)
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(v)
  if (!m) return bad(`${what} "${v}" is not RFC 3339`)
  const ms = Date.parse(`${m[1]}${m[3] === 'Z' ? 'Z' : m[3]}`)
  if (Number.isNaN(ms)) return bad(`${what} "${v}" is not a valid time`)
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: m[2] ? Number(m[2].padEnd(9, '0')) : 0 }
}

export function formatTime(t: Time): string {
  const iso = new Date(Number(t.seconds) * 1000).toISOString().replace(/\.000Z$/, '')
  return t.nanos ? `${iso}.${String(t.nanos).padStart(9, '0').replace(/0+$/, '')}Z` : `${iso}Z`
}

function blockId(v: unknown, what: string): BlockId {
  if (v === null || v === undefined) return { hash: new Uint8Array(0), partSetHeader: { total: 0, hash: new Uint8Array(0) } }
  const b = obj(v, what)
  const p = b.part_set_header ?? b.parts ?? { total: 0, hash: '' }
  return { hash: hex(b.hash, `${what}.hash`), partSetHeader: { total: Number(int(p.total ?? 0, `${what}.part_set_header.total`)), hash: hex(p.hash, `${what}.part_set_header.hash`) } }
}

export function parseHeader(v: unknown): Header {
  const h = obj(v, 'header')
  const ver = obj(h.version ?? {}, 'header.version')
  if (typeof h.chain_id !== 'string') bad('header.chain_id must be a string')
  return {
    version: { block: int(ver.block ?? 0, 'version.block'), app: int(ver.app ?? 0, 'version.app') },
    chainId: h.chain_id,
    height: int(h.height, 'header.height'),
    time: parseTime(h.time, 'header.time'),
    lastBlockId: blockId(h.last_block_id, 'header.last_block_id'),
    lastCommitHash: hex(h.last_commit_hash, 'last_commit_hash'),
    dataHash: hex(h.data_hash, 'data_hash'),
    validatorsHash: hex(h.validators_hash, 'validators_hash'),
    nextValidatorsHash: hex(h.next_validators_hash, 'next_validators_hash'),
    consensusHash: hex(h.consensus_hash, 'consensus_hash'),
    appHash: hex(h.app_hash, 'app_hash'),
    lastResultsHash: hex(h.last_results_hash, 'last_results_hash'),
    evidenceHash: hex(h.evidence_hash, 'evidence_hash'),
    proposerAddress: hex(h.proposer_address, 'proposer_address'),
  }
}

export function parseCommit(v: unknown): Commit {
  const c = obj(v, 'commit')
  // null (Go's nil slice) is an empty list: such a commit then fails verification, not parsing
  if (c.signatures !== null && c.signatures !== undefined && !Array.isArray(c.signatures)) bad('commit.signatures must be an array')
  const signatures: CommitSig[] = ((c.signatures ?? []) as unknown[]).map((s, i) => {
    const x = obj(s, `signatures[${i}]`)
    const flag = Number(int(x.block_id_flag, `signatures[${i}].block_id_flag`))
    return {
      blockIdFlag: flag,
      validatorAddress: hex(x.validator_address, `signatures[${i}].validator_address`),
      timestamp: x.timestamp && !x.timestamp.startsWith?.('0001-01-01') ? parseTime(x.timestamp, `signatures[${i}].timestamp`) : { seconds: -62135596800n, nanos: 0 },
      signature: b64(x.signature, `signatures[${i}].signature`),
    }
  })
  return { height: int(c.height, 'commit.height'), round: Number(int(c.round ?? 0, 'commit.round')), blockId: blockId(c.block_id, 'commit.block_id'), signatures }
}

export function parseSignedHeader(v: unknown): SignedHeader {
  const s = obj(v, 'signed_header')
  return { header: parseHeader(s.header), commit: parseCommit(s.commit) }
}

function parseValidator(v: unknown, i: number): Validator {
  const x = obj(v, `validators[${i}]`)
  const pk = obj(x.pub_key, `validators[${i}].pub_key`)
  if (pk.type !== 'tendermint/PubKeyEd25519') bad(`validators[${i}]: only Ed25519 keys are supported (got ${pk.type})`)
  const pubKey = b64(pk.value, `validators[${i}].pub_key`)
  if (pubKey.length !== 32) bad(`validators[${i}].pub_key must be 32 bytes`)
  return {
    address: hex(x.address, `validators[${i}].address`),
    pubKey,
    votingPower: int(x.voting_power ?? x.power, `validators[${i}].voting_power`),
    proposerPriority: x.proposer_priority !== undefined ? int(x.proposer_priority, `validators[${i}].proposer_priority`) : undefined,
  }
}

/** CometBFT's order of a validator set: voting power descending, then address ascending. */
export function sortValidators(vals: Validator[]): Validator[] {
  return [...vals].sort((a, b) => (a.votingPower === b.votingPower ? compareBytes(a.address, b.address) : a.votingPower > b.votingPower ? -1 : 1))
}

/** `{validators: [...]}` (RPC `/validators` result or a vector's validator set), in canonical order. */
export function parseValidatorSet(v: unknown): ValidatorSet {
  const x = obj(v, 'validator_set')
  if (!Array.isArray(x.validators)) bad('validator_set.validators must be an array')
  return { validators: sortValidators((x.validators as unknown[]).map(parseValidator)) }
}

export function parseLightBlock(v: unknown): LightBlock {
  const x = obj(v, 'light_block')
  return {
    signedHeader: parseSignedHeader(x.signed_header),
    validatorSet: parseValidatorSet(x.validator_set),
    nextValidatorSet: x.next_validator_set ? parseValidatorSet(x.next_validator_set) : undefined,
  }
}
