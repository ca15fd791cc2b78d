/**
 * Bills keeper: departments (water, electricity, parking, tax) issue bills to citizen accounts;
 * citizens pay them, in full or in parts, into the department's treasury through the bank keeper.
 *
 * Key layout: types.ts.
 *
 * Invariants (tested): for each department, balance(treasury) = collected - refunded - withdrawn,
 * and billed = outstanding + (collected - refunded).
 * Personal data never enters state: a bill names an account (a key), a service code, a reference
 * code and optionally a 32-byte salted commitment to the off-chain details.
 */
import { isoMs } from '../../base/human-time.js'
import { decodeCanonical, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext, type TxContext } from '../../app/module.js'
import { sha256 } from '../../crypto/hash.js'
import { bytesEqual, concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { balanceOf, nativeDenom, transfer } from '../bank/keeper.js'
import { getAccount, registerAccount, requireActiveAccount } from '../identity/keeper.js'
import { u64be as u64, u32be as u32, readU64be, readU32be } from '../../codec/be.js'
import { BILLS_EVENT, BILLS_KEY as K, MODULE } from './types.js'

export const DEPARTMENTS = ['electricity', 'parking', 'tax', 'water'] as const
export type Department = (typeof DEPARTMENTS)[number]
/** Bills marked overdue per block at most; the rest are marked in the next blocks. */
export const OVERDUE_SCAN_LIMIT = 1000

export type BillStatus = 'open' | 'paid' | 'cancelled'

export interface Bill {
  id: bigint
  department: Department
  citizen: Uint8Array
  amount: bigint
  paid: bigint
  dueAt: bigint
  service: string
  reference: string
  details?: Uint8Array
  status: BillStatus
  overdue: boolean
  issuedAt: bigint      // block time
  issuedHeight: bigint
  receipts: number
  changes: number
}

export interface Receipt {
  bill: bigint
  seq: number
  kind: 'payment' | 'refund'
  account: Uint8Array   // payer (payment) or recipient (refund)
  amount: bigint
  height: bigint
  time: bigint
  tx: Uint8Array
}

export interface Change {
  bill: bigint
  seq: number
  kind: 'cancel' | 'correct'
  reason: string
  by: Uint8Array
  height: bigint
  time: bigint
  oldAmount: bigint
  newAmount: bigint
  oldDueAt: bigint
  newDueAt: bigint
}

export interface Totals {
  bills: bigint
  open: bigint
  paid: bigint
  cancelled: bigint
  overdue: bigint     // bills ever marked overdue
  billed: bigint      // sum of amounts of bills not cancelled
  outstanding: bigint // sum of amount - paid over open bills
  collected: bigint   // paid into the treasury
  refunded: bigint    // paid back out of the treasury (cancellations)
  withdrawn: bigint   // moved out of the treasury by the department
}

const ONE = new Uint8Array([1])
const NEXT_KEY = utf8(K.next)
const billKey = (id: bigint) => concatBytes(utf8(K.bill), u64(id))
const dueKey = (due: bigint, id: bigint) => concatBytes(utf8(K.due), u64(due), u64(id))
const citizenKey = (pk: Uint8Array, id: bigint) => concatBytes(utf8(K.citizen), pk, u64(id))
const receiptKey = (id: bigint, seq: number) => concatBytes(utf8(K.receipt), u64(id), u32(seq))
const changeKey = (id: bigint, seq: number) => concatBytes(utf8(K.change), u64(id), u32(seq))
const totalsKey = (d: string) => utf8(K.totals + d)

const big = (x: unknown) => BigInt(x as number | bigint)

export function isDepartment(s: string): s is Department {
  return (DEPARTMENTS as readonly string[]).includes(s)
}

/** The treasury of a department: a module address no key controls (SHA-256 of a fixed label). */
export function treasuryAddress(department: Department): Uint8Array {
  return sha256(utf8('polis/bills/treasury/' + department))
}

function ensureTreasury(ctx: ExecContext, department: Department): Uint8Array {
  const addr = treasuryAddress(department)
  if (!getAccount(ctx.kv, addr)) registerAccount(ctx, addr, [])
  return addr
}

// ------------------------------------------------------------------ records

function encodeBill(b: Bill): Uint8Array {
  const m: Record<string, unknown> = {
    department: b.department, citizen: b.citizen, amount: b.amount, paid: b.paid, due_at: b.dueAt,
    service: b.service, reference: b.reference, status: b.status, overdue: b.overdue,
    issued_at: b.issuedAt, issued_height: b.issuedHeight, receipts: b.receipts, changes: b.changes,
  }
  if (b.details) m.details = b.details
  return encodeCanonical(m)
}

function decodeBill(id: bigint, bytes: Uint8Array): Bill {
  const m = decodeCanonical(bytes, 'invalid_state') as Record<string, unknown>
  const b: Bill = {
    id, department: m.department as Department, citizen: m.citizen as Uint8Array, amount: big(m.amount), paid: big(m.paid),
    dueAt: big(m.due_at), service: m.service as string, reference: m.reference as string, status: m.status as BillStatus,
    overdue: m.overdue as boolean, issuedAt: big(m.issued_at), issuedHeight: big(m.issued_height),
    receipts: Number(m.receipts), changes: Number(m.changes),
  }
  if (m.details instanceof Uint8Array) b.details = m.details
  return b
}

export function getBill(kv: KVReader, id: bigint): Bill | undefined {
  const v = moduleReader(kv, MODULE).get(billKey(id))
  return v ? decodeBill(id, v) : undefined
}

export function requireBill(kv: KVReader, id: bigint): Bill {
  const b = getBill(kv, id)
  if (!b) fail('not_found', `no bill ${id}`)
  return b
}

function putBill(kv: KV, b: Bill): void {
  moduleStore(kv, MODULE).set(billKey(b.id), encodeBill(b))
}

const TOTAL_FIELDS = ['bills', 'open', 'paid', 'cancelled', 'overdue', 'billed', 'outstanding', 'collected', 'refunded', 'withdrawn'] as const

export function totalsOf(kv: KVReader, department: Department): Totals {
  const v = moduleReader(kv, MODULE).get(totalsKey(department))
  const m = v ? (decodeCanonical(v, 'invalid_state') as Record<string, unknown>) : {}
  const t = {} as Totals
  for (const f of TOTAL_FIELDS) t[f] = m[f] === undefined ? 0n : big(m[f])
  return t
}

function updateTotals(kv: KV, department: Department, delta: Partial<Totals>): void {
  const t = totalsOf(kv, department)
  for (const f of TOTAL_FIELDS) {
    const d = delta[f]
    if (d === undefined) continue
    t[f] += d
    if (t[f] < 0n) fail('invalid_state', `bills: ${department} total ${f} would go negative`)
  }
  moduleStore(kv, MODULE).set(totalsKey(department), encodeCanonical(t))
}

function addReceipt(ctx: TxContext, b: Bill, kind: Receipt['kind'], account: Uint8Array, amount: bigint): Receipt {
  const r: Receipt = { bill: b.id, seq: b.receipts, kind, account, amount, height: ctx.height, time: ctx.time, tx: ctx.txHash }
  moduleStore(ctx.kv, MODULE).set(receiptKey(b.id, r.seq), encodeCanonical({ kind, account, amount, height: r.height, time: r.time, tx: r.tx }))
  b.receipts++
  return r
}

function decodeReceipt(bill: bigint, seq: number, v: Uint8Array): Receipt {
  const m = decodeCanonical(v, 'invalid_state') as Record<string, unknown>
  return { bill, seq, kind: m.kind as Receipt['kind'], account: m.account as Uint8Array, amount: big(m.amount), height: big(m.height), time: big(m.time), tx: m.tx as Uint8Array }
}

export function receiptsOf(kv: KVReader, bill: bigint): Receipt[] {
  const out: Receipt[] = []
  const prefix = concatBytes(utf8(K.receipt), u64(bill))
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: concatBytes(utf8(K.receipt), u64(bill + 1n)) })) {
    out.push(decodeReceipt(bill, readU32be(k, 9), v))
  }
  return out
}

function addChange(ctx: TxContext, b: Bill, c: Omit<Change, 'bill' | 'seq' | 'by' | 'height' | 'time'>): void {
  moduleStore(ctx.kv, MODULE).set(changeKey(b.id, b.changes), encodeCanonical({
    kind: c.kind, reason: c.reason, by: ctx.sender, height: ctx.height, time: ctx.time,
    old_amount: c.oldAmount, new_amount: c.newAmount, old_due_at: c.oldDueAt, new_due_at: c.newDueAt,
  }))
  b.changes++
}

export function changesOf(kv: KVReader, bill: bigint): Change[] {
  const out: Change[] = []
  const prefix = concatBytes(utf8(K.change), u64(bill))
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: concatBytes(utf8(K.change), u64(bill + 1n)) })) {
    const m = decodeCanonical(v, 'invalid_state') as Record<string, unknown>
    out.push({
      bill, seq: readU32be(k, 9), kind: m.kind as Change['kind'], reason: m.reason as string,
      by: m.by as Uint8Array, height: big(m.height), time: big(m.time), oldAmount: big(m.old_amount), newAmount: big(m.new_amount),
      oldDueAt: big(m.old_due_at), newDueAt: big(m.new_due_at),
    })
  }
  return out
}

export function billsOfCitizen(kv: KVReader, citizen: Uint8Array, limit: number, after?: bigint): Bill[] {
  const prefix = concatBytes(utf8(K.citizen), citizen)
  const gte = after === undefined ? prefix : concatBytes(prefix, u64(after + 1n))
  const lt = concatBytes(prefix, new Uint8Array(8).fill(0xff), ONE)
  const out: Bill[] = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte, lt, limit })) {
    const id = readU64be(k, prefix.length)
    out.push(requireBill(kv, id))
  }
  return out
}

// ------------------------------------------------------------------ transitions

function requireDepartmentMember(ctx: TxContext, department: Department): void {
  const a = requireActiveAccount(ctx, ctx.sender)
  if (!a.roles.includes(department)) fail('unauthorized', `account ${toHex(ctx.sender)} is not a member of the ${department} department`)
}

export interface IssueBill {
  department: Department
  citizen: Uint8Array
  amount: bigint
  dueAt: bigint
  service: string
  reference: string
  details?: Uint8Array
}

export function issueBill(ctx: TxContext, m: IssueBill): Bill {
  requireDepartmentMember(ctx, m.department)
  const citizen = requireActiveAccount(ctx, m.citizen)
  const treasury = ensureTreasury(ctx, m.department)
  if (bytesEqual(citizen.pubKey, treasury)) fail('invalid_request', 'a treasury cannot be billed')
  if (m.dueAt <= ctx.time) fail('invalid_request', `due_at ${isoMs(m.dueAt)} is not after the block time ${isoMs(ctx.time)}`)
  const store = moduleStore(ctx.kv, MODULE)
  const nextBytes = store.get(NEXT_KEY)
  const id = nextBytes ? readU64be(nextBytes) : 1n
  store.set(NEXT_KEY, u64(id + 1n))
  const b: Bill = {
    id, department: m.department, citizen: m.citizen, amount: m.amount, paid: 0n, dueAt: m.dueAt, service: m.service,
    reference: m.reference, status: 'open', overdue: false, issuedAt: ctx.time, issuedHeight: ctx.height, receipts: 0, changes: 0,
  }
  if (m.details) b.details = m.details
  putBill(ctx.kv, b)
  store.set(dueKey(b.dueAt, id), ONE)
  store.set(citizenKey(b.citizen, id), ONE)
  updateTotals(ctx.kv, m.department, { bills: 1n, open: 1n, billed: m.amount, outstanding: m.amount })
  ctx.emit(BILLS_EVENT.issued, { bill: id.toString(), department: m.department, citizen: toHex(m.citizen), amount: m.amount.toString(), due_at: m.dueAt.toString(), service: m.service, reference: m.reference })
  return b
}

/** Pays `amount` (default: all that remains) of a bill from the sender, who must be the billed account. */
/** The bill `payer` may pay to `department` (also mempool admission's precheck of bills/pay). */
export function payableBill(kv: KVReader, id: bigint, department: Department, payer: Uint8Array): Bill {
  const b = requireBill(kv, id)
  if (department !== b.department) fail('invalid_request', `bill ${id} is owed to the ${b.department} treasury, not ${department}`)
  if (!bytesEqual(payer, b.citizen)) fail('unauthorized', `bill ${id} is not billed to ${toHex(payer)}`)
  if (b.status !== 'open') fail('invalid_state', `bill ${id} is ${b.status}`)
  return b
}

export function payBill(ctx: TxContext, id: bigint, department: Department, amount?: bigint): Receipt {
  const b = payableBill(ctx.kv, id, department, ctx.sender)
  const remaining = b.amount - b.paid
  const pay = amount ?? remaining
  if (pay > remaining) fail('invalid_request', `payment ${pay} exceeds the ${remaining} still due on bill ${id}`)
  const treasury = ensureTreasury(ctx, b.department)
  transfer(ctx, ctx.sender, treasury, nativeDenom(ctx.kv), pay)
  b.paid += pay
  const r = addReceipt(ctx, b, 'payment', ctx.sender, pay)
  const delta: Partial<Totals> = { collected: pay, outstanding: -pay }
  if (b.paid === b.amount) {
    b.status = 'paid'
    if (!b.overdue) moduleStore(ctx.kv, MODULE).delete(dueKey(b.dueAt, id))
    delta.open = -1n
    delta.paid = 1n
  }
  putBill(ctx.kv, b)
  updateTotals(ctx.kv, b.department, delta)
  ctx.emit(BILLS_EVENT.paid, { bill: id.toString(), department: b.department, payer: toHex(ctx.sender), amount: pay.toString(), receipt: `${id}-${r.seq}`, status: b.status })
  return r
}

function requireMemberOfBill(ctx: TxContext, id: bigint): Bill {
  const b = requireBill(ctx.kv, id)
  requireDepartmentMember(ctx, b.department)
  return b
}

/** Cancels an open or paid bill with a reason; anything paid is refunded from the treasury. */
export function cancelBill(ctx: TxContext, id: bigint, reason: string): void {
  const b = requireMemberOfBill(ctx, id)
  if (b.status === 'cancelled') fail('invalid_state', `bill ${id} is already cancelled`)
  const wasOpen = b.status === 'open'
  const refund = b.paid
  if (refund > 0n) {
    transfer(ctx, treasuryAddress(b.department), b.citizen, nativeDenom(ctx.kv), refund)
    addReceipt(ctx, b, 'refund', b.citizen, refund)
  }
  if (wasOpen && !b.overdue) moduleStore(ctx.kv, MODULE).delete(dueKey(b.dueAt, id))
  addChange(ctx, b, { kind: 'cancel', reason, oldAmount: b.amount, newAmount: 0n, oldDueAt: b.dueAt, newDueAt: b.dueAt })
  updateTotals(ctx.kv, b.department, {
    cancelled: 1n, billed: -b.amount, refunded: refund,
    ...(wasOpen ? { open: -1n, outstanding: -(b.amount - b.paid) } : { paid: -1n }),
  })
  b.status = 'cancelled'
  putBill(ctx.kv, b)
  ctx.emit(BILLS_EVENT.cancelled, { bill: id.toString(), department: b.department, refunded: refund.toString(), reason })
}

/** Corrects the amount and/or the due date of a bill that is not cancelled, with a reason. */
export function correctBill(ctx: TxContext, id: bigint, reason: string, amount?: bigint, dueAt?: bigint): void {
  const b = requireMemberOfBill(ctx, id)
  if (b.status === 'cancelled') fail('invalid_state', `bill ${id} is cancelled`)
  if (amount === undefined && dueAt === undefined) fail('invalid_message', 'a correction changes amount or due_at')
  const newAmount = amount ?? b.amount
  const newDue = dueAt ?? b.dueAt
  if (newAmount < b.paid) fail('invalid_request', `amount ${newAmount} is below the ${b.paid} already paid; cancel the bill instead`)
  if (dueAt !== undefined && dueAt <= ctx.time) fail('invalid_request', `due_at ${isoMs(dueAt)} is not after the block time ${isoMs(ctx.time)}`)
  if (newAmount === b.amount && newDue === b.dueAt) fail('invalid_request', 'the correction changes nothing')
  const store = moduleStore(ctx.kv, MODULE)
  const wasOpen = b.status === 'open'
  if (wasOpen && !b.overdue) store.delete(dueKey(b.dueAt, id))
  addChange(ctx, b, { kind: 'correct', reason, oldAmount: b.amount, newAmount, oldDueAt: b.dueAt, newDueAt: newDue })
  const oldOutstanding = wasOpen ? b.amount - b.paid : 0n
  const oldAmount = b.amount
  b.amount = newAmount
  b.dueAt = newDue
  if (dueAt !== undefined) b.overdue = false // a new due date in the future: no longer overdue
  const isOpen = b.amount > b.paid
  b.status = isOpen ? 'open' : 'paid'
  if (isOpen && !b.overdue) store.set(dueKey(b.dueAt, id), ONE)
  const newOutstanding = isOpen ? b.amount - b.paid : 0n
  const delta: Partial<Totals> = { billed: newAmount - oldAmount, outstanding: newOutstanding - oldOutstanding }
  putBill(ctx.kv, b)
  if (wasOpen && !isOpen) Object.assign(delta, { open: -1n, paid: 1n })
  if (!wasOpen && isOpen) Object.assign(delta, { open: 1n, paid: -1n })
  updateTotals(ctx.kv, b.department, delta)
  ctx.emit(BILLS_EVENT.corrected, { bill: id.toString(), department: b.department, amount: b.amount.toString(), due_at: b.dueAt.toString(), status: b.status, reason })
}

/** Moves tokens out of a department's treasury (e.g. to the city's general fund), on the record. */
export function withdraw(ctx: TxContext, department: Department, to: Uint8Array, amount: bigint, reason: string): void {
  requireDepartmentMember(ctx, department)
  if (DEPARTMENTS.some((d) => bytesEqual(treasuryAddress(d), to))) fail('invalid_request', 'a withdrawal cannot go to a department treasury')
  transfer(ctx, treasuryAddress(department), to, nativeDenom(ctx.kv), amount)
  updateTotals(ctx.kv, department, { withdrawn: amount })
  ctx.emit(BILLS_EVENT.withdrawn, { department, to: toHex(to), amount: amount.toString(), reason })
}

/** End of block: open bills whose due time is before the block time are marked overdue. */
export function markOverdue(ctx: ExecContext): number {
  const store = moduleStore(ctx.kv, MODULE)
  const due = [...store.iterate({ gte: utf8(K.due), lt: concatBytes(utf8(K.due), u64(ctx.time)), limit: OVERDUE_SCAN_LIMIT })]
  for (const [k] of due) {
    const id = readU64be(k, 9)
    store.delete(k)
    const b = requireBill(ctx.kv, id)
    if (b.status !== 'open' || b.overdue) continue
    b.overdue = true
    putBill(ctx.kv, b)
    updateTotals(ctx.kv, b.department, { overdue: 1n })
    ctx.emit(BILLS_EVENT.overdue, { bill: id.toString(), department: b.department, citizen: toHex(b.citizen), due_at: b.dueAt.toString(), outstanding: (b.amount - b.paid).toString() })
  }
  return due.length
}

export function treasuryBalance(kv: KVReader, department: Department): bigint {
  return balanceOf(kv, treasuryAddress(department), nativeDenom(kv))
}
