/**
 * A CometBFT city's header checked in the browser with the SDK's light-client code
 * (src/lightclient: json.ts parses CometBFT's JSON, hash.ts hashes the header, verifier.ts checks a
 * commit): the header hashes to the block id its commit signs, and validators of the pinned set
 * holding more than 2/3 of its power signed it, each Ed25519 signature over the canonical vote.
 * A header whose validator set is not the pinned one fails: the console verifies against the set
 * it pinned and does not follow validator changes (pin a newer genesis or trust anchor for that).
 */
import { parseSignedHeader } from '../../src/lightclient/json.ts'
import { headerHash } from '../../src/lightclient/hash.ts'
import { checkSelfSigned, signedPower } from '../../src/lightclient/verifier.ts'
import type { SignedHeader } from '../../src/lightclient/types.ts'
import { bytesEqual, toHex } from '../../src/base/bytes.ts'
import type { City } from './cities.ts'
import type { CometTrust } from './trust.ts'
import type { Steps } from './steps.ts'

/** `GET /v1/headers/{height}` of a CometBFT node (docs/API.md, "Engines"). */
interface CometHeaderResponse { engine?: string; height?: string; hash?: string; header?: unknown; commit?: unknown; canonical?: boolean }

const short = (b: Uint8Array) => `${toHex(b).slice(0, 16)}…`

export async function cometHeaderSteps(city: City, trust: CometTrust, h: bigint, s: Steps): Promise<{ appHash: Uint8Array } | undefined> {
  let resp: CometHeaderResponse | undefined
  let sh: SignedHeader | undefined
  await s.run('Fetch header', async () => {
    resp = (await city.client.header(h)) as unknown as CometHeaderResponse
    if (resp.engine !== 'cometbft') throw new Error(`the pinned genesis is a CometBFT chain's, the node serves a ${resp.engine ?? 'solo'} header`)
    return `CometBFT header ${h} of ${city.name} with its commit (${resp.canonical ? 'canonical' : 'the node\'s seen commit'})`
  })
  await s.run('Header hash', () => {
    sh = parseSignedHeader({ header: resp!.header, commit: resp!.commit })
    if (sh.header.chainId !== trust.chainId) throw new Error(`the header is for chain "${sh.header.chainId}", the pinned genesis for "${trust.chainId}"`)
    if (sh.header.height !== h) throw new Error(`asked for header ${h}, the node sent header ${sh.header.height}`)
    const mine = headerHash(sh.header)
    if (!bytesEqual(mine, sh.commit.blockId.hash)) throw new Error(`the header's fields hash to ${short(mine)}, its commit signs block ${short(sh.commit.blockId.hash)}`)
    if (resp!.hash !== undefined && resp!.hash.toLowerCase() !== toHex(mine)) throw new Error(`the node says ${resp!.hash.slice(0, 16)}…, the header's fields hash to ${short(mine)}`)
    return `${short(mine)} recomputed (CometBFT's Merkle hash of the header's fields) = the block id the commit signs`
  })
  await s.run('Commit signatures (pinned validator set)', () => {
    const { header, commit } = sh!
    if (!bytesEqual(header.validatorsHash, trust.validatorsHash)) throw new Error(`the header's validator set ${short(header.validatorsHash)} is not the pinned one ${short(trust.validatorsHash)}: it changed since the pinned genesis (pin a newer trust anchor)`)
    const why = checkSelfSigned({ signedHeader: sh!, validatorSet: trust.validators })
    if (why) throw new Error(why)
    const power = signedPower(trust.chainId, commit, trust.validators, true)
    return `validators of the pinned set holding ${String(power)} of ${trust.totalPower} voting power signed it (more than 2/3), every Ed25519 signature over the canonical vote checked; app hash ${short(header.appHash)}`
  })
  return s.failed ? undefined : { appHash: sh!.header.appHash }
}
