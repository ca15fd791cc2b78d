/** The bills module: departments issue bills, citizens pay them into the department treasuries. */
import { defineMessage, type Module, type MsgValue } from '../../app/module.js'
import { onlyFields, optionalBytesField, positiveAmountField, pubKeyField, stringField, uintField } from '../../app/fields.js'
import { PolisError, fail } from '../../base/errors.js'
import { toHex } from '../../base/bytes.js'
import { hexParam, limitParam, optionalStringParam } from '../../app/query-params.js'
import type { QueryParams } from '../../app/module.js'
import {
  DEPARTMENTS, billsOfCitizen, cancelBill, changesOf, correctBill, isDepartment, issueBill, markOverdue, payBill, payableBill,
  receiptsOf, requireBill, totalsOf, treasuryAddress, treasuryBalance, withdraw, type Bill, type Department, type Receipt,
} from './keeper.js'
import { MODULE } from './types.js'

/** Service codes and bill references are codes, never free text: no room for names or addresses. */
export const SERVICE_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,31}$/
export const REFERENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/

function departmentField(v: MsgValue, name = 'department'): Department {
  const d = stringField(v, name, { max: 32 })
  if (!isDepartment(d)) fail('invalid_message', `${name} must be one of ${DEPARTMENTS.join(', ')}`)
  return d
}

const reasonField = (v: MsgValue) => stringField(v, 'reason', { min: 1, max: 256 })
const optionalPositive = (v: MsgValue, name: string) => (v[name] === undefined ? undefined : positiveAmountField(v, name))
const optionalUint = (v: MsgValue, name: string) => (v[name] === undefined ? undefined : uintField(v, name))

export function billJson(b: Bill) {
  return {
    id: b.id.toString(), department: b.department, citizen: toHex(b.citizen), treasury: toHex(treasuryAddress(b.department)),
    amount: b.amount.toString(), paid: b.paid.toString(), outstanding: (b.status === 'open' ? b.amount - b.paid : 0n).toString(),
    due_at: b.dueAt.toString(), service: b.service, reference: b.reference, details: b.details ? toHex(b.details) : null,
    status: b.status, overdue: b.overdue, issued_at: b.issuedAt.toString(), issued_height: b.issuedHeight.toString(),
    receipts: b.receipts, changes: b.changes,
  }
}

export function receiptJson(r: Receipt) {
  return {
    id: `${r.bill}-${r.seq}`, bill: r.bill.toString(), seq: r.seq, kind: r.kind, account: toHex(r.account), amount: r.amount.toString(),
    height: r.height.toString(), time: r.time.toString(), tx: toHex(r.tx),
  }
}

function billParam(p: QueryParams): bigint {
  const v = p.bill ?? p.id
  if (typeof v !== 'string' && typeof v !== 'number') throw new PolisError('invalid_request', 'bill is required')
  const s = String(v)
  if (!/^[1-9][0-9]{0,19}$/.test(s)) throw new PolisError('invalid_request', 'bill must be a positive integer')
  return BigInt(s)
}

function departmentParam(p: QueryParams): Department {
  const d = optionalStringParam(p, 'department')
  if (d === undefined || !isDepartment(d)) throw new PolisError('invalid_request', `department must be one of ${DEPARTMENTS.join(', ')}`)
  return d
}

export function billsModule(): Module {
  const departments = [...DEPARTMENTS]
  return {
    name: MODULE,
    roles: departments,
    messages: {
      issue: defineMessage({
        roles: departments,
        parse: (v) => {
          onlyFields(v, ['department', 'citizen', 'amount', 'due_at', 'service', 'reference', 'details'])
          return {
            department: departmentField(v), citizen: pubKeyField(v, 'citizen'), amount: positiveAmountField(v), dueAt: uintField(v, 'due_at'),
            service: stringField(v, 'service', { pattern: SERVICE_PATTERN, max: 32 }),
            reference: stringField(v, 'reference', { pattern: REFERENCE_PATTERN, max: 64 }),
            details: optionalBytesField(v, 'details', 32),
          }
        },
        handle: (ctx, m) => {
          issueBill(ctx, m)
        },
      }),
      pay: defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['bill', 'department', 'amount'])
          return { bill: positiveAmountField(v, 'bill'), department: departmentField(v), amount: optionalPositive(v, 'amount') }
        },
        handle: (ctx, m) => {
          payBill(ctx, m.bill, m.department, m.amount)
        },
        precheck: (kv, m, sender) => void payableBill(kv, m.bill, m.department, sender),
      }),
      cancel: defineMessage({
        roles: departments,
        parse: (v) => {
          onlyFields(v, ['bill', 'reason'])
          return { bill: positiveAmountField(v, 'bill'), reason: reasonField(v) }
        },
        handle: (ctx, m) => cancelBill(ctx, m.bill, m.reason),
      }),
      correct: defineMessage({
        roles: departments,
        parse: (v) => {
          onlyFields(v, ['bill', 'reason', 'amount', 'due_at'])
          const m = { bill: positiveAmountField(v, 'bill'), reason: reasonField(v), amount: optionalPositive(v, 'amount'), dueAt: optionalUint(v, 'due_at') }
          if (m.amount === undefined && m.dueAt === undefined) fail('invalid_message', 'a correction changes amount or due_at')
          return m
        },
        handle: (ctx, m) => correctBill(ctx, m.bill, m.reason, m.amount, m.dueAt),
      }),
      withdraw: defineMessage({
        roles: departments,
        parse: (v) => {
          onlyFields(v, ['department', 'to', 'amount', 'reason'])
          return { department: departmentField(v), to: pubKeyField(v, 'to'), amount: positiveAmountField(v), reason: reasonField(v) }
        },
        handle: (ctx, m) => withdraw(ctx, m.department, m.to, m.amount, m.reason),
      }),
    },
    queries: {
      bill: (ctx, p) => billJson(requireBill(ctx.kv, billParam(p))),
      bills: (ctx, p) => {
        const citizen = hexParam(p, 'citizen', 32)
        const after = p.after === undefined ? undefined : billParam({ bill: p.after })
        return { citizen: toHex(citizen), bills: billsOfCitizen(ctx.kv, citizen, limitParam(p), after).map(billJson) }
      },
      receipts: (ctx, p) => {
        const id = billParam(p)
        requireBill(ctx.kv, id)
        return { bill: id.toString(), receipts: receiptsOf(ctx.kv, id).map(receiptJson) }
      },
      receipt: (ctx, p) => {
        const rid = optionalStringParam(p, 'id')
        const m = rid === undefined ? null : /^([1-9][0-9]{0,19})-([0-9]{1,9})$/.exec(rid)
        if (!m) throw new PolisError('invalid_request', 'id must be "<bill>-<seq>"')
        const r = receiptsOf(ctx.kv, BigInt(m[1]!)).find((x) => x.seq === Number(m[2]))
        if (!r) throw new PolisError('not_found', `no receipt ${rid}`)
        return receiptJson(r)
      },
      changes: (ctx, p) => {
        const id = billParam(p)
        requireBill(ctx.kv, id)
        return {
          bill: id.toString(),
          changes: changesOf(ctx.kv, id).map((c) => ({
            seq: c.seq, kind: c.kind, reason: c.reason, by: toHex(c.by), height: c.height.toString(), time: c.time.toString(),
            old_amount: c.oldAmount.toString(), new_amount: c.newAmount.toString(), old_due_at: c.oldDueAt.toString(), new_due_at: c.newDueAt.toString(),
          })),
        }
      },
      totals: (ctx, p) => {
        const d = departmentParam(p)
        const t = totalsOf(ctx.kv, d)
        const out: Record<string, string> = {}
        for (const [k, v] of Object.entries(t)) out[k] = v.toString()
        const balance = treasuryBalance(ctx.kv, d)
        // tokens sent to the treasury outside of bills (a plain bank/send) show here; 0 when reconciled
        const unreconciled = balance - (t.collected - t.refunded - t.withdrawn)
        return { department: d, treasury: toHex(treasuryAddress(d)), treasury_balance: balance.toString(), unreconciled: unreconciled.toString(), ...out }
      },
      departments: () => ({ departments: DEPARTMENTS.map((d) => ({ department: d, treasury: toHex(treasuryAddress(d)) })) }),
    },
    endBlock(ctx) {
      markOverdue(ctx)
    },
  }
}
