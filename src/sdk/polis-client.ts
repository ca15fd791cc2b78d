/**
 * PolisClient: a typed client of a node's HTTP API (docs/API.md).
 *
 *   const client = new PolisClient('http://127.0.0.1:26680')
 *   const alice = loadKeyFile('.polis/keys/citizen-1.json')
 *   const r = await client.send(alice, bobAddress, 250n)          // signs, picks the nonce, waits for the block
 *   const trust = trustGenesis(JSON.parse(readFileSync('.polis/genesis.json', 'utf8')))
 *   const v = await client.verifiedBalance(bobAddress, trust)       // header signature + ICS-23 proof checked
 *
 * Nonces: the next nonce is the account's committed nonce, or the one after the last transaction this
 * client submitted for that sender if that is higher (the mempool admits a sender's transactions in
 * nonce order). Choosing the nonce and getting the transaction admitted are serialised per sender
 * inside a client; waiting for the block is not. A `bad_nonce` refusal (another client of the key
 * moved the nonce on) resets it from the node's hint, a `duplicate_tx` (the same bytes are already
 * pending) moves to the next nonce, and the transaction is re-signed (at most 3 times).
 *
 * Errors: refusals are PolisError (PolisHttpError) with the ledger's code; an unreachable node is
 * NodeUnreachableError; a failed verification is PolisError('proof_invalid').
 */
import { PolisError, errorNameOf } from '../base/errors.js'
import { signTx, txHash, type Msg } from '../app/tx.js'
import { toHex } from '../base/bytes.js'
import type { KeyPair } from '../crypto/keys.js'
import { NodeUnreachableError, errorFromResponse } from './errors.js'
import { bank, identity, toAddress, type AddressLike, type AmountLike } from './msgs.js'
import { trustGenesis, verifyHeader, verifyStoreProof, type SignedHeader, type TrustedChain, type VerifiedValue } from './proof.js'
import { accountStoreKey, balanceStoreKey, decodeStateValue, describeKey } from './state.js'
import type {
  AccountJson, BalanceJson, BatchResult, BlockResponse, HeaderResponse, NodeStatus, StoreResponse, SubmitResponse, TxResult, TxStatusResponse,
} from './types.js'
import type { Genesis } from '../app/genesis.js'
import { amountFromBytes } from '../codec/amount.js'

export const DEFAULT_NODE_URL = 'http://127.0.0.1:26680'
export const MAX_BATCH = 1000

export interface ClientOptions {
  /** Per-request timeout (ms); default 15 s. Waiting for a commit has its own timeout. */
  timeoutMs?: number
  /** The chain id to sign for; by default read once from `/v1/status`. */
  chainId?: string
  /** Extra request headers (e.g. an authorisation header in front of a proxy). */
  headers?: Record<string, string>
  fetch?: typeof fetch
}

export interface SignedTx {
  bytes: Uint8Array
  hex: string
  hash: string
  sender: string
  nonce: bigint
}

export interface TxOptions {
  /** Explicit nonce; otherwise chosen automatically. */
  nonce?: bigint
  memo?: string
  /** Wait for the block (default true). */
  wait?: boolean
  /** How long to wait for the block (ms, default 30 s). */
  timeoutMs?: number
  /** Return a committed-but-failed result instead of throwing (default false). */
  allowFailure?: boolean
}

/** The transaction was admitted (not waited for). */
export interface Submitted { hash: string; nonce: bigint; status: 'pending' }

export interface VerifiedState extends VerifiedValue {
  height: bigint
  appHash: Uint8Array
  header: SignedHeader
}

type Query = Record<string, string | number | bigint | boolean | undefined>

/** A committed transaction whose execution failed (it consumed its nonce and changed nothing else). */
export class TxFailedError extends PolisError {
  constructor(readonly result: TxResult) {
    const n = errorNameOf(result.code)
    const log = result.log.startsWith(`${n}: `) ? result.log.slice(n.length + 2) : result.log
    super(n === 'unknown' ? 'internal' : n, `transaction ${result.hash} failed in block ${result.height}: ${log}`)
    this.name = 'TxFailedError'
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export class PolisClient {
  readonly url: string
  private readonly timeoutMs: number
  private readonly headers: Record<string, string>
  private readonly fetchFn: typeof fetch
  private chainIdValue?: string
  private readonly nextNonces = new Map<string, bigint>()
  private readonly senderLocks = new Map<string, Promise<unknown>>()

  constructor(url: string = DEFAULT_NODE_URL, opts: ClientOptions = {}) {
    let u: URL
    try {
      u = new URL(url)
    } catch {
      throw new PolisError('invalid_request', `node URL "${url}" is not a valid URL (e.g. ${DEFAULT_NODE_URL})`)
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PolisError('invalid_request', `node URL "${url}" must be http:// or https://`)
    this.url = u.href.replace(/\/+$/, '')
    this.timeoutMs = opts.timeoutMs ?? 15_000
    this.headers = opts.headers ?? {}
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init))
    this.chainIdValue = opts.chainId
  }

  // ------------------------------------------------------------------ HTTP

  /** GET a path of the API (e.g. "/v1/status"); throws PolisError on a problem response. */
  async get<T>(path: string, query?: Query, timeoutMs?: number): Promise<T> {
    return (await this.request<T>('GET', path, undefined, query, timeoutMs)).body
  }

  async post<T>(path: string, body: unknown, query?: Query, timeoutMs?: number): Promise<T> {
    return (await this.request<T>('POST', path, body, query, timeoutMs)).body
  }

  private async request<T>(method: string, path: string, body?: unknown, query?: Query, timeoutMs = this.timeoutMs): Promise<{ status: number; body: T }> {
    let target = this.url + path
    if (query) {
      const qs = new URLSearchParams()
      for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v))
      const s = qs.toString()
      if (s) target += '?' + s
    }
    let res: Response
    let text: string
    try {
      res = await this.fetchFn(target, {
        method,
        headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...this.headers },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      })
      text = await res.text()
    } catch (e) {
      if (e instanceof PolisError) throw e // a refusal by a checking `fetch` (e.g. the CLI's wrong-chain guard), not a network failure
      // (for a submission this leaves open whether the node admitted it: ask with `tx(hash)`)
      const err = e as Error & { cause?: { code?: string; message?: string } }
      if (err.name === 'TimeoutError' || err.name === 'AbortError') throw new NodeUnreachableError(this.url, `no answer within ${timeoutMs} ms`)
      throw new NodeUnreachableError(this.url, err.cause?.code ?? err.cause?.message ?? err.message)
    }
    let parsed: unknown = text
    if (text) {
      try {
        parsed = JSON.parse(text)
      } catch {
        if (res.ok) throw new PolisError('internal', `${method} ${path}: the node answered ${res.status} with a body that is not JSON`)
      }
    }
    if (!res.ok) throw errorFromResponse(res.status, parsed, target)
    return { status: res.status, body: parsed as T }
  }

  // ------------------------------------------------------------------ node and chain

  status(): Promise<NodeStatus> {
    return this.get<NodeStatus>('/v1/status')
  }

  async chainId(): Promise<string> {
    if (!this.chainIdValue) this.chainIdValue = (await this.status()).chain_id
    return this.chainIdValue
  }

  async height(): Promise<bigint> {
    return BigInt((await this.status()).height)
  }

  genesis(): Promise<Genesis> {
    return this.get<Genesis>('/v1/genesis')
  }

  /** Resolves once the chain has committed `height` (polling). */
  async waitForHeight(height: bigint, timeoutMs = 30_000): Promise<bigint> {
    const end = Date.now() + timeoutMs
    for (;;) {
      const h = await this.height()
      if (h >= height) return h
      if (Date.now() > end) throw new PolisError('expired', `height ${height} not reached within ${timeoutMs} ms (at ${h})`)
      await sleep(50)
    }
  }

  // ------------------------------------------------------------------ queries

  /** A module query, e.g. `query('bank', 'balance', { address })`; `height` reads old state. */
  async query<T = unknown>(module: string, name: string, params: Record<string, string | undefined> = {}, opts: { height?: bigint } = {}): Promise<T> {
    if (!/^[a-z][a-z0-9_-]*$/.test(module) || !/^[a-z][a-z0-9_-]*$/.test(name)) throw new PolisError('invalid_request', `bad query path "${module}/${name}"`)
    return this.get<T>(`/v1/query/${module}/${name}`, { ...params, height: opts.height })
  }

  /** The identity record of an address, or undefined if it is not registered. */
  async account(address: AddressLike, opts: { height?: bigint } = {}): Promise<AccountJson | undefined> {
    try {
      return await this.query<AccountJson>('identity', 'account', { address: toHex(toAddress(address)) }, opts)
    } catch (e) {
      if (e instanceof PolisError && e.errorName === 'not_found' && !/height|block/.test(e.message)) return undefined
      throw e
    }
  }

  /** `GET /v1/accounts/{address}`: the identity record with every balance, as the node serves it. */
  async accountOverview<T = Record<string, unknown>>(address: AddressLike): Promise<T> {
    return this.get<T>(`/v1/accounts/${toHex(toAddress(address))}`)
  }

  async balance(address: AddressLike, opts: { denom?: string; height?: bigint } = {}): Promise<bigint> {
    const r = await this.query<BalanceJson>('bank', 'balance', { address: toHex(toAddress(address)), denom: opts.denom }, opts)
    return BigInt(r.amount)
  }

  async balances(address: AddressLike, opts: { height?: bigint } = {}): Promise<Array<{ denom: string; amount: bigint }>> {
    const r = await this.query<{ balances: Array<{ denom: string; amount: string }> }>('bank', 'balances', { address: toHex(toAddress(address)) }, opts)
    return r.balances.map((b) => ({ denom: b.denom, amount: BigInt(b.amount) }))
  }

  async supply(denom?: string): Promise<bigint> {
    return BigInt((await this.query<{ amount: string }>('bank', 'supply', { denom })).amount)
  }

  async tx(hash: string | Uint8Array): Promise<TxStatusResponse> {
    return this.get<TxStatusResponse>(`/v1/txs/${typeof hash === 'string' ? checkHash(hash) : toHex(hash)}`)
  }

  async block(height: bigint | 'latest' = 'latest'): Promise<BlockResponse> {
    return this.get<BlockResponse>(`/v1/blocks/${height === 'latest' ? 'latest' : checkHeight(height)}`)
  }

  async header(height: bigint): Promise<HeaderResponse> {
    return this.get<HeaderResponse>(`/v1/headers/${checkHeight(height)}`)
  }

  /** A raw state key, with its ICS-23 proof if `prove` (not verified here: see `verifiedState`). */
  async store(key: Uint8Array | string, opts: { height?: bigint; prove?: boolean } = {}): Promise<StoreResponse> {
    const hex = typeof key === 'string' ? key.toLowerCase() : toHex(key)
    if (!/^(?:[0-9a-f]{2})+$/.test(hex)) throw new PolisError('invalid_request', 'a state key is non-empty hex')
    return this.get<StoreResponse>(`/v1/store/${hex}`, { height: opts.height, prove: opts.prove ? 'true' : undefined })
  }

  // ------------------------------------------------------------------ verified reads

  /** Header `height`, checked against the trusted genesis (signature, hash, validator). */
  async verifiedHeader(height: bigint, trust: TrustedChain): Promise<SignedHeader> {
    return verifyHeader(await this.header(height), trust, height)
  }

  /**
   * The value of a state key (or its absence) at `height` (default: latest), proven: the header is
   * checked against the trusted genesis and the ICS-23 proof against the header's app hash.
   */
  async verifiedState(key: Uint8Array, trust: TrustedChain, opts: { height?: bigint } = {}): Promise<VerifiedState> {
    const height = opts.height ?? (await this.height())
    const [h, s] = await Promise.all([this.header(height), this.store(key, { height, prove: true })])
    const header = verifyHeader(h, trust, height)
    if (String(s.height) !== height.toString()) throw new PolisError('proof_invalid', `asked for state at height ${height}, the node answered for ${s.height}`)
    const v = verifyStoreProof(s, header.header.appHash, key)
    return { ...v, height, appHash: header.header.appHash, header }
  }

  /** A balance proven against a verified header. */
  async verifiedBalance(address: AddressLike, trust: TrustedChain, opts: { denom?: string; height?: bigint } = {}): Promise<{ amount: bigint } & VerifiedState> {
    const denom = opts.denom ?? trust.nativeDenom
    if (!denom) throw new PolisError('invalid_request', 'no denomination given and the trusted genesis names none')
    const v = await this.verifiedState(balanceStoreKey(toAddress(address), denom), trust, opts)
    return { ...v, amount: amountFromBytes(v.value) }
  }

  /** An identity record proven against a verified header (null when proven absent). */
  async verifiedAccount(address: AddressLike, trust: TrustedChain, opts: { height?: bigint } = {}): Promise<{ account: AccountJson | null } & VerifiedState> {
    const v = await this.verifiedState(accountStoreKey(toAddress(address)), trust, opts)
    const d = decodeStateValue(describeKey(v.key), v.value) as { account: AccountJson | null }
    return { ...v, account: d.account }
  }

  /** The node's own genesis as a trust anchor. Only as trustworthy as the node: prefer a genesis file you got out of band. */
  async trustNodeGenesis(): Promise<TrustedChain> {
    return trustGenesis(await this.genesis())
  }

  // ------------------------------------------------------------------ transactions

  /** The nonce the next transaction of `address` should carry. */
  async nextNonce(address: AddressLike): Promise<bigint> {
    const a = toHex(toAddress(address))
    let committed = 0n
    try {
      const acct = await this.account(a)
      if (acct) committed = BigInt(acct.nonce)
    } catch (e) {
      // before block 1 the node has no state to query: genesis accounts start at nonce 0
      if (!(e instanceof PolisError && e.errorName === 'not_found')) throw e
    }
    const local = this.nextNonces.get(a)
    return local !== undefined && local > committed ? local : committed
  }

  /** Forgets locally tracked nonces (all, or one sender's). */
  resetNonces(address?: AddressLike): void {
    if (address === undefined) this.nextNonces.clear()
    else this.nextNonces.delete(toHex(toAddress(address)))
  }

  /** Signs a transaction (canonical CBOR, Ed25519) without submitting it. */
  async sign(signer: KeyPair, msgs: Msg[], opts: { nonce?: bigint; memo?: string } = {}): Promise<SignedTx> {
    const chainId = await this.chainId()
    const nonce = opts.nonce ?? (await this.nextNonce(signer))
    return signWith(chainId, signer, msgs, nonce, opts.memo)
  }

  /** Admits a transaction to the mempool; throws PolisError with the refusal's code. */
  async submit(tx: Uint8Array | SignedTx): Promise<SubmitResponse> {
    const bytes = tx instanceof Uint8Array ? tx : tx.bytes
    return this.post<SubmitResponse>('/v1/txs', { tx: toHex(bytes) })
  }

  /** Submits many transactions (chunks of 1000); refusals come back per transaction, in order. */
  async submitBatch(txs: Array<Uint8Array | SignedTx>): Promise<BatchResult[]> {
    const out: BatchResult[] = []
    for (let i = 0; i < txs.length; i += MAX_BATCH) {
      const chunk = txs.slice(i, i + MAX_BATCH).map((t) => toHex(t instanceof Uint8Array ? t : t.bytes))
      const r = await this.post<{ results: BatchResult[] }>('/v1/txs/batch', { txs: chunk })
      out.push(...r.results)
    }
    return out
  }

  /**
   * Submits and resolves with the committed result (whose `code` may be non-zero: a transaction
   * that failed in its block). A refusal at admission throws.
   */
  async submitAndWait(tx: Uint8Array | SignedTx, opts: { timeoutMs?: number } = {}): Promise<TxResult> {
    const bytes = tx instanceof Uint8Array ? tx : tx.bytes
    const hash = toHex(txHash(bytes))
    const timeoutMs = opts.timeoutMs ?? 30_000
    const start = Date.now()
    let body: unknown
    try {
      body = await this.post<unknown>('/v1/txs', { tx: toHex(bytes) }, { wait: 'true', timeout_ms: Math.min(Math.max(1, timeoutMs), 999_999) }, timeoutMs + 5_000)
    } catch (e) {
      // the node gave up waiting before we did: keep polling for the rest of our time
      if (e instanceof PolisError && e.errorName === 'expired') return this.waitForTx(hash, { timeoutMs: Math.max(1, timeoutMs - (Date.now() - start)) })
      throw e
    }
    const r = asResult(body, hash)
    return r ?? this.waitForTx(hash, { timeoutMs: Math.max(1, timeoutMs - (Date.now() - start)) })
  }

  /** Polls `/v1/txs/{hash}` until the transaction is committed. */
  async waitForTx(hash: string | Uint8Array, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<TxResult> {
    const h = typeof hash === 'string' ? checkHash(hash) : toHex(hash)
    const start = Date.now()
    const end = start + (opts.timeoutMs ?? 30_000)
    let poll = opts.pollMs ?? 10
    let unknownSince: number | undefined
    for (;;) {
      const s = await this.tx(h)
      const r = asResult(s, h)
      if (r) return r
      if (s.status === 'unknown') {
        // a transaction leaves the mempool just before its block's results are written; an
        // "unknown" that lasts means it was dropped (e.g. it no longer fit the new state)
        unknownSince ??= Date.now()
        if (Date.now() - unknownSince > 3_000) throw new PolisError('not_found', `transaction ${h} is neither pending nor committed (dropped from the mempool, or never submitted)`)
      } else unknownSince = undefined
      if (Date.now() > end) throw new PolisError('expired', `transaction ${h} not committed within ${opts.timeoutMs ?? 30_000} ms`)
      await sleep(poll)
      // quick at first (a block is usually cut within a few hundred ms), then gentler
      poll = opts.pollMs ?? (Date.now() - start > 10_000 ? 500 : Math.min(poll * 2, 100))
    }
  }

  /**
   * Signs with the automatic nonce, submits, and (unless `wait: false`) waits for the block.
   * Throws TxFailedError if the transaction failed in its block, unless `allowFailure`.
   */
  signAndSubmit(signer: KeyPair, msgs: Msg[], opts: TxOptions & { wait: false }): Promise<Submitted>
  signAndSubmit(signer: KeyPair, msgs: Msg[], opts?: TxOptions): Promise<TxResult>
  async signAndSubmit(signer: KeyPair, msgs: Msg[], opts: TxOptions = {}): Promise<TxResult | Submitted> {
    const chainId = await this.chainId()
    const sender = toHex(signer.publicKey)
    // Nonce choice and admission happen one transaction at a time per sender: the mempool admits a
    // sender's transactions only in nonce order, and concurrent requests may reach it in any order.
    // Waiting for the block happens outside, so many transactions of one sender share a block.
    const tx = await this.withSender(sender, async () => {
      for (let attempt = 0; ; attempt++) {
        const nonce = opts.nonce ?? (await this.nextNonce(sender))
        const t = signWith(chainId, signer, msgs, nonce, opts.memo)
        try {
          await this.submit(t)
          this.nextNonces.set(sender, nonce + 1n)
          return t
        } catch (e) {
          this.nextNonces.delete(sender)
          if (e instanceof PolisError && opts.nonce === undefined && attempt < 3) {
            // another client of this key moved its nonce on (or a transaction was dropped):
            // take the node's hint and re-sign
            if (e.errorName === 'bad_nonce') {
              const hint = /next nonce is (\d+)/.exec(e.message)
              if (hint) this.nextNonces.set(sender, BigInt(hint[1]!))
              continue
            }
            // the very same bytes are pending (same nonce and messages, from another client):
            // that nonce is taken, so this new transaction takes the next one
            if (e.errorName === 'duplicate_tx') {
              this.nextNonces.set(sender, nonce + 1n)
              continue
            }
          }
          throw e
        }
      }
    })
    if (opts.wait === false) return { hash: tx.hash, nonce: tx.nonce, status: 'pending' }
    const r = await this.waitForTx(tx.hash, { timeoutMs: opts.timeoutMs })
    if (!r.ok && !opts.allowFailure) throw new TxFailedError(r)
    return r
  }

  /** Signs several transactions of one sender with consecutive nonces (not submitted). */
  async signMany(signer: KeyPair, msgsList: Msg[][], opts: { memo?: string } = {}): Promise<SignedTx[]> {
    const chainId = await this.chainId()
    const sender = toHex(signer.publicKey)
    return this.withSender(sender, async () => {
      const first = await this.nextNonce(sender)
      this.nextNonces.set(sender, first + BigInt(msgsList.length))
      return msgsList.map((msgs, i) => signWith(chainId, signer, msgs, first + BigInt(i), opts.memo))
    })
  }

  // conveniences for the ledger core's messages

  send(signer: KeyPair, to: AddressLike, amount: AmountLike, opts: TxOptions & { denom?: string } = {}): Promise<TxResult> {
    return this.signAndSubmit(signer, [bank.send(to, amount, opts.denom)], { ...opts, wait: true })
  }

  mint(authority: KeyPair, to: AddressLike, amount: AmountLike, opts: TxOptions = {}): Promise<TxResult> {
    return this.signAndSubmit(authority, [bank.mint(to, amount)], { ...opts, wait: true })
  }

  registerDevice(authority: KeyPair, device: AddressLike, opts: TxOptions & { meta?: Uint8Array | string } = {}): Promise<TxResult> {
    return this.signAndSubmit(authority, [identity.registerDevice(device, opts.meta)], { ...opts, wait: true })
  }

  grantRole(authority: KeyPair, account: AddressLike, role: string, opts: TxOptions = {}): Promise<TxResult> {
    return this.signAndSubmit(authority, [identity.grantRole(account, role)], { ...opts, wait: true })
  }

  revoke(authority: KeyPair, account: AddressLike, opts: TxOptions & { reason?: string } = {}): Promise<TxResult> {
    return this.signAndSubmit(authority, [identity.revoke(account, opts.reason)], { ...opts, wait: true })
  }

  private async withSender<T>(sender: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.senderLocks.get(sender) ?? Promise.resolve()
    const run = prev.then(fn, fn)
    const tail = run.catch(() => undefined)
    this.senderLocks.set(sender, tail)
    try {
      return await run
    } finally {
      if (this.senderLocks.get(sender) === tail) this.senderLocks.delete(sender)
    }
  }
}

export function signWith(chainId: string, signer: KeyPair, msgs: Msg[], nonce: bigint, memo?: string): SignedTx {
  const bytes = signTx({ chainId, sender: signer.publicKey, nonce, msgs, memo }, signer)
  return { bytes, hex: toHex(bytes), hash: toHex(txHash(bytes)), sender: toHex(signer.publicKey), nonce }
}

/** A committed result from a `/v1/txs` answer, or undefined if it is not (yet) one. */
function asResult(body: unknown, hash: string): TxResult | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const b = body as Partial<TxStatusResponse> & { result?: Partial<TxStatusResponse> }
  const s = b.result && typeof b.result === 'object' ? { ...b, ...b.result } : b
  if (s.status !== undefined && s.status !== 'committed') return undefined
  if (s.height === undefined || s.code === undefined) return undefined
  return {
    hash: typeof s.hash === 'string' ? s.hash : hash,
    height: BigInt(s.height),
    index: Number(s.index ?? 0),
    code: Number(s.code),
    log: s.log ?? '',
    events: Array.isArray(s.events) ? s.events : [],
    ok: Number(s.code) === 0,
  }
}

function checkHash(h: string): string {
  const x = h.toLowerCase()
  if (!/^[0-9a-f]{64}$/.test(x)) throw new PolisError('invalid_request', `a transaction hash is 64 hex characters, got "${h}"`)
  return x
}

function checkHeight(h: bigint): string {
  if (typeof h !== 'bigint' || h < 1n) throw new PolisError('invalid_request', 'a height is a positive integer')
  return h.toString()
}
