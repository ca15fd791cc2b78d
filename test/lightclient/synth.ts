// Builds a synthetic CometBFT chain, signed with real keys, whose validator set can change at
// every height: for bisection and tampering tests that a static testnet cannot produce.
import { keyPairFromSeed, type KeyPair } from '../../src/crypto/keys.js'
import { sha256 } from '../../src/crypto/hash.js'
import { utf8 } from '../../src/base/bytes.js'
import { headerHash, validatorSetHash, voteSignBytes, sortValidators, nsToTime, BlockIdFlag, type BlockId, type Header, type LightBlock, type ValidatorSet, type Commit } from '../../src/lightclient/index.js'

export interface SynthValidator { key: KeyPair; power: bigint }

export const synthKey = (label: string) => keyPairFromSeed(sha256(utf8(`synth/${label}`)))

export function valset(vals: SynthValidator[]): { set: ValidatorSet; keys: Map<string, KeyPair> } {
  const keys = new Map<string, KeyPair>()
  const validators = vals.map((v) => {
    const address = sha256(v.key.publicKey).subarray(0, 20)
    keys.set(Buffer.from(address).toString('hex'), v.key)
    return { address, pubKey: v.key.publicKey, votingPower: v.power }
  })
  return { set: { validators: sortValidators(validators) }, keys }
}

/** `sets[i]` signs height i+1; returns light blocks 1..sets.length-1 (the last set is only "next"). */
export function synthChain(chainId: string, sets: SynthValidator[][], startNs = 1_700_000_000_000_000_000n, stepNs = 1_000_000_000n): LightBlock[] {
  const vs = sets.map(valset)
  const out: LightBlock[] = []
  let last: BlockId = { hash: new Uint8Array(0), partSetHeader: { total: 0, hash: new Uint8Array(0) } }
  for (let i = 0; i + 1 < sets.length; i++) {
    const height = BigInt(i + 1)
    const time = nsToTime(startNs + stepNs * height)
    const header: Header = {
      version: { block: 11n, app: 1n }, chainId, height, time, lastBlockId: last,
      lastCommitHash: sha256(utf8(`lc${i}`)), dataHash: sha256(new Uint8Array(0)),
      validatorsHash: validatorSetHash(vs[i]!.set), nextValidatorsHash: validatorSetHash(vs[i + 1]!.set),
      consensusHash: sha256(utf8('params')), appHash: sha256(utf8(`app${i}`)), lastResultsHash: new Uint8Array(0),
      evidenceHash: sha256(new Uint8Array(0)), proposerAddress: vs[i]!.set.validators[0]!.address,
    }
    const hash = headerHash(header)
    const blockId = { hash, partSetHeader: { total: 1, hash: sha256(hash) } }
    const commit: Commit = {
      height, round: 0, blockId,
      signatures: vs[i]!.set.validators.map((v) => ({ blockIdFlag: BlockIdFlag.Commit, validatorAddress: v.address, timestamp: nsToTime(startNs + stepNs * height + 500_000_000n), signature: new Uint8Array(64) })),
    }
    commit.signatures.forEach((s, k) => {
      s.signature = vs[i]!.keys.get(Buffer.from(s.validatorAddress).toString('hex'))!.sign(voteSignBytes(chainId, commit, k))
    })
    out.push({ signedHeader: { header, commit }, validatorSet: vs[i]!.set, nextValidatorSet: vs[i + 1]!.set })
    last = blockId
  }
  return out
}
