/**
 * The same QHF values in every execution context: repeated runs, worker threads, separate
 * processes, and a process with the JIT disabled (--jitless: V8's interpreter only), so neither
 * optimising compilation nor thread/process state can change a single output bit.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { computeAll, loadVectors } from './vector-lib.js'

const entry = new URL('./print-vectors.ts', import.meta.url)

interface Out { hashes: string[]; expected: string[] }

function inWorker(small: boolean): Promise<Out> {
  // Node 20 does not apply the parent's --import tsx hooks to a worker's entry: register tsx first.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}) })`
  return new Promise((resolve, reject) => {
    const w = new Worker(boot, { eval: true, workerData: { small } })
    w.once('message', (m: Out) => { resolve(m); void w.terminate() })
    w.once('error', reject)
  })
}

function inProcess(flags: string[], small: boolean): Out {
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', fileURLToPath(entry), ...(small ? ['--small'] : [])], {
    encoding: 'utf8', maxBuffer: 1 << 24, timeout: 60_000,
  })
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout) as Out
}

test('repeated runs in one process give identical values', () => {
  const a = computeAll()
  const b = computeAll()
  assert.deepEqual(a, b)
  assert.deepEqual(a, loadVectors().sets.flatMap((s) => s.cases.map((c) => c.hash)))
})

test('worker threads (two at once) reproduce the vectors', async () => {
  const [a, b] = await Promise.all([inWorker(false), inWorker(false)])
  assert.deepEqual(a.hashes, a.expected)
  assert.deepEqual(b.hashes, a.expected)
  assert.ok(a.hashes.length >= 80)
})

test('a separate process reproduces the vectors', () => {
  const r = inProcess([], false)
  assert.deepEqual(r.hashes, r.expected)
})

test('a process without the JIT (--jitless) reproduces the vectors', () => {
  const r = inProcess(['--jitless'], true)
  assert.ok(r.hashes.length >= 75)
  assert.deepEqual(r.hashes, r.expected)
})
