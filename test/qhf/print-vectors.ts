// Child-process / worker entry for the reproducibility test: prints (or posts) every vector hash.
// `--small` skips messages longer than 1000 bytes (for the slow --jitless interpreter run).
import { parentPort, workerData } from 'node:worker_threads'
import { computeAll, loadVectors, type VectorFile } from './vector-lib.js'

function small(file: VectorFile): VectorFile {
  return { ...file, sets: file.sets.map((s) => ({ ...s, cases: s.cases.filter((c) => !(c.message.pattern && c.message.pattern.length > 1000)) })) }
}

const isSmall = process.argv.includes('--small') || (workerData as { small?: boolean } | undefined)?.small === true
const file = isSmall ? small(loadVectors()) : loadVectors()
const out = { hashes: computeAll(file), expected: file.sets.flatMap((s) => s.cases.map((c) => c.hash)) }
if (parentPort) parentPort.postMessage(out)
else process.stdout.write(JSON.stringify(out))
