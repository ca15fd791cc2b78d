// Worker thread: verifies batches of ballots for ballot-verify-pool.ts and answers which are valid.
import { parentPort } from 'node:worker_threads'
import { checkBallots, ciphertextPoints } from './ballot.js'
import { compactPoints } from './running-aggregate.js'
import { fixedBase, decodePoint } from './group.js'
import type { ElectionContext } from './context.js'
import type { BallotAnswer, BallotJob } from './ballot-verify-pool.js'

const contexts = new Map<string, ElectionContext>()

parentPort!.on('message', (job: BallotJob) => {
  const ok = new Uint8Array(job.items.length)
  // a valid ballot's ciphertexts as decoded here, so that its block decodes nothing
  const ciphertexts: Array<Uint8Array | null> = job.items.map(() => null)
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
    checked.forEach((r, j) => {
      if (r.failures.length || !r.ballot) return
      ok[idx[j]!] = 1
      ciphertexts[idx[j]!] = compactPoints(ciphertextPoints(r.ballot))
    })
  }
  parentPort!.postMessage({ id: job.id, ok, ciphertexts } satisfies BallotAnswer)
})
