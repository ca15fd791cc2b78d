/**
 * The VeReMi dataset's log format (van der Heijden, Lukaseder, Kargl; SecureComm 2018).
 *
 * A simulation directory holds one JSON-lines log per receiving vehicle,
 * `JSONlog-<index>-<moduleId>-A<attackerType>.json`, whose lines are
 *   type 2 — the receiver's own GPS reading: rcvTime, pos, pos_noise, spd, spd_noise
 *   type 3 — a beacon it received: rcvTime, sendTime, sender, messageID, pos, pos_noise, spd, spd_noise, RSSI
 * and one ground-truth file `GroundTruthJSONlog.json` with a type-4 line per beacon sent:
 *   time, sender, attackerType, messageID, pos, pos_noise, spd, spd_noise (the true values).
 * A received message is malicious when its sender's attackerType is not 0 (VeReMi's labelling).
 *
 * Attacker types: VeReMi numbers its five classes as bit values 1, 2, 4, 8, 16. Polis continues
 * that series for the VeReMi extension's classes (32 … 512); the extension itself numbers its
 * classes 1–19 differently, so its logs need a mapping (`extensionCodes` below).
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export type Vec3 = [number, number, number]

export const AttackerType = {
  genuine: 0,
  constPos: 1,
  constPosOffset: 2,
  randomPos: 4,
  randomPosOffset: 8,
  eventualStop: 16,
  constSpeed: 32,
  randomSpeed: 64,
  dataReplay: 128,
  delayedMessages: 256,
  sybil: 512,
} as const
export type AttackClass = keyof typeof AttackerType

export const attackName = (code: number): string =>
  (Object.keys(AttackerType) as AttackClass[]).find((k) => AttackerType[k] === code) ?? `A${code}`

/** The VeReMi extension's attacker numbers (Kamel et al., 2020) → Polis codes, for the classes both know. */
export const extensionCodes: Readonly<Record<number, number>> = {
  0: 0, 1: 1, 2: 2, 3: 4, 4: 8, 5: 32, 7: 64, 9: 16, 11: 128, 12: 256, 16: 512,
}

export interface OwnGps {
  type: 2
  rcvTime: number
  pos: Vec3
  pos_noise: Vec3
  spd: Vec3
  spd_noise: Vec3
}

export interface Received {
  type: 3
  rcvTime: number
  sendTime: number
  sender: number
  messageID: number
  pos: Vec3
  pos_noise: Vec3
  spd: Vec3
  spd_noise: Vec3
  RSSI: number
}

export interface GroundTruth {
  type: 4
  time: number
  sender: number
  attackerType: number
  messageID: number
  pos: Vec3
  pos_noise: Vec3
  spd: Vec3
  spd_noise: Vec3
}

export type LogLine = OwnGps | Received

export const GROUND_TRUTH_FILE = 'GroundTruthJSONlog.json'
export const receiverFileName = (index: number, moduleId: number, attackerType: number) =>
  `JSONlog-${index}-${moduleId}-A${attackerType}.json`

const RECEIVER_RE = /^JSONlog-(\d+)-(\d+)-A(\d+)\.json$/

function isVec(x: unknown): x is Vec3 {
  return Array.isArray(x) && x.length >= 2 && x.length <= 3 && x.every((n) => typeof n === 'number' && Number.isFinite(n))
}

/**
 * Parses one log line; returns undefined for lines that are not well-formed type 2/3 entries
 * (a log is untrusted input: a bad line is skipped, never a crash).
 */
export function parseLogLine(line: string): LogLine | undefined {
  let v: any
  try {
    v = JSON.parse(line)
  } catch {
    return undefined
  }
  if (!v || typeof v !== 'object') return undefined
  if (typeof v.rcvTime !== 'number' || !Number.isFinite(v.rcvTime) || !isVec(v.pos) || !isVec(v.spd)) return undefined
  const pos: Vec3 = [v.pos[0], v.pos[1], v.pos[2] ?? 0]
  const spd: Vec3 = [v.spd[0], v.spd[1], v.spd[2] ?? 0]
  const pn: Vec3 = isVec(v.pos_noise) ? [v.pos_noise[0], v.pos_noise[1], v.pos_noise[2] ?? 0] : [0, 0, 0]
  const sn: Vec3 = isVec(v.spd_noise) ? [v.spd_noise[0], v.spd_noise[1], v.spd_noise[2] ?? 0] : [0, 0, 0]
  if (v.type === 2) return { type: 2, rcvTime: v.rcvTime, pos, pos_noise: pn, spd, spd_noise: sn }
  if (v.type === 3) {
    if (!Number.isSafeInteger(v.sender) || !Number.isSafeInteger(v.messageID)) return undefined
    if (typeof v.sendTime !== 'number' || !Number.isFinite(v.sendTime)) return undefined
    return {
      type: 3, rcvTime: v.rcvTime, sendTime: v.sendTime, sender: v.sender, messageID: v.messageID,
      pos, pos_noise: pn, spd, spd_noise: sn, RSSI: typeof v.RSSI === 'number' ? v.RSSI : 0,
    }
  }
  return undefined
}

export function readLog(path: string): LogLine[] {
  const out: LogLine[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue
    const e = parseLogLine(line)
    if (e) out.push(e)
  }
  return out
}

/** messageID → attackerType of its sender, from the ground-truth file. */
export function readGroundTruth(path: string, codeMap?: Readonly<Record<number, number>>): Map<number, number> {
  const gt = new Map<number, number>()
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue
    let v: any
    try {
      v = JSON.parse(line)
    } catch {
      continue
    }
    if (v?.type !== 4 || !Number.isSafeInteger(v.messageID) || !Number.isSafeInteger(v.attackerType)) continue
    gt.set(v.messageID, codeMap ? codeMap[v.attackerType] ?? v.attackerType : v.attackerType)
  }
  return gt
}

export interface ReceiverFile {
  file: string
  index: number
  moduleId: number
  attackerType: number
}

export function listReceiverFiles(dir: string): ReceiverFile[] {
  const out: ReceiverFile[] = []
  for (const name of readdirSync(dir).sort()) {
    const m = RECEIVER_RE.exec(name)
    if (m) out.push({ file: join(dir, name), index: Number(m[1]), moduleId: Number(m[2]), attackerType: Number(m[3]) })
  }
  return out.sort((a, b) => a.index - b.index)
}

/** Finds the ground-truth file: Polis's name, or any `*GroundTruth*.json` (VeReMi's release names vary). */
export function findGroundTruth(dir: string): string {
  const names = readdirSync(dir).sort()
  if (names.includes(GROUND_TRUTH_FILE)) return join(dir, GROUND_TRUTH_FILE)
  const n = names.find((x) => /groundtruth/i.test(x) && x.endsWith('.json'))
  if (!n) throw new Error(`no ground-truth file in ${dir}`)
  return join(dir, n)
}
