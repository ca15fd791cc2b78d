// Worker thread: verifies packed batches of Ed25519 signatures for the main thread's VerifyPool.
import { parentPort } from 'node:worker_threads'
import { verifySignature } from './keys.js'
import { verifyPacked } from './verify-batch.js'

interface Job { id: number; packed: Uint8Array }

parentPort!.on('message', (job: Job) => {
  const out = verifyPacked(job.packed, verifySignature)
  parentPort!.postMessage({ id: job.id, out }, [out.buffer as ArrayBuffer])
})
