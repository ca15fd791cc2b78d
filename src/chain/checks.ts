/**
 * The checks a transaction passes before its handlers run (cosmos-sdk's ante handler): the sender
 * is a registered account, active at this height, the nonce is the account's next one, and the
 * sender holds a role that every message allows. Checking reads state and changes nothing; a
 * refusal is a PolisError. Consuming the nonce is the one write, made by the App once checks pass.
 */
import { fail } from '../base/errors.js'
import { toHex } from '../base/bytes.js'
import type { KV, KVReader } from '../app/kv.js'
import type { MessageDef } from '../app/module.js'
import type { DecodedTx } from '../app/tx.js'
import { getAccount, hasRole, isActiveAt, setNonce, type Account } from '../modules/identity/index.js'

/** A message of a transaction, resolved to the definition of the module that handles it. */
export interface ResolvedMsg { def: MessageDef; parsed: unknown; module: string; action: string }

/** The sender's account when the transaction may run at `height`; refuses otherwise. */
export function checkSender(kv: KVReader, tx: DecodedTx, msgs: readonly ResolvedMsg[], height: bigint): Account {
  const a = getAccount(kv, tx.body.sender)
  if (!a) fail('unknown_account', `sender ${toHex(tx.body.sender)} is not a registered account`)
  checkAccount(a, a.nonce, tx, msgs, height)
  return a
}

/**
 * The checks on a known account: active at `height`, the transaction's nonce is `nextNonce` (the
 * account's, or at admission the one after the sender's transactions already in the mempool), and
 * the sender holds a role every message allows.
 */
export function checkAccount(a: Account, nextNonce: bigint, tx: DecodedTx, msgs: readonly ResolvedMsg[], height: bigint): void {
  if (!isActiveAt(a, height)) fail('account_revoked', `sender ${toHex(a.pubKey)} was revoked at height ${a.revokedAt}`)
  if (tx.body.nonce !== nextNonce) fail('bad_nonce', `nonce ${tx.body.nonce} refused: the account's next nonce is ${nextNonce}`)
  for (const m of msgs) {
    if (m.def.roles !== 'any' && !m.def.roles.some((r) => hasRole(a, r))) {
      fail('unauthorized', `${m.module}/${m.action} needs one of the roles ${m.def.roles.join(', ')}`)
    }
  }
}

/** Advances the sender's nonce past this transaction. */
export function consumeNonce(kv: KV, account: Account): void {
  setNonce(kv, account, account.nonce + 1n)
}
