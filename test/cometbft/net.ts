// Helpers for tests on a real loopback CometBFT testnet.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Testnet, generateTestnet, testnetKey, testnetPorts, type TestnetOptions } from '../../src/network/cometbft-testnet.js'
import { freeBasePort } from '../../src/kit/free-port.js'
import { cometbftBinary } from '../../src/engine/cometbft/binary.js'
import type { CometRpc } from '../../src/engine/cometbft/rpc.js'
import { sha256 } from '../../src/crypto/hash.js'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Skip reason when the cometbft binary is missing (npm test installs it in `pretest`). */
export function missingCometbft(): string | false {
  return cometbftBinary() ? false : 'cometbft is not installed: run `npm run setup:cometbft`'
}

export interface Net {
  tn: Testnet
  dir: string
  key: (label: string) => ReturnType<typeof testnetKey>
  cleanup(): Promise<void>
}

export async function startNet(opts: Omit<TestnetOptions, 'out' | 'basePort'> & { name: string }): Promise<Net> {
  const dir = mkdtempSync(join(tmpdir(), `polis-${opts.name}-`))
  const keySeed = opts.keySeed ?? opts.name
  generateTestnet({ ...opts, out: dir, basePort: await freeBasePort((b) => testnetPorts(b, opts.validators)), keySeed })
  const tn = new Testnet(dir, { log: process.env.POLIS_TEST_VERBOSE ? (m) => console.log(m) : undefined })
  const cleanup = async () => {
    await tn.stop()
    if (!process.env.POLIS_KEEP_TESTNET) rmSync(dir, { recursive: true, force: true })
    else console.log(`testnet kept in ${dir}`)
  }
  try {
    await tn.start()
  } catch (e) {
    await cleanup()
    throw e
  }
  return { tn, dir, key: (label) => testnetKey(keySeed, label), cleanup }
}

/** Waits until the transaction is in a committed block on that node; returns /tx's result. */
export async function waitTx(rpc: CometRpc, tx: Uint8Array, timeoutMs = 30_000): Promise<any> {
  const hash = sha256(tx)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await rpc.tx(hash)
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`tx not committed within ${timeoutMs} ms: ${(e as Error).message}`)
      await sleep(100)
    }
  }
}

/** Every node in `nodes` has the same header (hash, app hash, results hash) at every height up to `upTo`. */
export async function assertAgreement(tn: Testnet, nodes: number[], upTo: bigint, from = 1n): Promise<void> {
  for (let h = from; h <= upTo; h++) {
    const headers = await Promise.all(nodes.map(async (i) => {
      const b = await tn.rpc(i).block(h)
      return b.block_id.hash + '/' + JSON.stringify(b.block.header)
    }))
    for (const x of headers.slice(1)) assert.equal(x, headers[0], `nodes disagree at height ${h}`)
  }
}

/** The App's own (last height, app hash) through abci_info. */
export async function appInfo(rpc: CometRpc): Promise<{ height: bigint; appHash: string }> {
  const r = await rpc.abciInfo()
  return { height: BigInt(r.response.last_block_height ?? 0), appHash: Buffer.from(r.response.last_block_app_hash ?? '', 'base64').toString('hex') }
}

/**
 * Waits until the nodes are quiescent and agree: each App at the node's latest height, the
 * latest header carrying that App hash (no proof block pending), all nodes equal. Returns it.
 */
export async function settle(tn: Testnet, nodes: number[], timeoutMs = 30_000): Promise<{ height: bigint; appHash: string }> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    try {
      const states = await Promise.all(nodes.map(async (i) => {
        const [st, ai] = await Promise.all([tn.rpc(i).status(), appInfo(tn.rpc(i))])
        const quiet = BigInt(st.sync_info.latest_block_height) === ai.height && st.sync_info.latest_app_hash.toLowerCase() === ai.appHash
        return { quiet, ...ai }
      }))
      last = JSON.stringify(states, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
      if (states.every((s) => s.quiet && s.height === states[0]!.height && s.appHash === states[0]!.appHash)) return { height: states[0]!.height, appHash: states[0]!.appHash }
    } catch (e) {
      last = (e as Error).message
    }
    if (Date.now() > deadline) throw new Error(`nodes ${nodes.join(',')} did not settle within ${timeoutMs} ms: ${last}`)
    await sleep(150)
  }
}

/** Polls `f` (errors count as "not yet") until it returns a value; fails after `ms`. */
export async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await f().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(150)
  }
}
