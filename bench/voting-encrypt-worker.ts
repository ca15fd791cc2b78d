// Worker thread of bench/voting-record.ts: encrypts voters' ballots (a voter's client work) ahead of the chain.
import { parentPort } from 'node:worker_threads'
import { utf8 } from '../src/base/bytes.js'
import { encodeBallot, encryptBallot } from '../src/voting/ballot.js'
import { decodePoint, fixedBase } from '../src/voting/group.js'
import type { Manifest } from '../src/voting/manifest.js'
import { seededRandom } from '../src/voting/random.js'

export interface EncryptJob {
  id: number
  manifest: Manifest
  electionHash: Uint8Array
  publicKey: Uint8Array
  items: Array<{ voter: Uint8Array; selections: number[][] }>
}

parentPort!.on('message', (job: EncryptJob) => {
  const ctx = { manifest: job.manifest, electionHash: job.electionHash, publicKey: fixedBase(decodePoint(job.publicKey, 'joint key')) }
  const rng = seededRandom(utf8(`bench-large/${job.id}`))
  parentPort!.postMessage({ id: job.id, ballots: job.items.map((it) => encodeBallot(encryptBallot(ctx, it.voter, it.selections, rng).ballot)) })
})
