// Worker thread: verifies batches of Ed25519 signatures for the main thread's VerifyPool.
import { parentPort } from 'node:worker_threads'
import { verifySignature } from './keys.js'

interface Job { id: number; items: Array<[Uint8Array, Uint8Array, Uint8Array]> }

parentPort!.on('message', (job: Job) => {
  const out = new Uint8Array(job.items.length)
  for (let i = 0; i < job.items.length; i++) {
    const [pub, msg, sig] = job.items[i]!
    out[i] = verifySignature(pub, msg, sig) ? 1 : 0
  }
  parentPort!.postMessage({ id: job.id, out }, [out.buffer])
})
