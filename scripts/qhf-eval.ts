/**
 * QHF statistical evaluation beside SHA-256 (to be wired as `polis qhf eval`).
 *
 *   node --import tsx scripts/qhf-eval.ts [--trials 10000] [--seed 2018] [--bytes 128]
 *        [--hash qhf,sha256] [--side 7] [--bits 256] [--json out.json]
 *
 * Prints the markdown tables of docs/QHF.md; --json also writes the full result.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { formatQhfEvaluation, runQhfEvaluation, type QhfEvalHash } from '../src/crypto/qhf/eval.js'
import { QHF_DEFAULT_PARAMS, validateQhfParams } from '../src/crypto/qhf/index.js'

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '2018' },
    bytes: { type: 'string', default: '128' },
    hash: { type: 'string', default: 'qhf,sha256' },
    side: { type: 'string' },
    bits: { type: 'string' },
    json: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
})

const hashes = values.hash.split(',').map((s) => s.trim()) as QhfEvalHash[]
for (const h of hashes) if (h !== 'qhf' && h !== 'sha256') throw new Error(`unknown hash ${h} (qhf, sha256)`)
const params = validateQhfParams({
  ...QHF_DEFAULT_PARAMS,
  ...(values.side ? { latticeSide: Number(values.side) } : {}),
  ...(values.bits ? { hashBits: Number(values.bits) } : {}),
})
const started = Date.now()
const ev = runQhfEvaluation({
  trials: Number(values.trials),
  seed: Number(values.seed),
  messageBytes: Number(values.bytes),
  hash: hashes,
  params,
  onProgress: values.quiet ? undefined : (d, t) => { if (d % 1000 === 0 || d === t) process.stderr.write(`  ${d}/${t} trials, ${((Date.now() - started) / 1000).toFixed(0)} s\n`) },
})
console.log(formatQhfEvaluation(ev))
console.log(`\nwall time ${((Date.now() - started) / 1000).toFixed(1)} s`)
if (values.json) writeFileSync(values.json, JSON.stringify(ev, null, 2) + '\n')
