/**
 * CometBFT hashing and sign bytes (unchanged from Tendermint 0.34 to CometBFT 0.38):
 *
 *   header hash     = RFC 6962 Merkle root of the 14 protobuf-encoded header fields, in order
 *                     (Consensus version, chain id, height, time, last block id, then the hashes
 *                     and the proposer address, each scalar wrapped as a gogoproto Value message)
 *   validators hash = RFC 6962 Merkle root of SimpleValidator{pub_key, voting_power} per validator
 *   vote sign bytes = uvarint length ‖ CanonicalVote{type=PRECOMMIT, height (sfixed64),
 *                     round (sfixed64), block_id (absent for a nil vote), timestamp, chain_id}
 */
import { merkleRoot } from '../crypto/merkle.js'
import { ProtoWriter } from './proto.js'
import { lengthDelimited } from '../codec/uvarint.js'
import { BlockIdFlag, type BlockId, type Commit, type Header, type Time, type Validator, type ValidatorSet } from './types.js'

const PRECOMMIT = 2

export function encodeTime(t: Time): Uint8Array {
  return new ProtoWriter().uint(1, t.seconds).uint(2, t.nanos).finish()
}

function encodePartSetHeader(p: BlockId['partSetHeader']): Uint8Array {
  return new ProtoWriter().uint(1, p.total).bytes(2, p.hash).finish()
}

export function encodeBlockId(b: BlockId): Uint8Array {
  return new ProtoWriter().bytes(1, b.hash).message(2, encodePartSetHeader(b.partSetHeader)).finish()
}

const wrapBytes = (b: Uint8Array) => new ProtoWriter().bytes(1, b).finish()

/** The 14 leaves of the header's Merkle tree. */
export function headerLeaves(h: Header): Uint8Array[] {
  return [
    new ProtoWriter().uint(1, h.version.block).uint(2, h.version.app).finish(),
    new ProtoWriter().string(1, h.chainId).finish(),
    new ProtoWriter().uint(1, h.height).finish(),
    encodeTime(h.time),
    encodeBlockId(h.lastBlockId),
    wrapBytes(h.lastCommitHash),
    wrapBytes(h.dataHash),
    wrapBytes(h.validatorsHash),
    wrapBytes(h.nextValidatorsHash),
    wrapBytes(h.consensusHash),
    wrapBytes(h.appHash),
    wrapBytes(h.lastResultsHash),
    wrapBytes(h.evidenceHash),
    wrapBytes(h.proposerAddress),
  ]
}

export function headerHash(h: Header): Uint8Array {
  return merkleRoot(headerLeaves(h))
}

export function encodeSimpleValidator(v: Validator): Uint8Array {
  const pk = new ProtoWriter().bytes(1, v.pubKey).finish() // tendermint.crypto.PublicKey{ed25519}
  return new ProtoWriter().message(1, pk).uint(2, v.votingPower).finish()
}

export function validatorSetHash(vs: ValidatorSet): Uint8Array {
  return merkleRoot(vs.validators.map(encodeSimpleValidator))
}

function encodeCanonicalBlockId(b: BlockId): Uint8Array {
  return new ProtoWriter().bytes(1, b.hash).message(2, encodePartSetHeader(b.partSetHeader)).finish()
}

/** Sign bytes of the precommit behind `commit.signatures[idx]`. */
export function voteSignBytes(chainId: string, commit: Commit, idx: number): Uint8Array {
  const sig = commit.signatures[idx]!
  const w = new ProtoWriter().uint(1, PRECOMMIT).sfixed64(2, commit.height).sfixed64(3, BigInt(commit.round))
  if (sig.blockIdFlag === BlockIdFlag.Commit) w.message(4, encodeCanonicalBlockId(commit.blockId))
  w.message(5, encodeTime(sig.timestamp)).string(6, chainId)
  const body = w.finish()
  return lengthDelimited(body)
}
