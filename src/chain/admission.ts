/**
 * Mempool admission without simulation. No handler runs: a transaction is admitted on its
 * stateless checks (done by the App: size, canonical decoding, chain id, message shapes, signature)
 * and on this cheap stateful precheck against the last committed state plus a light view of what
 * the mempool already holds per sender:
 *   account registered and active, nonce = the next one after the sender's pending transactions,
 *   a role each message allows, each message's own read-only `precheck` (e.g. the recipient exists),
 *   and for messages that declare `spends` the sender's balance net of what its pending
 *   transactions spend.
 * Credits a pending transaction would bring are not counted (conservative). What admission cannot
 * know (a handler's own refusal, or another sender's pending transaction revoking this one) fails
 * in the block, is recorded with its code and consumes the nonce. See docs/ARCHITECTURE.md.
 */
import { fail } from '../base/errors.js'
import { toHex } from '../base/bytes.js'
import { keyString, type KVReader } from '../app/kv.js'
import type { DecodedTx } from '../app/tx.js'
import { getAccount, type Account } from '../modules/identity/index.js'
import { balanceOf, nativeDenom } from '../modules/bank/index.js'
import { checkAccount, type ResolvedMsg } from './checks.js'

interface Pending {
  account: Account
  /** The nonce the sender's next transaction must carry. */
  nextNonce: bigint
  /** Per denom: what the sender's admitted transactions take out of its balance. */
  spent: Map<string, bigint>
}

export class MempoolView {
  private readonly senders = new Map<string, Pending>()
  private native: string | undefined

  /** `state` is the last committed state; it must not change while the view lives (see reset). */
  constructor(private state: KVReader) {}

  /** After a commit: forget the pending transactions (the engine re-admits what is left). */
  reset(state: KVReader): void {
    this.state = state
    this.senders.clear()
    this.native = undefined
  }

  get pendingSenders(): number {
    return this.senders.size
  }

  /** Admits `tx` (whose signature is verified) at `height`, or refuses with a typed error and changes nothing. */
  admit(tx: DecodedTx, msgs: readonly ResolvedMsg[], height: bigint): void {
    const sender = tx.body.sender
    const key = keyString(sender)
    let p = this.senders.get(key)
    let account: Account
    if (p) account = p.account
    else {
      const a = getAccount(this.state, sender)
      if (!a) fail('unknown_account', `sender ${toHex(sender)} is not a registered account`)
      account = a
    }
    checkAccount(account, p ? p.nextNonce : account.nonce, tx, msgs, height)
    let need: Map<string, bigint> | undefined
    for (const m of msgs) {
      m.def.precheck?.(this.state, m.parsed, sender)
      const out = m.def.spends?.(m.parsed)
      if (!out) continue
      for (const s of out) {
        const denom = s.denom ?? this.nativeDenom()
        need ??= new Map()
        need.set(denom, (need.get(denom) ?? 0n) + s.amount)
      }
    }
    if (need) {
      for (const [denom, amount] of need.size === 1 ? need : [...need].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
        const spendable = balanceOf(this.state, sender, denom) - (p?.spent.get(denom) ?? 0n)
        if (spendable < amount) {
          fail('insufficient_funds', `balance ${spendable} ${denom} net of the mempool is less than ${amount} ${denom}`)
        }
      }
    }
    if (!p) this.senders.set(key, (p = { account, nextNonce: account.nonce, spent: new Map() }))
    p.nextNonce = tx.body.nonce + 1n
    if (need) for (const [denom, amount] of need) p.spent.set(denom, (p.spent.get(denom) ?? 0n) + amount)
  }

  private nativeDenom(): string {
    return (this.native ??= nativeDenom(this.state))
  }
}
