/**
 * Verification in the browser, step by step, with the SDK's own code (src/sdk/proof.ts,
 * src/lightclient/*, src/commitment/verify.ts bundled for the browser): a state value
 * is "verified" only when every step passes; a node that lies fails a step and says which.
 */
import { verifyHeader, verifyStoreProof, type TrustedChain, type VerifiedValue } from '../../src/sdk/proof.ts'
import { decodeHeader, headerHash, verifySignedHeader, type Header } from '../../src/lightclient/solo-header.ts'
import { fromHex, toHex, bytesEqual } from '../../src/base/bytes.ts'
import type { HeaderResponse } from '../../src/sdk/types.ts'
import type { City } from './cities.ts'
import { trustFor, type Pin, type Trust } from './trust.ts'
import { cometHeaderSteps } from './cometbft-verify.ts'
import { Steps, type Step } from './steps.ts'

export interface Verification { steps: Step[]; ok: boolean; height: bigint; value?: unknown; pin?: Pin }

/** A header of the city checked against the pinned genesis: what proofs of state at `height` are checked against. */
export interface Anchor { city: City; height: bigint; appHash: Uint8Array; trust: Trust; pin: Pin }

const pinnedFrom = (p: Pin) => `pinned from ${p.source === 'file' ? 'a genesis file you imported' : 'the node at first use (import the genesis file to pin it out of band)'}`

/**
 * The trust steps every verification starts with: the pinned genesis, then a header of the city
 * checked against it — a solo header's hash and its signature by the pinned validator; a CometBFT
 * header by a light client starting from the pinned genesis' validator set and following its changes
 * (cometbft-verify.ts).
 * No anchor when a step failed.
 */
export async function anchorSteps(city: City, s: Steps): Promise<{ height: bigint; anchor?: Anchor }> {
  let t: { trust: Trust; pin: Pin } | undefined
  const top = BigInt((await city.client.status()).height)
  await s.run('Pinned genesis', async () => {
    t = await trustFor(city)
    if (t.trust.engine === 'cometbft') {
      const c = t.trust.comet
      return `CometBFT chain ${c.chainId}, ${c.validators.validators.length} validators of total power ${c.totalPower}, validator set hash ${toHex(c.validatorsHash).slice(0, 16)}…; ${pinnedFrom(t.pin)}`
    }
    return `chain ${t.trust.chainId}, validator ${toHex(t.trust.solo.validator).slice(0, 16)}…, header hash ${t.trust.solo.hashName}; ${pinnedFrom(t.pin)}`
  })
  if (!t) {
    await s.run('Fetch header', () => '')
    return { height: top }
  }
  if (t.trust.engine === 'cometbft') {
    // a CometBFT header carries the app hash from before its block: state at top-1 is proven by header top
    const a = await cometHeaderSteps(city, t.trust.comet, top, s)
    return { height: top - 1n, anchor: a && { city, height: top - 1n, appHash: a.appHash, trust: t.trust, pin: t.pin } }
  }
  const a = await soloHeaderSteps(city, t.trust.solo, top, s)
  return { height: top, anchor: a && { city, height: top, appHash: a.appHash, trust: t.trust, pin: t.pin } }
}

async function soloHeaderSteps(city: City, trust: TrustedChain, h: bigint, s: Steps): Promise<{ appHash: Uint8Array } | undefined> {
  let resp: HeaderResponse | undefined
  let header: Header | undefined
  await s.run('Fetch header', async () => {
    resp = await city.client.header(h)
    return `header ${h} of ${city.name}`
  })
  await s.run('Header hash', () => {
    header = decodeHeader(fromHex(resp!.header_cbor))
    const mine = headerHash(header, trust.hasher)
    if (!bytesEqual(mine, fromHex(resp!.hash))) throw new Error(`the node says ${resp!.hash.slice(0, 16)}…, the header's contents hash to ${toHex(mine).slice(0, 16)}…`)
    return `${toHex(mine).slice(0, 16)}… recomputed with ${trust.hashName} over the header's canonical CBOR`
  })
  await s.run('Header signature (pinned validator)', () => {
    if (!verifySignedHeader({ header: header!, hash: fromHex(resp!.hash), signature: fromHex(resp!.signature) }, trust.hasher)) throw new Error('the Ed25519 signature does not verify with the header\'s proposer key')
    const signed = verifyHeader(resp!, trust, h) // chain id, height, proposer = pinned validator, validator set, JSON copy
    return `Ed25519 by ${toHex(signed.header.proposer).slice(0, 16)}…, the validator of the pinned genesis; app hash ${toHex(signed.header.appHash).slice(0, 16)}…`
  })
  return s.failed ? undefined : { appHash: header!.appHash }
}

/** Fetches state key `key` at the anchor's height with its ICS-23 proof and checks it against the anchor's app hash. */
export async function provenValue(a: Anchor, key: Uint8Array): Promise<VerifiedValue> {
  const store = await a.city.client.store(key, { height: a.height, prove: true })
  if (String(store.height) !== a.height.toString()) throw new Error(`asked for height ${a.height}, the node answered for ${store.height}`)
  return verifyStoreProof(store, a.appHash, key)
}

/**
 * Verifies the value of state key `key` at the city's latest height; `decode` turns the proven bytes
 * into what the page shows (e.g. an amount), `shown` is what the page showed from the node's plain
 * API, compared with the proven value.
 */
export async function verifyState(city: City, key: Uint8Array, decode: (value: Uint8Array | undefined) => string, shown?: { label: string; value: string }): Promise<Verification> {
  const s = new Steps()
  const { height, anchor: a } = await anchorSteps(city, s)
  let decoded: string | undefined
  await s.run('ICS-23 proof against the app hash', async () => {
    const v = await provenValue(a!, key)
    decoded = decode(v.value)
    return v.exists ? `the value (${toHex(v.value!).slice(0, 24) || 'empty'}) of key ${toHex(key).slice(0, 24)}… is in the state of app hash ${toHex(a!.appHash).slice(0, 16)}…` : `key ${toHex(key).slice(0, 24)}… is proven absent`
  })
  if (shown) {
    await s.run(`${shown.label} shown = proven`, () => {
      const proven = decoded as string
      if (proven !== shown.value) throw new Error(`the node showed ${shown.value}, the proven value is ${proven}`)
      return `${proven} (as shown)`
    })
  }
  return { steps: s.steps, ok: !s.failed, height, value: decoded, pin: a?.pin }
}
