/**
 * The relayer's scan heights on disk (one small JSON file per pair of chains), so that a restart
 * does not read both chains from genesis again:
 *
 *   { "version": 1,
 *     "a": { "chain_id": "city-a", "client": "city-b", "height": "812", "hash": "<header hash at 812>" },
 *     "b": { … } }
 *
 * `height` is the highest height at or below which the relayer had nothing pending on that chain
 * (every packet sent there up to it acknowledged or timed out, every ack written there up to it
 * carried back), not merely the last block it read: a restart reads from height + 1 and so finds
 * again everything still in flight. The file is a hint, never the truth: it is only used if the
 * chain id and client match and the chain's header at that height has that hash (a file from a
 * chain that was re-created, or from the future, is ignored and the relayer reads from the start);
 * a lost or older file only makes the relayer read more. What to relay is always re-derived from
 * the chains' state, so no file can cause a packet to be lost or delivered twice.
 * Written atomically (a temporary file renamed over the old one).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

export interface ScanMark { chainId: string; client: string; height: bigint; hash: string }
export interface ScanState { a?: ScanMark; b?: ScanMark }

function mark(v: unknown): ScanMark | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const m = v as Record<string, unknown>
  if (typeof m.chain_id !== 'string' || typeof m.client !== 'string' || typeof m.height !== 'string' || !/^[0-9]{1,20}$/.test(m.height) || typeof m.hash !== 'string' || !/^[0-9a-f]{64}$/.test(m.hash)) return undefined
  return { chainId: m.chain_id, client: m.client, height: BigInt(m.height), hash: m.hash }
}

/** The file's marks; a missing, unreadable or malformed file (or side) reads as none. */
export function readScanState(path: string): ScanState {
  if (!existsSync(path)) return {}
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    if (doc.version !== 1) return {}
    return { a: mark(doc.a), b: mark(doc.b) }
  } catch {
    return {}
  }
}

export function writeScanState(path: string, s: ScanState): void {
  const side = (m?: ScanMark) => (m ? { chain_id: m.chainId, client: m.client, height: m.height.toString(), hash: m.hash } : undefined)
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify({ version: 1, a: side(s.a), b: side(s.b) }, null, 2) + '\n')
  renameSync(tmp, path)
}
