/**
 * Verification in the browser, step by step, with the SDK's own code (src/sdk/proof.ts,
 * src/lightclient/solo-header.ts, src/commitment/verify.ts bundled for the browser): a state value
 * is "verified" only when every step passes; a node that lies fails a step and says which.
 */
import { verifyHeader, verifyStoreProof, type TrustedChain } from '../../src/sdk/proof.ts'
import { decodeHeader, headerHash, verifySignedHeader, type Header } from '../../src/lightclient/solo-header.ts'
import { fromHex, toHex, bytesEqual } from '../../src/base/bytes.ts'
import type { HeaderResponse, StoreResponse } from '../../src/sdk/types.ts'
import type { City } from './cities.ts'
import { trustFor, type Pin } from './trust.ts'

export type Verdict = 'pass' | 'fail' | 'skipped'
export interface Step { name: string; verdict: Verdict; detail: string }
export interface Verification { steps: Step[]; ok: boolean; height: bigint; value?: unknown; pin?: Pin }

/**
 * Verifies the value of state key `key` at the city's latest height; `decode` turns the proven bytes
 * into what the page shows (e.g. an amount), `shown` is what the page showed from the node's plain
 * API, compared with the proven value.
 */
export async function verifyState(city: City, key: Uint8Array, decode: (value: Uint8Array | undefined) => string, shown?: { label: string; value: string }): Promise<Verification> {
  const steps: Step[] = []
  let failed = false
  const step = async (name: string, fn: () => Promise<string> | string) => {
    if (failed) return void steps.push({ name, verdict: 'skipped', detail: 'not checked: an earlier step failed' })
    try {
      steps.push({ name, verdict: 'pass', detail: await fn() })
    } catch (e) {
      failed = true
      steps.push({ name, verdict: 'fail', detail: (e as Error).message })
    }
  }
  let trust: TrustedChain | undefined
  let pinInfo: Pin | undefined
  let resp: HeaderResponse | undefined
  let store: StoreResponse | undefined
  let header: Header | undefined
  let decoded: string | undefined
  const height = (await city.client.status()).height
  const h = BigInt(height)

  await step('Pinned genesis', async () => {
    const t = await trustFor(city)
    trust = t.trust
    pinInfo = t.pin
    return `chain ${t.trust.chainId}, validator ${toHex(t.trust.validator).slice(0, 16)}…, header hash ${t.trust.hashName}; pinned from ${t.pin.source === 'file' ? 'a genesis file you imported' : 'the node at first use (import the genesis file to pin it out of band)'}`
  })
  await step('Fetch header and proof', async () => {
    ;[resp, store] = await Promise.all([city.client.header(h), city.client.store(key, { height: h, prove: true })])
    if (String(store.height) !== height) throw new Error(`asked for height ${height}, the node answered for ${store.height}`)
    return `header ${height} and the ICS-23 proof of key ${toHex(key).slice(0, 24)}…`
  })
  await step('Header hash', () => {
    header = decodeHeader(fromHex(resp!.header_cbor))
    const mine = headerHash(header, trust!.hasher)
    if (!bytesEqual(mine, fromHex(resp!.hash))) throw new Error(`the node says ${resp!.hash.slice(0, 16)}…, the header's contents hash to ${toHex(mine).slice(0, 16)}…`)
    return `${toHex(mine).slice(0, 16)}… recomputed with ${trust!.hashName} over the header's canonical CBOR`
  })
  await step('Header signature (pinned validator)', () => {
    if (!verifySignedHeader({ header: header!, hash: fromHex(resp!.hash), signature: fromHex(resp!.signature) }, trust!.hasher)) throw new Error('the Ed25519 signature does not verify with the header\'s proposer key')
    const signed = verifyHeader(resp!, trust!, h) // chain id, height, proposer = pinned validator, validator set, JSON copy
    return `Ed25519 by ${toHex(signed.header.proposer).slice(0, 16)}…, the validator of the pinned genesis; app hash ${toHex(signed.header.appHash).slice(0, 16)}…`
  })
  await step('ICS-23 proof against the app hash', () => {
    const v = verifyStoreProof(store!, header!.appHash, key)
    decoded = decode(v.value)
    return v.exists ? `the value (${toHex(v.value!).slice(0, 24) || 'empty'}) is in the state of app hash ${toHex(header!.appHash).slice(0, 16)}…` : 'the key is proven absent'
  })
  if (shown) {
    await step(`${shown.label} shown = proven`, () => {
      const proven = decoded as string
      if (proven !== shown.value) throw new Error(`the node showed ${shown.value}, the proven value is ${proven}`)
      return `${proven} (as shown)`
    })
  }
  return { steps, ok: !failed, height: h, value: decoded, pin: pinInfo }
}
