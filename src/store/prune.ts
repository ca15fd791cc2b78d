/**
 * Pruning old versions of the tree. Every commit (when the store records orphans) writes, with its
 * nodes, the list of persisted nodes that version dropped: a node dropped by version v is part of
 * versions up to v - 1 only. Keeping versions from `floor` on, a node dropped at v <= floor is in no
 * kept version, so it can go; nodes live in pages (page.ts), so a page is deleted once all its
 * nodes are gone, and a partly dead page keeps a count (layout.ts, P 'd'). The root records of
 * versions below the floor go too, and the floor record says where reads start.
 *
 * `pruneOps` only reads and returns the ops: the caller writes them in one atomic batch (never in a
 * block's batch, and one pruning batch at a time), so a crash leaves either all of a step or none.
 * Nothing a kept version can reach is ever deleted: the orphan lists say exactly which nodes left.
 */
import { pageOf } from './page.js'
import { decodeSeqs, decodeUvarints, encodeUvarints, type Layout } from './layout.js'
import { Reader } from './varint.js'

type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array }
interface SyncReader { getSync(key: Uint8Array): Uint8Array | undefined }

export interface PruneStep {
  ops: BatchOp[]
  /** Versions whose root records were deleted. */
  prunedVersions: number
  pagesDeleted: number
  nodesPruned: number
}

/**
 * Ops that move the first retained version from `floor` to `newFloor` (floor < newFloor <= latest).
 * Orphan lists of versions floor+1 .. newFloor are consumed; root records of floor .. newFloor-1 go.
 */
export function pruneOps(db: SyncReader, layout: Layout, floor: number, newFloor: number): PruneStep {
  const ops: BatchOp[] = []
  const dead = new Map<number, { total: number; dead: number }>()
  let nodesPruned = 0
  for (let v = floor + 1; v <= newFloor; v++) {
    const key = layout.orphansKey(v)
    const raw = db.getSync(key)
    if (!raw) continue
    for (const seq of decodeSeqs(raw, `orphans of version ${v}`)) {
      const page = pageOf(seq)
      let d = dead.get(page)
      if (!d) {
        d = readDead(db, layout, page)
        dead.set(page, d)
      }
      d.dead++
      nodesPruned++
    }
    ops.push({ type: 'del', key })
  }
  let pagesDeleted = 0
  for (const page of [...dead.keys()].sort((a, b) => a - b)) {
    const d = dead.get(page)!
    if (d.total === 0) continue // the page is already gone (an earlier, crashed step cannot leave this; defensive)
    if (d.dead >= d.total) {
      ops.push({ type: 'del', key: layout.pageKey(page) })
      ops.push({ type: 'del', key: layout.deadKey(page) })
      pagesDeleted++
    } else {
      ops.push({ type: 'put', key: layout.deadKey(page), value: encodeUvarints(d.total, d.dead) })
    }
  }
  for (let v = Math.max(1, floor); v < newFloor; v++) ops.push({ type: 'del', key: layout.rootKey(v) })
  ops.push({ type: 'put', key: layout.floorKey(), value: encodeUvarints(newFloor) })
  return { ops, prunedVersions: newFloor - Math.max(1, floor), pagesDeleted, nodesPruned }
}

function readDead(db: SyncReader, layout: Layout, page: number): { total: number; dead: number } {
  const rec = db.getSync(layout.deadKey(page))
  if (rec) {
    const [total, dead] = decodeUvarints(rec, 2, `dead count of page ${page}`)
    return { total: total!, dead: dead! }
  }
  const raw = db.getSync(layout.pageKey(page))
  if (!raw) return { total: 0, dead: 0 }
  const r = new Reader(raw, `store page ${page}`)
  r.uvarint() // first slot
  return { total: r.uvarint(), dead: 0 }
}

/** The first retained version recorded on disk (1 when nothing was ever pruned). */
export function readFloor(db: SyncReader, layout: Layout): number {
  const raw = db.getSync(layout.floorKey())
  return raw ? decodeUvarints(raw, 1, 'store floor')[0]! : 1
}
