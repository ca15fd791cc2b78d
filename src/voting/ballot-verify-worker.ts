// Worker thread: verifies batches of ballots for ballot-verify-pool.ts and answers which are valid.
import { parentPort } from 'node:worker_threads'
import { checkBallots } from './ballot.js'
import { fixedBase, decodePoint } from './group.js'
import type { ElectionContext } from './context.js'
import type { BallotJob } from './ballot-verify-pool.js'

const contexts = new Map<string, ElectionContext>()

parentPort!.on('message', (job: BallotJob) => {
  const ok = new Uint8Array(job.items.length)
  const byContext = new Map<number, number[]>()
  job.items.forEach((it, i) => byContext.set(it.context, [...(byContext.get(it.context) ?? []), i]))
  for (const [c, idx] of byContext) {
    const spec = job.contexts[c]!
    const cacheKey = Buffer.from(spec.electionHash).toString('hex') + Buffer.from(spec.publicKey).toString('hex')
    let ctx = contexts.get(cacheKey)
    if (!ctx) {
      ctx = { manifest: spec.manifest, electionHash: spec.electionHash, publicKey: fixedBase(decodePoint(spec.publicKey, 'joint key')) }
      if (contexts.size >= 16) contexts.delete(contexts.keys().next().value!)
      contexts.set(cacheKey, ctx)
    }
    const checked = checkBallots(ctx, idx.map((i) => job.items[i]!))
    checked.forEach((r, j) => (ok[idx[j]!] = r.failures.length === 0 ? 1 : 0))
  }
  parentPort!.postMessage({ id: job.id, ok }, [ok.buffer])
})
