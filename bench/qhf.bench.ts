/**
 * QHF throughput beside SHA-256, same process, same messages (`npm run bench:qhf`, i.e.
 * `node --import tsx bench/qhf.bench.ts`). Writes bench/results/qhf.json.
 *
 * For each message size (64 B, 200 B = a block header, 1 KiB, 1 MiB) and each hash: one warm-up,
 * then ROUNDS timed rounds; a round hashes the message repeatedly for at least MIN_ROUND_MS (at
 * least once). Reported: the median over rounds of hashes/s and MB/s (10^6 bytes/s).
 * From the 200-byte figure: what linking one header costs, as a share of a block interval.
 *
 * Options: --rounds N (default 5), --min-round-ms N (default 300), --sizes 64,200,1024,1048576
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { sha256 } from '../src/crypto/hash.js'
import { QHF_DEFAULT_PARAMS, qhf } from '../src/crypto/qhf/index.js'

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf('--' + name)
  return i > 0 ? process.argv[i + 1]! : dflt
}
const ROUNDS = Number(arg('rounds', '5'))
const MIN_ROUND_MS = Number(arg('min-round-ms', '300'))
const SIZES = arg('sizes', '64,200,1024,1048576').split(',').map(Number)
/** Block intervals to express the header cost against (the solo engine's default is 100 ms). */
const INTERVALS_MS = [100, 1000]

const hashes: Record<'qhf' | 'sha256', (m: Uint8Array) => Uint8Array> = { qhf: (m) => qhf(m), sha256: (m) => sha256(m) }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const n = s.length
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2
}

function message(size: number): Uint8Array {
  const m = new Uint8Array(size)
  let x = 0x12345678
  for (let i = 0; i < size; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; m[i] = x >>> 24 }
  return m
}

interface Row { hash: string; bytes: number; rounds: number; hashesPerSec: number; mbPerSec: number; msPerHash: number }
const rows: Row[] = []
let sink = 0
for (const size of SIZES) {
  const m = message(size)
  for (const [name, fn] of Object.entries(hashes)) {
    sink ^= fn(m)[0]! // warm-up (JIT)
    const rates: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      let n = 0
      const t0 = performance.now()
      let t = t0
      do { sink ^= fn(m)[0]!; n++; t = performance.now() } while (t - t0 < MIN_ROUND_MS)
      rates.push(n / ((t - t0) / 1000))
    }
    const hps = median(rates)
    const row = { hash: name, bytes: size, rounds: ROUNDS, hashesPerSec: hps, mbPerSec: (hps * size) / 1e6, msPerHash: 1000 / hps }
    rows.push(row)
    console.log(`${name.padEnd(6)} ${String(size).padStart(8)} B  ${hps.toFixed(1).padStart(12)} hashes/s  ${row.mbPerSec.toFixed(3).padStart(10)} MB/s  ${row.msPerHash.toFixed(4)} ms/hash`)
  }
}

const header = rows.find((r) => r.hash === 'qhf' && r.bytes === 200)
const headerCost = header
  ? INTERVALS_MS.map((iv) => ({ blockIntervalMs: iv, qhfMsPerHeader: header.msPerHash, shareOfInterval: header.msPerHash / iv }))
  : []
for (const h of headerCost) console.log(`header (200 B) via qhf: ${h.qhfMsPerHeader.toFixed(3)} ms = ${(100 * h.shareOfInterval).toFixed(2)}% of a ${h.blockIntervalMs} ms block interval`)

const out = {
  bench: 'qhf',
  date: new Date().toISOString(),
  machine: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length },
  params: QHF_DEFAULT_PARAMS,
  method: `median of ${ROUNDS} rounds of >= ${MIN_ROUND_MS} ms each, after one warm-up hash; MB = 10^6 bytes`,
  results: rows,
  headerCost,
  sink,
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/qhf.json', import.meta.url), JSON.stringify(out, null, 2) + '\n')
console.log('wrote bench/results/qhf.json')
