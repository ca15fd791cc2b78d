/** The devdata module: devices anchor QHF tags of the data they exchange off chain, and acknowledge it. */
import { defineMessage, type Module } from '../../app/module.js'
import { bytesField, onlyFields, optionalStringField, pubKeyField, uintField } from '../../app/fields.js'
import { PolisError, fail } from '../../base/errors.js'
import { hexParam, limitParam } from '../../app/query-params.js'
import { toHex } from '../../base/bytes.js'
import { MAX_PAYLOAD_BYTES, acknowledge, getRecord, inbox, nextSeq, post, type DataRecord } from './keeper.js'
import { MODULE, NO_BLOCKLIST, type DeviceBlocklist } from './types.js'

function recordJson(r: DataRecord) {
  return {
    from: toHex(r.from), to: toHex(r.to), seq: r.seq.toString(), tag: toHex(r.tag), size: r.size.toString(), topic: r.topic,
    posted_at: r.postedAt.toString(), posted_time: r.postedTime.toString(), ack: r.ack ? { ok: r.ack.ok, height: r.ack.height.toString() } : null,
  }
}

function seqParam(v: unknown): bigint {
  if (typeof v !== 'string' || !/^[1-9][0-9]{0,18}$/.test(v)) throw new PolisError('invalid_request', 'seq must be a positive integer')
  return BigInt(v)
}

/** Device data exchange with QHF integrity tags: see keeper.ts and docs/QHF.md. `blocklist`: threat intelligence (a listed device key is refused). */
export function devdataModule(blocklist: DeviceBlocklist = NO_BLOCKLIST): Module {
  return {
    name: MODULE,
    messages: {
      post: defineMessage({
        roles: ['device'],
        parse: (v) => {
          onlyFields(v, ['to', 'seq', 'tag', 'size', 'topic'])
          const seq = uintField(v, 'seq')
          if (seq === 0n) fail('invalid_message', 'seq starts at 1')
          return { to: pubKeyField(v, 'to'), seq, tag: bytesField(v, 'tag', 32), size: uintField(v, 'size', BigInt(MAX_PAYLOAD_BYTES)), topic: optionalStringField(v, 'topic', { max: 64 }) ?? '' }
        },
        handle: (ctx, m) => post(ctx, ctx.sender, m, blocklist),
      }),
      ack: defineMessage({
        roles: ['device'],
        parse: (v) => {
          onlyFields(v, ['from', 'seq', 'ok'])
          if (typeof v.ok !== 'boolean') fail('invalid_message', 'ok must be a boolean')
          return { from: pubKeyField(v, 'from'), seq: uintField(v, 'seq'), ok: v.ok }
        },
        handle: (ctx, m) => acknowledge(ctx, ctx.sender, m, blocklist),
      }),
    },
    queries: {
      record: (ctx, p) => {
        const r = getRecord(ctx.kv, hexParam(p, 'from', 32), hexParam(p, 'to', 32), seqParam(p.seq))
        if (!r) throw new PolisError('not_found', 'no such record')
        return recordJson(r)
      },
      inbox: (ctx, p) => ({ records: inbox(ctx.kv, hexParam(p, 'to', 32), limitParam(p)).map(recordJson) }),
      'next-seq': (ctx, p) => ({ seq: nextSeq(ctx.kv, hexParam(p, 'from', 32), hexParam(p, 'to', 32)).toString() }),
    },
  }
}
