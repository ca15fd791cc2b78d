// Worker thread of record-verify-pool.ts: checks chunks of a record's ballots for one election.
import { parentPort } from 'node:worker_threads'
import { checkBallotsCompact } from './ballot.js'
import type { ElectionContext } from './context.js'
import { decodePoint, fixedBase } from './group.js'
import type { RecordVerifyMessage } from './record-verify-pool.js'

let ctx: ElectionContext | undefined

parentPort!.on('message', (m: RecordVerifyMessage) => {
  if (m.kind === 'election') {
    ctx = { manifest: m.manifest, electionHash: m.electionHash, publicKey: fixedBase(decodePoint(m.publicKey, 'joint key')) }
    return
  }
  parentPort!.postMessage({ id: m.id, checks: checkBallotsCompact(ctx!, m.items) })
})
