/**
 * `npm run bench:blocks` — block production rate of the solo engine with each header hash
 * (sha256, qhf), same run: one transfer per block, submitted and awaited one after another, block
 * interval 1 ms, so the figure is dominated by per-block work (execute, hash, sign, commit + fsync).
 * Writes bench/results/blocks.json. Options: --blocks N --rounds N
 */
import { writeFileSync, mkdirSync } from 'node:fs'
import { SoloEngine } from '../src/engine/solo/engine.js'
import { headerHasher } from '../src/crypto/header-hash.js'
import { encodeHeader } from '../src/lightclient/solo-header.js'
import { testCity } from '../src/kit/genesis-builder.js'
import { tmpDir } from '../src/kit/temp-dir.js'
import { Signer } from '../src/kit/signer.js'
import { median, round, arg } from './stats.js'

const BLOCKS = arg('blocks', 200)
const ROUNDS = arg('rounds', 3)

async function rate(hash: 'sha256' | 'qhf') {
  const city = testCity({ chainId: `blocks-${hash}`, extra: { consensus: { hash: { name: hash } } } })
  const dir = tmpDir('bench-blocks')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 1, verifyThreads: 1 })
  engine.start()
  try {
    const s = new Signer(city.chainId)
    const txs = Array.from({ length: BLOCKS }, (_, i) => s.send(city.citizens[i % 4]!, city.citizens[(i + 1) % 4]!, 1n))
    // nonces per sender are sequential, so send in order, one per block
    const t0 = performance.now()
    for (const tx of txs) await engine.submitAndWait(tx)
    const seconds = (performance.now() - t0) / 1000
    const header = engine.blocks.header(engine.height)!.header
    const hasher = headerHasher({ name: hash })
    const h0 = performance.now()
    for (let i = 0; i < 200; i++) hasher(encodeHeader(header))
    const hashMs = (performance.now() - h0) / 200
    return { blocksPerSec: round(BLOCKS / seconds), msPerBlock: round((seconds * 1000) / BLOCKS, 2), headerHashMs: round(hashMs, 3) }
  } finally {
    await engine.stop()
    dir.remove()
  }
}

const out: Record<string, Array<Awaited<ReturnType<typeof rate>>>> = { sha256: [], qhf: [] }
for (let r = 0; r < ROUNDS; r++) {
  for (const h of ['sha256', 'qhf'] as const) {
    const x = await rate(h)
    out[h]!.push(x)
    console.log(`round ${r + 1} ${h}: ${x.blocksPerSec} blocks/s (${x.msPerBlock} ms/block), header hash ${x.headerHashMs} ms`)
  }
}
const summary = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, {
  blocksPerSec: median(v.map((x) => x.blocksPerSec)), msPerBlock: median(v.map((x) => x.msPerBlock)), headerHashMs: median(v.map((x) => x.headerHashMs)),
}]))
const q = summary.qhf!
const result = { bench: 'blocks', date: new Date().toISOString(), blocks: BLOCKS, rounds: ROUNDS, summary, qhfShareOfBlockTimeAt100msInterval: round((q.headerHashMs / 100) * 100, 2) + '%', rounds_detail: out }
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/blocks.json', import.meta.url), JSON.stringify(result, null, 2))
console.log(JSON.stringify(summary))
