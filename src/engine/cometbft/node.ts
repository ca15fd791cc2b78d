/**
 * One Polis App process behind CometBFT: opens the App's database, serves it over the ABCI socket.
 * `src/node/cometbft-process.ts` is the command-line entry; the node service can embed this too.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { PolisApp } from '../../chain/app.js'
import type { Module } from '../../app/module.js'
import { VerifyPool } from '../../crypto/verify-pool.js'
import { toHex } from '../../base/bytes.js'
import { AbciServer } from './server.js'
import { PolisAbciApp } from './abci-app.js'
import { SnapshotStore } from './snapshot.js'

export interface AbciNodeOptions {
  /** The node's directory; the App's LevelDB lives in `<home>/app` unless `dbDir` is given. */
  home: string
  dbDir?: string
  /** Where CometBFT's `proxy_app` connects: `tcp://127.0.0.1:26658` or `unix:///path/app.sock`. */
  abci: string
  modules?: Module[]
  verifyThreads?: number
  cacheSize?: number
  indexEvents?: boolean
  log?: (msg: string) => void
  onCommit?: (height: bigint, appHash: Uint8Array, txs: number) => void
  /** The block at the governance halt height is committed (the process should stop). */
  onHalt?: (height: bigint) => void
  /** State-sync snapshots every this many blocks (0: none), in `<home>/snapshots` (snapshot.ts). */
  snapshotInterval?: number
  snapshotKeep?: number
  snapshotChunkBytes?: number
  /**
   * Keep the state of the last `keepRecent` heights (PolisApp's pruning: also every height a
   * pending bridge packet needs), never past a snapshot being exported; 0 or absent: keep all.
   */
  pruning?: { keepRecent: number }
  /**
   * CometBFT's `mempool.size` (CheckTx refuses beyond it, abci-app.ts); by default read from
   * `<home>/cometbft/config/config.toml` when it is there, else CometBFT's default 5000.
   */
  mempoolSize?: number
}

/** `[mempool] size` of a CometBFT config.toml (undefined if the file or the key is absent). */
export function cometMempoolSize(configToml: string): number | undefined {
  let section = ''
  for (const line of configToml.split('\n')) {
    const sec = /^\s*\[([^\]]+)\]/.exec(line)
    if (sec) section = sec[1]!.trim()
    else if (section === 'mempool') {
      const m = /^\s*size\s*=\s*(\d+)/.exec(line)
      if (m) return Number(m[1])
    }
  }
  return undefined
}

function mempoolSizeOf(home: string): number | undefined {
  const f = join(home, 'cometbft', 'config', 'config.toml')
  return existsSync(f) ? cometMempoolSize(readFileSync(f, 'utf8')) : undefined
}

export interface AbciNode {
  readonly abci: PolisAbciApp
  readonly server: AbciServer
  readonly address: string
  readonly db: ClassicLevel<Uint8Array, Uint8Array>
  close(): Promise<void>
}

export async function startAbciNode(opts: AbciNodeOptions): Promise<AbciNode> {
  const dbDir = opts.dbDir ?? join(opts.home, 'app')
  mkdirSync(dbDir, { recursive: true })
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dbDir, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  const pool = new VerifyPool(opts.verifyThreads ?? 1)
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'))
  let abci: PolisAbciApp
  const snapshots = opts.snapshotInterval ? new SnapshotStore(join(opts.home, 'snapshots'), { interval: opts.snapshotInterval, keep: opts.snapshotKeep, chunkBytes: opts.snapshotChunkBytes }) : undefined
  const pruning = opts.pruning?.keepRecent ? { keepRecent: opts.pruning.keepRecent, hold: () => snapshots?.exporting } : undefined
  try {
    abci = new PolisAbciApp({
      openApp: () => new PolisApp({ db, modules: opts.modules, verifyPool: pool, cacheSize: opts.cacheSize, pruning }),
      indexEvents: opts.indexEvents,
      log,
      onCommit: opts.onCommit,
      onHalt: opts.onHalt,
      db,
      snapshots,
      mempoolSize: opts.mempoolSize ?? mempoolSizeOf(opts.home),
    })
  } catch (e) {
    await pool.close()
    await db.close()
    throw e
  }
  const server = new AbciServer(abci, { log })
  let address: string
  try {
    address = await server.listen(opts.abci)
  } catch (e) {
    await abci.close()
    await pool.close()
    await db.close()
    throw e
  }
  let closing: Promise<void> | undefined
  return {
    abci,
    server,
    address,
    db,
    close: () =>
      (closing ??= (async () => {
        await server.close()
        await abci.close()
        await pool.close()
        await db.close()
      })()),
  }
}

export function describeInfo(node: AbciNode): string {
  const i = node.abci.app.info()
  return `height ${i.lastHeight} app_hash ${toHex(i.lastAppHash)}`
}
