// The tendermint-rs light-client vectors (test/fixtures/cometbft-light, see its README):
// every model-based single-step verdict must match; every 0.33-era bisection case must fail.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  LightClient, headerHash, parseLightBlock, parseSignedHeader, parseTime, parseValidatorSet, timeToNs, validatorSetHash, verify, formatTime,
  type LightBlock, type LightBlockProvider,
} from '../../src/lightclient/index.js'
import { fromHex, toHex } from '../../src/base/bytes.js'

const root = join(import.meta.dirname, '../fixtures/cometbft-light')
const read = (p: string) => JSON.parse(readFileSync(join(root, p), 'utf8'))

test('fixtures are the upstream files (SHA-256)', () => {
  const lines = readFileSync(join(root, 'SHA256SUMS.tsv'), 'utf8').trim().split('\n')
  assert.equal(lines.length, 48)
  for (const l of lines) {
    const [file, , sum] = l.split('\t')
    assert.equal(createHash('sha256').update(readFileSync(join(root, file!))).digest('hex'), sum, file)
  }
})

test('RFC 3339 times keep nanoseconds', () => {
  const t = parseTime('2020-11-18T12:36:18.160570297Z')
  assert.equal(t.nanos, 160570297)
  assert.equal(formatTime(t), '2020-11-18T12:36:18.160570297Z')
  assert.equal(timeToNs(parseTime('1970-01-01T00:00:05Z')), 5_000_000_000n)
  assert.equal(parseTime('2020-01-01T01:00:00.5+01:00').seconds, 1577836800n)
})

describe('model-based single-step vectors (must all pass)', () => {
  const files = readdirSync(join(root, 'single_step')).sort()
  test('39 files', () => assert.equal(files.length, 39))
  let hashes = 0
  for (const f of files) {
    test(f, () => {
      const d = read(`single_step/${f}`)
      const initial = parseSignedHeader(d.initial.signed_header)
      assert.equal(toHex(headerHash(initial.header)), toHex(initial.commit.blockId.hash), 'initial header hash')
      let trusted: LightBlock = { signedHeader: initial, validatorSet: { validators: [] }, nextValidatorSet: parseValidatorSet(d.initial.next_validator_set) }
      const period = BigInt(d.initial.trusting_period)
      const verdicts: string[] = []
      for (const inp of d.input) {
        const lb = parseLightBlock(inp.block)
        if (lb.signedHeader.commit.blockId.hash.length) hashes++
        const r = verify(trusted, lb, { trustingPeriodNs: period, maxClockDriftNs: 0n, nowNs: timeToNs(parseTime(inp.now)) })
        verdicts.push(r.verdict)
        assert.equal(r.verdict, inp.verdict, `input ${verdicts.length - 1} (height ${lb.signedHeader.header.height}): ${r.reason}`)
        if (r.verdict === 'SUCCESS') trusted = lb
      }
      assert.ok(verdicts.length > 0)
    })
  }
  test('successful inputs: header hash = block id, validator hashes match', () => {
    let n = 0
    for (const f of files) {
      for (const inp of read(`single_step/${f}`).input) {
        if (inp.verdict !== 'SUCCESS') continue
        const lb = parseLightBlock(inp.block)
        assert.deepEqual(headerHash(lb.signedHeader.header), lb.signedHeader.commit.blockId.hash)
        assert.deepEqual(validatorSetHash(lb.validatorSet), lb.signedHeader.header.validatorsHash)
        n++
      }
    }
    assert.ok(n > 30 && hashes > 0, `${n} successful inputs`)
  })
})

describe('0.33-era bisection vectors (must all fail)', () => {
  const files = ['single_peer', 'multi_peer'].flatMap((d) => readdirSync(join(root, 'bisection', d)).sort().map((f) => `bisection/${d}/${f}`))
  test('8 files', () => assert.equal(files.length, 8))
  for (const f of files) {
    test(f, async () => {
      const d = read(f)
      const blocks = new Map<bigint, LightBlock>()
      for (const b of d.primary.lite_blocks) {
        const lb = parseLightBlock(b)
        blocks.set(lb.signedHeader.header.height, lb)
      }
      const provider: LightBlockProvider = {
        async lightBlock(h?: bigint) {
          const lb = h === undefined ? [...blocks.values()].at(-1) : blocks.get(h)
          if (!lb) throw new Error(`no block ${h}`)
          return lb
        },
      }
      const opts = {
        chainId: d.primary.chain_id,
        trustingPeriodNs: BigInt(d.trust_options.period),
        trustLevel: { numerator: BigInt(d.trust_options.trust_level.numerator), denominator: BigInt(d.trust_options.trust_level.denominator) },
        now: () => timeToNs(parseTime(d.now)),
      }
      const trustHeight = BigInt(d.trust_options.height)
      // 1. the trusted hash of the old encoding does not match the header under CometBFT rules
      await assert.rejects(LightClient.fromTrustedHash(provider, trustHeight, fromHex(d.trust_options.hash.toLowerCase()), opts))
      // 2. even trusting the first block blindly, verifying up to the target fails
      const first = blocks.get(trustHeight)!
      const lc = LightClient.fromTrustedBlock(provider, first, opts)
      await assert.rejects(lc.verifyTo(BigInt(d.height_to_verify)))
    })
  }
})
