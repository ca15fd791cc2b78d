/**
 * State-sync benchmark: `node --import tsx bench/statesync.bench.ts [--accounts 1000000] [--chunk-bytes 1048576] [--comet [--interval 20] [--keep]]`
 *
 * The App's side of state sync at scale, through the same ABCI handlers CometBFT calls, each side in
 * its own process (so that each one's peak memory is its own):
 *   source   a chain whose genesis holds --accounts funded accounts (identity + bank), one block
 *            committed, the snapshot of that height made as a serving node makes it (SnapshotStore:
 *            export, chunk, hash, write): time to export, snapshot size, chunks.
 *   joiner   a fresh App: OfferSnapshot (with the verified app hash) → ApplySnapshotChunk × chunks
 *            (each checked against its announced hash; the tree rebuilt; the root checked) →
 *            FinalizeBlock + Commit of the next block carrying transfers (following): time of each.
 * CometBFT's part of joining (light-client verification of two headers, chunks over p2p) is not in
 * these figures; on loopback it is the transfer of the snapshot's bytes.
 * Writes bench/results/statesync.json.
 *
 * `--comet` (needs .cache/bin/cometbft, `npm run setup:cometbft`): end to end through CometBFT
 * instead. A one-validator CometBFT testnet (src/network/cometbft-testnet.ts, the App as its own
 * process) whose genesis holds the --accounts accounts runs until its App has made a snapshot
 * (every --interval blocks); the validator is then restarted serving that snapshot only. A fresh
 * node (App + CometBFT) joins by state sync: its App checks its genesis against the validator's
 * (peer-genesis.ts), CometBFT verifies the snapshot's height with its light client (trust anchor: a
 * recent block hash learned over RPC), fetches the chunks from the validator over p2p, the App
 * restores them and checks the app hash; the node then block-syncs to the tip and follows: a
 * transfer sent to the validator shows in its state. Times: validator start (genesis, InitChain)
 * → RPC up, snapshot made, and for the joiner start → restored → caught up → transfer seen.
 * Writes bench/results/statesync-comet.json.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Request, Response } from 'cosmjs-types/tendermint/abci/types'
import { startAbciNode, type AbciNode } from '../src/engine/cometbft/node.js'
import type { RequestKind } from '../src/engine/cometbft/server.js'
import { sha256 } from '../src/crypto/hash.js'
import { toHex, utf8 } from '../src/base/bytes.js'
import { testCity } from '../src/kit/genesis-builder.js'
import { Signer } from '../src/kit/signer.js'
import { Testnet, generateTestnet, testnetAppState, testnetKey, testnetPorts } from '../src/network/cometbft-testnet.js'
import { freeBasePort } from '../src/kit/free-port.js'

const args = process.argv.slice(2)
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : dflt
}
const ACCOUNTS = arg('accounts', 1_000_000)
const CHUNK = arg('chunk-bytes', 1 << 20)
const phase = args[args.indexOf('--phase') + 1]
const WORK = args.includes('--dir') ? args[args.indexOf('--dir') + 1]! : join(tmpdir(), `polis-statesync-bench-${process.pid}`)
const SIGNED = 10
const city = testCity({ chainId: 'sync-bench', citizens: SIGNED })
const genesisSec = Number(BigInt(city.genesis.genesis_time) / 1000n)
const time = (s: number) => ({ seconds: BigInt(s), nanos: 0 })
const conn = { id: 0, remote: 'bench', seen: new Set<RequestKind>(['finalizeBlock']) }

async function call(node: AbciNode, kind: RequestKind, body: Record<string, unknown>): Promise<Response> {
  const r = await node.abci.handle(Request.fromPartial({ [kind]: body } as Parameters<typeof Request.fromPartial>[0]), kind, conn)
  if (r.exception) throw new Error(`${kind}: ${r.exception.error}`)
  return r
}

/** The genesis app_state: the test city's keys plus ACCOUNTS accounts whose keys are SHA-256 of their index. */
function appState(): Record<string, unknown> {
  const s = city.genesis.app_state as { identity: { accounts: unknown[] }; bank: { balances: unknown[] } }
  for (let i = 0; i < ACCOUNTS; i++) {
    const pk = toHex(sha256(utf8(`account/${i}`)))
    s.identity.accounts.push({ pub_key: pk, roles: ['citizen'] })
    s.bank.balances.push({ address: pk, amount: '1000' })
  }
  return s
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6
const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024)

async function source(): Promise<void> {
  const home = join(WORK, 'source')
  const node = await startAbciNode({ home, abci: 'tcp://127.0.0.1:0', verifyThreads: 0, log: () => undefined, snapshotInterval: 1, snapshotChunkBytes: CHUNK })
  let t = process.hrtime.bigint()
  const stateBytes = utf8(JSON.stringify(appState()))
  const genesisMs = ms(t)
  t = process.hrtime.bigint()
  await call(node, 'initChain', { time: time(genesisSec), chainId: city.chainId, validators: [{ pubKey: { ed25519: city.validator.publicKey }, power: 10n }], appStateBytes: stateBytes, initialHeight: 1n })
  await call(node, 'finalizeBlock', { txs: [], height: 1n, time: time(genesisSec + 1), hash: new Uint8Array(32), proposerAddress: new Uint8Array(20) })
  await call(node, 'commit', {})
  const initMs = ms(t)
  // the snapshot of height 1 is being made in the background since that Commit
  t = process.hrtime.bigint()
  await node.abci.snapshotsIdle()
  const exportMs = ms(t)
  const info = node.abci.app.info()
  const snap = (await call(node, 'listSnapshots', {})).listSnapshots!.snapshots.at(-1)!
  await node.close()
  const out = {
    genesisJsonBytes: stateBytes.length, initMs, exportMs, height: Number(info.lastHeight), appHash: toHex(info.lastAppHash),
    snapshotBytes: statSync(join(home, 'snapshots', '1', 'snapshot')).size, chunks: snap.chunks, hash: toHex(snap.hash),
    metadata: Buffer.from(snap.metadata).toString('utf8'), appDbBytes: du(join(home, 'app')), maxRssMb: rssMb(),
  }
  writeFileSync(join(WORK, 'source.json'), JSON.stringify(out))
}

async function joiner(): Promise<void> {
  const src = JSON.parse(readFileSync(join(WORK, 'source.json'), 'utf8')) as { height: number; appHash: string; chunks: number; hash: string; metadata: string }
  const node = await startAbciNode({ home: join(WORK, 'joiner'), abci: 'tcp://127.0.0.1:0', verifyThreads: 0, log: () => undefined })
  const serving = await startAbciNode({ home: join(WORK, 'source'), abci: 'tcp://127.0.0.1:0', verifyThreads: 0, log: () => undefined, snapshotInterval: 1_000_000_000, snapshotChunkBytes: CHUNK })
  const t0 = process.hrtime.bigint()
  const offer = await call(node, 'offerSnapshot', {
    snapshot: { height: BigInt(src.height), format: 1, chunks: src.chunks, hash: Buffer.from(src.hash, 'hex'), metadata: utf8(src.metadata) },
    appHash: Buffer.from(src.appHash, 'hex'),
  })
  if (offer.offerSnapshot!.result !== 1) throw new Error(`offer refused: ${offer.offerSnapshot!.result}`)
  let loadMs = 0
  let lastChunkMs = 0
  for (let i = 0; i < src.chunks; i++) {
    const tl = process.hrtime.bigint()
    const chunk = (await call(serving, 'loadSnapshotChunk', { height: BigInt(src.height), format: 1, chunk: i })).loadSnapshotChunk!.chunk
    loadMs += ms(tl)
    const ta = process.hrtime.bigint()
    const r = (await call(node, 'applySnapshotChunk', { index: i, chunk, sender: 'bench' })).applySnapshotChunk!
    if (i === src.chunks - 1) lastChunkMs = ms(ta)
    if (r.result !== 1) throw new Error(`chunk ${i}: result ${r.result}`)
  }
  const appliedMs = ms(t0)
  const info = node.abci.app.info()
  if (toHex(info.lastAppHash) !== src.appHash) throw new Error('restored app hash differs')
  // following: the next block, with transfers, executes on the restored state
  const signer = new Signer(city.chainId)
  const txs = city.citizens.map((c, k) => signer.send(c, city.citizens[(k + 1) % SIGNED]!, 1n))
  const tf = process.hrtime.bigint()
  const f = await call(node, 'finalizeBlock', { txs, height: BigInt(src.height + 1), time: time(genesisSec + 2), hash: new Uint8Array(32), proposerAddress: new Uint8Array(20) })
  if (f.finalizeBlock!.txResults.some((x) => x.code !== 0)) throw new Error('a transfer failed on the restored state')
  await call(node, 'commit', {})
  const followMs = ms(tf)
  await serving.close()
  await node.close()
  writeFileSync(join(WORK, 'joiner.json'), JSON.stringify({ appliedMs, loadChunksMs: loadMs, rebuildMs: lastChunkMs, followMs, joinMs: appliedMs + followMs, appDbBytes: du(join(WORK, 'joiner', 'app')), maxRssMb: rssMb() }))
}

function du(dir: string): number {
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' })
  return Number(r.stdout.split('\t')[0])
}

// ------------------------------------------------------------------------------- through CometBFT

const INTERVAL = arg('interval', 20)
const HOUR = 3_600_000
const sleep = (t: number) => new Promise((r) => setTimeout(r, t))

async function until<T>(what: string, f: () => Promise<T | undefined>, limitMs: number): Promise<T> {
  const end = Date.now() + limitMs
  for (;;) {
    const v = await f().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

/** Peak resident memory (VmHWM) of a live process, MiB. */
function peakMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 1024) : undefined
}

/** Lines of the App log matching `re` (the log is appended to across restarts). */
function appLogMatch(home: string, re: RegExp): RegExpExecArray | null {
  try {
    return re.exec(readFileSync(join(home, 'logs', 'app.log'), 'utf8'))
  } catch {
    return null
  }
}

async function comet(): Promise<void> {
  rmSync(WORK, { recursive: true, force: true })
  const seed = 'statesync-bench'
  const citizens = Array.from({ length: SIGNED }, (_, i) => testnetKey(seed, `citizen/${i}`))
  const state = testnetAppState({ authority: testnetKey(seed, 'authority'), validators: [testnetKey(seed, 'node0/validator')], power: 10, citizens, balance: 1_000_000_000n }) as {
    identity: { accounts: unknown[] }; bank: { balances: unknown[] }
  }
  for (let i = 0; i < ACCOUNTS; i++) {
    const pk = toHex(sha256(utf8(`account/${i}`)))
    state.identity.accounts.push({ pub_key: pk, roles: ['citizen'] })
    state.bank.balances.push({ address: pk, amount: '1000' })
  }
  const base = await freeBasePort((b) => testnetPorts(b, 2))
  let t = process.hrtime.bigint()
  generateTestnet({ out: WORK, validators: 1, chainId: 'sync-bench', keySeed: seed, citizens: SIGNED, basePort: base, appState: state })
  const genesisFile = join(WORK, 'node0', 'cometbft', 'config', 'genesis.json')
  const genesisBytes = statSync(genesisFile).size
  const writeGenesisMs = ms(t)
  const say = (m: string) => console.log(`  [${new Date().toISOString().slice(11, 19)}] ${m}`)
  say(`testnet written (genesis.json ${(genesisBytes / 2 ** 20).toFixed(1)} MiB)`)

  const making = new Testnet(WORK, { snapshotInterval: INTERVAL, snapshotChunkBytes: CHUNK })
  let serving: Testnet | undefined
  try {
    t = process.hrtime.bigint()
    await making.startNode(0, HOUR)
    const validatorUpMs = ms(t)
    say(`validator up (InitChain done) in ${(validatorUpMs / 1000).toFixed(1)} s`)
    const home0 = making.nodeDir(0)
    const made = await until('a snapshot', async () => appLogMatch(home0, /snapshot of height (\d+): (\d+) chunks[^\n]*/) ?? undefined, HOUR)
    const snapHeight = Number(made[1])
    const exportLine = made[0]
    const validatorPeakMb = peakMb(making.appPid(0))
    say(exportLine)
    await making.stop()

    // serve that snapshot only (no new ones competing for the cores), at a pace a joiner can follow
    serving = new Testnet(WORK, { snapshotInterval: 1_000_000_000, snapshotChunkBytes: CHUNK })
    t = process.hrtime.bigint()
    await serving.startNode(0, HOUR)
    const restartMs = ms(t)
    const rpc = serving.rpc(0)
    await until('blocks after the restart', async () => ((await rpc.height()) > BigInt(snapHeight) + 2n ? true : undefined), HOUR)
    const trustHeight = (await rpc.height()) - 1n
    const trustHash = String((await rpc.block(trustHeight)).block_id.hash)
    const url = rpc.url
    const i = serving.addNode({
      config: {
        'statesync.enable': true, 'statesync.rpc_servers': `${url},${url}`, 'statesync.trust_height': Number(trustHeight),
        'statesync.trust_hash': trustHash, 'statesync.trust_period': '168h0m0s', 'statesync.discovery_time': '5s',
        'statesync.chunk_request_timeout': '60s',
      },
    })
    const home1 = serving.nodeDir(i)
    const t0 = process.hrtime.bigint()
    await serving.startNode(i, HOUR)
    const joinerUpMs = ms(t0)
    say(`joiner started (genesis checked against the validator's) in ${(joinerUpMs / 1000).toFixed(1)} s`)
    const restored = await until('the snapshot restored', async () => {
      const bad = appLogMatch(home1, /snapshot of height \d+ rejected: [^\n]*/)
      if (bad) throw new Error(bad[0])
      return appLogMatch(home1, /restored the snapshot of height (\d+), app hash ([0-9a-f]+)/) ?? undefined
    }, HOUR)
    const restoredMs = ms(t0)
    if (Number(restored[1]) !== snapHeight) throw new Error(`restored height ${restored[1]}, the snapshot is of ${snapHeight}`)
    if (restored[2] !== String((await rpc.block(BigInt(snapHeight) + 1n)).block.header.app_hash).toLowerCase()) throw new Error('the restored app hash is not the chain\'s')
    say(`restored the snapshot of height ${snapHeight} at ${(restoredMs / 1000).toFixed(1)} s`)
    const joined = serving.rpc(i)
    await until('the joiner to catch up', async () => {
      const st = await joined.status()
      return !st.sync_info.catching_up && BigInt(st.sync_info.latest_block_height) >= trustHeight ? true : undefined
    }, HOUR)
    const caughtUpMs = ms(t0)
    // nothing below the snapshot executed on the joiner
    const executed = [...readFileSync(join(home1, 'logs', 'app.log'), 'utf8').matchAll(/committed height (\d+)/g)].map((m) => Number(m[1]))
    if (!executed.length || executed.some((h) => h <= snapHeight)) throw new Error(`the joiner executed height ${executed[0]}`)
    // following: a transfer sent to the validator shows on the joiner
    const [a, b] = [citizens[0]!, citizens[1]!]
    const tx = new Signer('sync-bench').send(a, b, 77n)
    const sent = await rpc.broadcastTxSync(tx)
    if (sent.code !== 0) throw new Error(`transfer refused: ${sent.code}`)
    await until('the transfer on the joiner', async () => {
      const r = await joined.abciQuery('bank/balance', utf8(JSON.stringify({ address: toHex(b.publicKey) })))
      return r.response.code === 0 && JSON.parse(Buffer.from(r.response.value, 'base64').toString()).amount === '1000000077' ? true : undefined
    }, 10 * 60_000)
    const followedMs = ms(t0)
    const info = JSON.parse(readFileSync(join(home0, 'snapshots', String(snapHeight), 'info.json'), 'utf8')) as { metadata: { chunk_hashes: string[] } }
    const out = {
      accounts: ACCOUNTS, chunkBytes: CHUNK, genesisJsonBytes: genesisBytes, writeGenesisMs, validatorUpMs, validatorPeakMb, snapshotHeight: snapHeight, exportLine,
      snapshotFileBytes: statSync(join(home0, 'snapshots', String(snapHeight), 'snapshot')).size, chunks: info.metadata.chunk_hashes.length,
      restartMs, joinerUpMs, restoredMs, caughtUpMs, followedMs,
      joinerAppPeakMb: peakMb(serving.appPid(i)), joinerCometPeakMb: peakMb(serving.cometbftPid(i)), validatorCometPeakMb: peakMb(serving.cometbftPid(0)),
      joinerAppDbBytes: du(join(home1, 'app')), load: loadavg(),
    }
    console.log(`validator: genesis.json ${(genesisBytes / 2 ** 20).toFixed(1)} MiB; start → RPC up (InitChain) ${(validatorUpMs / 1000).toFixed(1)} s; App peak RSS ${validatorPeakMb} MiB`)
    console.log(`snapshot: ${exportLine}`)
    console.log(`joiner: App up (genesis checked) ${(joinerUpMs / 1000).toFixed(1)} s → restored (discovery, light client, ${out.chunks} chunks over p2p, app hash checked) ${(restoredMs / 1000).toFixed(1)} s → caught up ${(caughtUpMs / 1000).toFixed(1)} s → transfer seen ${(followedMs / 1000).toFixed(1)} s; App peak RSS ${out.joinerAppPeakMb} MiB, CometBFT ${out.joinerCometPeakMb} MiB`)
    mkdirSync('bench/results', { recursive: true })
    writeFileSync('bench/results/statesync-comet.json', JSON.stringify({ bench: 'statesync-comet', date: new Date().toISOString(), machine: { cores: availableParallelism(), node: process.version }, ...out }, null, 2) + '\n')
  } finally {
    await making.stop().catch(() => undefined)
    await serving?.stop().catch(() => undefined)
    if (!args.includes('--keep')) rmSync(WORK, { recursive: true, force: true })
  }
}

if (phase === 'source') await source()
else if (phase === 'joiner') await joiner()
else if (args.includes('--comet')) {
  console.log(`state-sync bench through CometBFT: ${ACCOUNTS} accounts, chunks of ${CHUNK} bytes, a snapshot every ${INTERVAL} blocks; ${availableParallelism()} cores; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
  await comet()
} else {
  rmSync(WORK, { recursive: true, force: true })
  mkdirSync(WORK, { recursive: true })
  const self = fileURLToPath(import.meta.url)
  console.log(`state-sync bench: ${ACCOUNTS} accounts, chunks of ${CHUNK} bytes; ${availableParallelism()} cores (${cpus()[0]?.model}); load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
  const run = (p: string) => {
    const r = spawnSync(process.execPath, ['--max-old-space-size=16384', '--import', 'tsx', self, '--phase', p, '--dir', WORK, '--accounts', String(ACCOUNTS), '--chunk-bytes', String(CHUNK)], { stdio: 'inherit' })
    if (r.status !== 0) throw new Error(`${p} phase failed (${r.status})`)
    return JSON.parse(readFileSync(join(WORK, `${p}.json`), 'utf8')) as Record<string, number>
  }
  try {
    const s = run('source')
    const j = run('joiner')
    const mb = (b: number) => (b / 2 ** 20).toFixed(1)
    console.log(`source: genesis app_state ${mb(s.genesisJsonBytes!)} MiB JSON; InitChain + block 1 ${(s.initMs! / 1000).toFixed(1)} s; App db ${mb(s.appDbBytes!)} MiB; peak RSS ${s.maxRssMb} MiB`)
    console.log(`snapshot: ${mb(s.snapshotBytes!)} MiB in ${s.chunks} chunks; export (tree walk, chunk hashes, write) ${(s.exportMs! / 1000).toFixed(1)} s`)
    console.log(`joiner: offer → applied ${(j.appliedMs! / 1000).toFixed(1)} s (chunk loads ${(j.loadChunksMs! / 1000).toFixed(1)} s, last chunk = rebuild + root check + write ${(j.rebuildMs! / 1000).toFixed(1)} s); next block with ${SIGNED} transfers ${j.followMs!.toFixed(0)} ms; join ${(j.joinMs! / 1000).toFixed(1)} s; App db ${mb(j.appDbBytes!)} MiB; peak RSS ${j.maxRssMb} MiB`)
    mkdirSync('bench/results', { recursive: true })
    writeFileSync('bench/results/statesync.json', JSON.stringify({ bench: 'statesync', date: new Date().toISOString(), machine: { cores: availableParallelism(), node: process.version, load: loadavg() }, params: { accounts: ACCOUNTS, chunkBytes: CHUNK }, source: s, joiner: j }, null, 2) + '\n')
  } finally {
    rmSync(WORK, { recursive: true, force: true })
  }
}
