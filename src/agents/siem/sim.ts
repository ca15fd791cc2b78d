/**
 * A labelled SIEM workload: a fleet of city IoT devices with benign traffic and scripted attacks
 * (Mirai telnet scan and brute force, SSH brute force, port scan, flood), as the raw lines a
 * collector receives; and an evaluation that runs the shipped rules over it (detection per attack,
 * false positives, time from an attack's first event to its alert). Seeded; deterministic.
 */
import { Rng } from '../../util/rng.js'
import { Collector } from './collector.js'
import { CorrelatorAgent } from './correlator.js'
import { loadRules } from '../../siem/rule-set.js'
import type { KeyPair } from '../../crypto/keys.js'

export const ATTACKS = ['mirai_scan', 'mirai_bruteforce', 'ssh_bruteforce', 'port_scan', 'flood'] as const
export type AttackKind = (typeof ATTACKS)[number]

export interface SimLine { t: number; line: string; label: string | null }
export interface SimAttack { kind: AttackKind; source: string; start: number; id: string }

/** A seeded uniform source in [0, 1) (off chain). */
function rng(seed: number): () => number {
  const r = new Rng(seed)
  return () => r.next()
}

const MIRAI = [['root', 'xc3511'], ['root', 'vizxv'], ['admin', 'admin'], ['root', '888888'], ['root', 'default'], ['support', 'support'], ['root', '54321'], ['admin', 'password'], ['root', 'root'], ['root', '12345']]

/** The raw lines of one scripted attack from `source` starting at `start` (ms), `dt` ms after the start. */
export function attackLines(kind: AttackKind, source: string, start: number, r: () => number = rng(1)): Array<{ dt: number; line: string }> {
  const out: Array<{ dt: number; line: string }> = []
  const push = (dt: number, line: string) => out.push({ dt, line })
  const at = (dt: number) => new Date(start + dt).toISOString()
  switch (kind) {
    case 'mirai_scan':
      for (let j = 0; j < 40; j++) push(j * 200, `<4>1 ${at(j * 200)} fw kernel - - - SRC=${source} DST=198.51.${Math.floor(r() * 255)}.${Math.floor(r() * 255)} PROTO=TCP SPT=41000 DPT=${j % 10 === 0 ? 2323 : 23} SYN`)
      break
    case 'mirai_bruteforce':
      MIRAI.forEach(([u], j) => push(j * 600, `<34>1 ${at(j * 600)} dvr-7 login 311 - - FAILED LOGIN 1 FROM ${source} FOR ${u}, Authentication failure`))
      break
    case 'ssh_bruteforce':
      for (let j = 0; j < 8; j++) push(j * 400, `<38>1 ${at(j * 400)} gw-1 sshd 22 - - Failed password for root from ${source} port ${50000 + j} ssh2`)
      break
    case 'port_scan':
      for (let j = 0; j < 30; j++) push(j * 100, `<4>1 ${at(j * 100)} fw kernel - - - SRC=${source} DST=10.0.0.10 PROTO=TCP SPT=6000 DPT=${1000 + j * 37} SYN`)
      break
    case 'flood':
      for (let j = 0; j < 150; j++) push(j * 5, JSON.stringify({ '@timestamp': at(j * 5), src_ip: source, dst_ip: '10.0.0.11', dst_port: 80, proto: 'tcp', message: 'connection', event: { category: ['network'], type: ['connection'] } }))
      break
  }
  return out
}

export function simulateSiem(opts: { seed?: number; devices?: number; durationMs?: number; t0?: number } = {}): { lines: SimLine[]; attacks: SimAttack[] } {
  const r = rng(opts.seed ?? 1)
  const devices = opts.devices ?? 40
  const dur = opts.durationMs ?? 300_000
  const t0 = opts.t0 ?? Date.UTC(2026, 10, 24, 10, 0, 0)
  const iso = (t: number) => new Date(t).toISOString()
  const dev = (i: number) => `10.0.${Math.floor(i / 200)}.${(i % 200) + 10}`
  const lines: SimLine[] = []
  // benign: periodic telemetry over MQTT, operator logins, web status checks, rare typos
  for (let i = 0; i < devices; i++) {
    for (let t = Math.floor(r() * 10_000); t < dur; t += 8_000 + Math.floor(r() * 4_000)) {
      const x = r()
      if (x < 0.6) lines.push({ t: t0 + t, label: null, line: JSON.stringify({ '@timestamp': iso(t0 + t), src_ip: dev(i), dst_ip: '10.1.0.2', dst_port: 1883, proto: 'tcp', message: 'mqtt publish telemetry', event: { category: ['network'], type: ['connection'] } }) })
      else if (x < 0.8) lines.push({ t: t0 + t, label: null, line: `<38>1 ${iso(t0 + t)} dev-${i} sshd ${100 + i} - - Accepted publickey for ops from 10.9.0.${i % 5} port ${30000 + i} ssh2` })
      else if (x < 0.97) lines.push({ t: t0 + t, label: null, line: JSON.stringify({ '@timestamp': iso(t0 + t), src_ip: '10.9.1.1', dst_ip: dev(i), dst_port: 80, proto: 'tcp', message: 'GET /status' }) })
      else lines.push({ t: t0 + t, label: null, line: `<38>1 ${iso(t0 + t)} dev-${i} sshd ${100 + i} - - Failed password for ops from 10.9.0.${i % 5} port ${30000 + i} ssh2` })
    }
  }
  const attacks: SimAttack[] = []
  ATTACKS.forEach((kind, k) => {
    const start = Math.floor(dur * (0.1 + 0.15 * k) + r() * 5_000)
    const source = kind.startsWith('mirai') ? dev(Math.floor(r() * devices)) : `203.0.113.${10 + k}`
    const id = `${kind}#${k}`
    attacks.push({ kind, source, start: t0 + start, id })
    for (const { dt, line } of attackLines(kind, source, t0 + start, r)) lines.push({ t: t0 + start + dt, line, label: id })
  })
  lines.sort((a, b) => a.t - b.t)
  return { lines, attacks }
}

export interface SiemEvaluation {
  events: number
  attacks: Array<{ id: string; kind: AttackKind; detected: boolean; rules: string[]; timeToAlertMs: number | null }>
  falsePositives: number
  alerts: number
}

/** Runs a collector and a correlator over the workload, in time order. */
export function evaluateSiem(sim: { lines: SimLine[]; attacks: SimAttack[] }, key: KeyPair, onProgress?: (done: number, total: number) => void): SiemEvaluation {
  const col = new Collector('sim-city', key, 'sim-gw')
  const agent = new CorrelatorAgent(loadRules())
  const found = new Map<string, { rules: Set<string>; first: number | null }>()
  let fp = 0
  let alerts = 0
  for (const [i, l] of sim.lines.entries()) {
    if (onProgress && (i & 255) === 0) onProgress(i, sim.lines.length)
    const e = col.ingest(l.line, 'auto', l.t).event
    for (const a of agent.process([e])) {
      alerts++
      const src = a.group['source.ip']
      const attack = sim.attacks.find((x) => x.source === src && l.t >= x.start)
      if (!attack) {
        fp++
        continue
      }
      const f = found.get(attack.id) ?? { rules: new Set(), first: null }
      f.rules.add(a.title)
      if (f.first === null) f.first = Date.parse(a.last) - attack.start
      found.set(attack.id, f)
    }
  }
  onProgress?.(sim.lines.length, sim.lines.length)
  return {
    events: col.log.size,
    alerts,
    falsePositives: fp,
    attacks: sim.attacks.map((a) => ({ id: a.id, kind: a.kind, detected: found.has(a.id), rules: [...(found.get(a.id)?.rules ?? [])].sort(), timeToAlertMs: found.get(a.id)?.first ?? null })),
  }
}
