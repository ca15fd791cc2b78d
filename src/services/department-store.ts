/**
 * A department's off-chain store: the clear text behind the salted commitments the chain keeps
 * (a complaint's description, a bill's details, a vehicle's VIN), revealed only to who may see it.
 *
 * Every request is signed by its requester's key (Ed25519 over a domain-separated canonical CBOR
 * body naming the store, the action, the record and a timestamp; a signature is accepted once,
 * within ±MAX_SKEW_MS of the store's clock). The chain decides who may see a record: the record's
 * subject (the citizen who filed the complaint, the billed citizen, the vehicle's owner) and the
 * active members of the department that handles it. The store accepts a record only from a member
 * of that department and only if sha256(salt ‖ text) equals the commitment on chain; it checks
 * the commitment again on every reveal, so a record altered on disk is refused, not served.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeCanonical } from '../codec/cbor.js'
import { fail } from '../base/errors.js'
import { sha256 } from '../crypto/hash.js'
import { bytesEqual, concatBytes, fromHex, toHex, utf8 } from '../base/bytes.js'
import { verifySignature, type KeyPair } from '../crypto/keys.js'

export const RECORD_KINDS = ['complaint', 'bill', 'vehicle'] as const
export type RecordKind = (typeof RECORD_KINDS)[number]
export const MAX_SKEW_MS = 120_000
const DOMAIN = utf8('polis/department-store/v1\0')

/** sha256(salt ‖ utf8(text)): the commitment the modules keep in place of personal data. */
export function commitment(text: string, salt: Uint8Array): Uint8Array {
  return sha256(salt, utf8(text))
}

/** What the chain says about a record: its commitment, whose it is, which department handles it. */
export interface ChainRecord { commitment: Uint8Array; subject: Uint8Array; department: string }

export interface ChainView {
  record(kind: RecordKind, ref: string): Promise<ChainRecord | undefined>
  /** The account's roles if it is registered and not revoked. */
  activeRoles(account: Uint8Array): Promise<string[] | undefined>
}

export interface StoreRequest {
  store: string                 // the store's id: "<chain id>/<department>"
  action: 'put' | 'reveal'
  kind: RecordKind
  ref: string
  requester: string             // hex public key
  time: number                  // ms since epoch, the requester's clock
  text?: string                 // put only
  salt?: string                 // put only, hex
}

export interface SignedStoreRequest { request: StoreRequest; signature: string }

function signBytes(r: StoreRequest): Uint8Array {
  const body: Record<string, unknown> = { store: r.store, action: r.action, kind: r.kind, ref: r.ref, requester: r.requester, time: r.time }
  if (r.text !== undefined) body.text = r.text
  if (r.salt !== undefined) body.salt = r.salt
  return concatBytes(DOMAIN, encodeCanonical(body))
}

export function signStoreRequest(key: KeyPair, r: Omit<StoreRequest, 'requester' | 'time'> & { time?: number }): SignedStoreRequest {
  const request: StoreRequest = { ...r, requester: toHex(key.publicKey), time: r.time ?? Date.now() }
  return { request, signature: toHex(key.sign(signBytes(request))) }
}

interface StoredRecord { kind: RecordKind; ref: string; text: string; salt: string; by: string; at: number }

export interface RevealedRecord { kind: RecordKind; ref: string; text: string; salt: string; commitment: string }

export class DepartmentStore {
  private readonly records = new Map<string, StoredRecord>()
  private readonly seen = new Map<string, number>() // signature -> expiry
  private readonly file: string

  constructor(readonly id: string, readonly department: string, dir: string, private readonly chain: ChainView, private readonly now: () => number = Date.now) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    this.file = join(dir, 'records.json')
    if (existsSync(this.file)) for (const r of JSON.parse(readFileSync(this.file, 'utf8')) as StoredRecord[]) this.records.set(`${r.kind}/${r.ref}`, r)
  }

  /** Handles one signed request; throws a typed PolisError on any refusal. */
  async handle(s: SignedStoreRequest): Promise<RevealedRecord | { stored: true; kind: RecordKind; ref: string; commitment: string }> {
    const r = this.authenticate(s)
    const onChain = await this.chain.record(r.kind, r.ref)
    if (!onChain) fail('not_found', `no ${r.kind} ${r.ref} on chain`)
    if (onChain.department !== this.department) fail('invalid_request', `${r.kind} ${r.ref} is handled by ${onChain.department}, not ${this.department}`)
    const requester = fromHex(r.requester)
    const roles = await this.chain.activeRoles(requester)
    const member = roles?.includes(this.department) === true
    if (r.action === 'put') {
      if (!member) fail('unauthorized', `only an active member of ${this.department} stores records`)
      if (r.text === undefined || r.salt === undefined || !/^[0-9a-f]{64}$/.test(r.salt)) fail('invalid_message', 'put needs text and a 32-byte hex salt')
      const c = commitment(r.text, fromHex(r.salt))
      if (!bytesEqual(c, onChain.commitment)) fail('proof_invalid', `sha256(salt ‖ text) does not match the commitment of ${r.kind} ${r.ref} on chain`)
      this.records.set(`${r.kind}/${r.ref}`, { kind: r.kind, ref: r.ref, text: r.text, salt: r.salt, by: r.requester, at: this.now() })
      this.save()
      return { stored: true, kind: r.kind, ref: r.ref, commitment: toHex(c) }
    }
    if (!member && !(roles !== undefined && bytesEqual(requester, onChain.subject))) {
      fail('unauthorized', `${r.kind} ${r.ref} is revealed only to its citizen and to the ${this.department} department`)
    }
    const rec = this.records.get(`${r.kind}/${r.ref}`)
    if (!rec) fail('not_found', `the ${this.department} store holds no ${r.kind} ${r.ref}`)
    const c = commitment(rec.text, fromHex(rec.salt))
    if (!bytesEqual(c, onChain.commitment)) fail('proof_invalid', `the stored ${r.kind} ${r.ref} does not open its commitment on chain: refused`)
    return { kind: rec.kind, ref: rec.ref, text: rec.text, salt: rec.salt, commitment: toHex(c) }
  }

  private authenticate(s: SignedStoreRequest): StoreRequest {
    const r = s?.request
    if (!r || typeof r !== 'object' || typeof s.signature !== 'string' || !/^[0-9a-f]{128}$/.test(s.signature)) fail('invalid_message', 'a signed request is { request, signature (hex) }')
    if (r.store !== this.id) fail('invalid_request', `this is store "${this.id}", not "${String(r.store)}"`)
    if (r.action !== 'put' && r.action !== 'reveal') fail('invalid_message', 'action must be put or reveal')
    if (!(RECORD_KINDS as readonly string[]).includes(r.kind)) fail('invalid_message', `kind must be one of ${RECORD_KINDS.join(', ')}`)
    if (typeof r.ref !== 'string' || !/^[0-9a-zA-Z]{1,64}$/.test(r.ref)) fail('invalid_message', 'ref must be a record id')
    if (typeof r.requester !== 'string' || !/^[0-9a-f]{64}$/.test(r.requester)) fail('invalid_message', 'requester must be a hex public key')
    if (typeof r.time !== 'number' || !Number.isSafeInteger(r.time)) fail('invalid_message', 'time must be ms since the epoch')
    if (r.text !== undefined && typeof r.text !== 'string') fail('invalid_message', 'text must be a string')
    if (r.salt !== undefined && typeof r.salt !== 'string') fail('invalid_message', 'salt must be hex')
    if (!verifySignature(fromHex(r.requester), signBytes(r), fromHex(s.signature))) fail('bad_signature', 'the request is not signed by its requester')
    const now = this.now()
    if (Math.abs(now - r.time) > MAX_SKEW_MS) fail('expired', `request time ${r.time} is more than ${MAX_SKEW_MS} ms from the store's clock`)
    for (const [sig, exp] of this.seen) if (exp < now) this.seen.delete(sig)
    if (this.seen.has(s.signature)) fail('duplicate_tx', 'this signed request was already used')
    this.seen.set(s.signature, now + 2 * MAX_SKEW_MS)
    return r
  }

  private save(): void {
    const tmp = this.file + '.tmp'
    writeFileSync(tmp, JSON.stringify([...this.records.values()], null, 1), { mode: 0o600 })
    renameSync(tmp, this.file)
  }
}

