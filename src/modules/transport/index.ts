/**
 * The transport module (BITS): RSUs submit, per closed window, the Merkle root of the vehicle
 * reports they received and their per-vehicle verdict counts; the chain keeps each vehicle's beta
 * reputation and flags those below the threshold. See keeper.ts for the arithmetic.
 *
 * Message `transport/submit-window` (role rsu):
 *   { window: uint, root: bytes(32), verdicts: [[vehicle pubkey(32), ok uint, bad uint], …] }
 *   verdicts sorted by vehicle key, no duplicates, at most 1024; every vehicle a registered,
 *   active account with the vehicle role.
 */
import { defineMessage, type Module, type MsgValue } from '../../app/module.js'
import { bytesField, onlyFields, uintField } from '../../app/fields.js'
import { PolisError, fail } from '../../app/errors.js'
import { hexParam, limitParam } from '../../app/query-params.js'
import { compareBytes, toHex } from '../../crypto/hash.js'
import { requireRole } from '../identity/keeper.js'
import {
  DEFAULT_PARAMS, MODULE, getParams, getReputation, getStanding, rsuWeight, settleWindows, getSubmission, isFlagged, listFlagged, scorePermille, setParams,
  submitWindow, windowOf, type TransportParams, type VerdictCount,
} from './keeper.js'

export * from './keeper.js'

export const MAX_VERDICTS = 1024
const MAX_COUNT = 1n << 32n

export interface TransportGenesis {
  window_blocks?: string
  max_lag_windows?: string
  threshold_permille?: string
  decay_permille?: string
  min_evidence?: string
}

function paramsOf(g: TransportGenesis | undefined): TransportParams {
  const n = (v: unknown, dflt: bigint, name: string, min: bigint, max: bigint): bigint => {
    if (v === undefined) return dflt
    if (typeof v !== 'string' || !/^[0-9]{1,12}$/.test(v)) fail('invalid_genesis', `transport.${name} must be a decimal string`)
    const x = BigInt(v)
    if (x < min || x > max) fail('invalid_genesis', `transport.${name} must be between ${min} and ${max}`)
    return x
  }
  if (g !== undefined && (typeof g !== 'object' || g === null)) fail('invalid_genesis', 'transport must be an object')
  const d = DEFAULT_PARAMS
  return {
    windowBlocks: n(g?.window_blocks, d.windowBlocks, 'window_blocks', 1n, 1_000_000n),
    maxLagWindows: n(g?.max_lag_windows, d.maxLagWindows, 'max_lag_windows', 1n, 1_000_000n),
    thresholdPermille: n(g?.threshold_permille, d.thresholdPermille, 'threshold_permille', 0n, 1000n),
    decayPermille: n(g?.decay_permille, d.decayPermille, 'decay_permille', 0n, 1000n),
    minEvidence: n(g?.min_evidence, d.minEvidence, 'min_evidence', 0n, 1_000_000n),
  }
}

function bad(msg: string): never {
  throw new PolisError('invalid_message', msg)
}

function parseVerdicts(v: MsgValue): VerdictCount[] {
  const x = v.verdicts
  if (!Array.isArray(x) || x.length > MAX_VERDICTS) bad(`verdicts must be a list of at most ${MAX_VERDICTS} entries`)
  const out: VerdictCount[] = []
  for (const e of x) {
    if (!Array.isArray(e) || e.length !== 3) bad('each verdict must be [vehicle, ok, bad]')
    const [vehicle, ok, nbad] = e
    const rec = bytesField({ vehicle: vehicle! }, 'vehicle', 32)
    const okN = uintField({ ok: ok! }, 'ok', MAX_COUNT)
    const badN = uintField({ bad: nbad! }, 'bad', MAX_COUNT)
    if (okN + badN === 0n) bad('a verdict must count at least one report')
    if (out.length && compareBytes(out[out.length - 1]!.vehicle, rec) >= 0) bad('verdicts must be sorted by vehicle, without duplicates')
    out.push({ vehicle: rec, ok: okN, bad: badN })
  }
  return out
}

export function transportModule(): Module {
  return {
    name: MODULE,
    messages: {
      'submit-window': defineMessage({
        roles: ['rsu'],
        parse: (v) => {
          onlyFields(v, ['window', 'root', 'verdicts'])
          return { window: uintField(v, 'window'), root: bytesField(v, 'root', 32), verdicts: parseVerdicts(v) }
        },
        handle: (ctx, m) => {
          // reports signed by an unregistered, revoked or non-vehicle key refuse the whole window
          for (const vc of m.verdicts) requireRole(ctx, vc.vehicle, 'vehicle')
          submitWindow(ctx, { rsu: ctx.sender, window: m.window, root: m.root, height: ctx.height, verdicts: m.verdicts })
        },
      }),
    },
    queries: {
      params: (ctx) => {
        const p = getParams(ctx.kv)
        return {
          window_blocks: p.windowBlocks.toString(), max_lag_windows: p.maxLagWindows.toString(), threshold_permille: p.thresholdPermille.toString(),
          decay_permille: p.decayPermille.toString(), min_evidence: p.minEvidence.toString(), current_window: windowOf(p, ctx.height).toString(),
        }
      },
      reputation: (ctx, q) => {
        const vehicle = hexParam(q, 'vehicle', 32)
        const r = getReputation(ctx.kv, vehicle)
        return {
          vehicle: toHex(vehicle), alpha: r.alpha.toString(), beta: r.beta.toString(), last_window: r.lastWindow.toString(),
          score_permille: scorePermille(r).toString(), flagged: isFlagged(ctx.kv, vehicle),
        }
      },
      window: (ctx, q) => {
        const rsu = hexParam(q, 'rsu', 32)
        const w = q.window
        if (typeof w !== 'string' || !/^[0-9]{1,19}$/.test(w)) throw new PolisError('invalid_request', 'window is required (decimal string)')
        const s = getSubmission(ctx.kv, rsu, BigInt(w))
        if (!s) throw new PolisError('not_found', `no submission of ${toHex(rsu)} for window ${w}`)
        return {
          rsu: toHex(rsu), window: w, root: toHex(s.root), height: s.height.toString(),
          verdicts: s.verdicts.map((v) => ({ vehicle: toHex(v.vehicle), ok: v.ok.toString(), bad: v.bad.toString() })),
        }
      },
      'rsu-standing': (ctx, q) => {
        const rsu = hexParam(q, 'rsu', 32)
        const r = getStanding(ctx.kv, rsu)
        return {
          rsu: toHex(rsu), alpha: r.alpha.toString(), beta: r.beta.toString(), last_window: r.lastWindow.toString(),
          score_permille: scorePermille(r).toString(), weight_permille: rsuWeight(ctx.kv, rsu).toString(),
        }
      },
      flagged: (ctx, q) => listFlagged(ctx.kv, limitParam(q)).map((f) => ({ vehicle: toHex(f.vehicle), window: f.window.toString() })),
    },
    validateGenesis(state) {
      paramsOf(state as TransportGenesis | undefined)
    },
    initGenesis(ctx, state) {
      setParams(ctx.kv, paramsOf(state as TransportGenesis))
    },
    endBlock(ctx) {
      settleWindows(ctx)
    },
  }
}
