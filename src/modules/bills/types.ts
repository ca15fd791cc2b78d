/**
 * The bills module's names: its state keys, message types and event names, and typed builders of
 * its messages for clients.
 *
 * Keys (under "bills/"):
 *   n                      -> next bill id (u64)
 *   b|id(8)                -> Bill (CBOR)
 *   d|due(8)|id(8)         -> 0x01  open bills not yet marked overdue, by due time (end-block scan)
 *   c|citizen(32)|id(8)    -> 0x01  bills of a citizen
 *   r|id(8)|seq(4)         -> Receipt (CBOR): a payment in, or a refund out
 *   h|id(8)|seq(4)         -> Change (CBOR): cancellation or correction, with its reason
 *   t|department           -> Totals (CBOR)
 */
import type { Msg } from '../../app/tx.js'

export const MODULE = 'bills'

/** Key prefixes under "bills/". */
export const BILLS_KEY = { next: 'n', bill: 'b', due: 'd', citizen: 'c', receipt: 'r', change: 'h', totals: 't' } as const

export const BILLS_MSG = {
  issue: 'bills/issue',
  pay: 'bills/pay',
  cancel: 'bills/cancel',
  correct: 'bills/correct',
  withdraw: 'bills/withdraw',
} as const

export const BILLS_EVENT = {
  issued: 'bills.issued',
  paid: 'bills.paid',
  cancelled: 'bills.cancelled',
  corrected: 'bills.corrected',
  withdrawn: 'bills.withdrawn',
  overdue: 'bills.overdue',
} as const

export const billsMsgs = {
  /** A department issues a bill to a citizen; `details`: a 32-byte salted commitment to the off-chain record. */
  issue(p: { department: string; citizen: Uint8Array; amount: bigint; dueAt: bigint; service: string; reference: string; details?: Uint8Array }): Msg {
    const value: Msg['value'] = { department: p.department, citizen: p.citizen, amount: p.amount, due_at: p.dueAt, service: p.service, reference: p.reference }
    if (p.details !== undefined) value.details = p.details
    return { type: BILLS_MSG.issue, value }
  },
  /** The billed citizen pays `amount` (default: all that remains). */
  pay(p: { bill: bigint; department: string; amount?: bigint }): Msg {
    const value: Msg['value'] = { bill: p.bill, department: p.department }
    if (p.amount !== undefined) value.amount = p.amount
    return { type: BILLS_MSG.pay, value }
  },
  cancel(p: { bill: bigint; reason: string }): Msg {
    return { type: BILLS_MSG.cancel, value: { bill: p.bill, reason: p.reason } }
  },
  /** Changes the amount and/or the due date. */
  correct(p: { bill: bigint; reason: string; amount?: bigint; dueAt?: bigint }): Msg {
    const value: Msg['value'] = { bill: p.bill, reason: p.reason }
    if (p.amount !== undefined) value.amount = p.amount
    if (p.dueAt !== undefined) value.due_at = p.dueAt
    return { type: BILLS_MSG.correct, value }
  },
  withdraw(p: { department: string; to: Uint8Array; amount: bigint; reason: string }): Msg {
    return { type: BILLS_MSG.withdraw, value: { department: p.department, to: p.to, amount: p.amount, reason: p.reason } }
  },
}
