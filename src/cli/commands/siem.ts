/**
 * `polis siem parse FILE` (offline: normalise a file of syslog/CEF/JSON/OpenCanary lines to ECS
 * events, with the malformed ones kept raw) and `polis siem verify-event` (asks the node whether
 * an event is included in a collector's anchored checkpoint; exits non-zero if it is not).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { PolisError } from '../../app/errors.js'
import { toHex } from '../../crypto/hash.js'
import { leafHash } from '../../siem/merkle-log.js'
import { Ingestor, type InputFormat } from '../../siem/parsers.js'
import type { CliContext } from '../context.js'
import { intArg } from '../args.js'
import { evaluateSiem, simulateSiem } from '../../siem/sim.js'
import { generateKeyPair } from '../../crypto/keys.js'

const FORMATS = ['auto', 'syslog', 'cef', 'json', 'opencanary']

export function siemCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const sim = program.commands.find((c) => c.name() === 'simulate') ?? program.command('simulate').description('off-chain simulators that write data sets')
  sim.command('siem')
    .description('a fleet of IoT devices with benign traffic and labelled attacks (Mirai scan and brute force, SSH brute force, port scan, flood); runs the shipped rules and reports detection')
    .option('--out <dir>', 'also write events.log (raw lines) and labels.json')
    .option('--seed <n>', 'seed', intArg('--seed', 0, 2 ** 31), 1)
    .option('--devices <n>', 'devices', intArg('--devices', 1, 10_000), 40)
    .option('--duration <s>', 'simulated seconds', intArg('--duration', 60, 86_400), 300)
    .action((o: { out?: string; seed: number; devices: number; duration: number }, cmd: Command) => {
      const c = ctx(cmd)
      const w = simulateSiem({ seed: o.seed, devices: o.devices, durationMs: o.duration * 1000 })
      if (o.out) {
        const dir = resolve(c.io.cwd, o.out)
        mkdirSync(dir, { recursive: true })
        writeFileSync(resolve(dir, 'events.log'), w.lines.map((l) => l.line).join('\n') + '\n')
        writeFileSync(resolve(dir, 'labels.json'), JSON.stringify({ attacks: w.attacks, labels: w.lines.map((l) => l.label) }) + '\n')
      }
      const ev = evaluateSiem(w, generateKeyPair())
      c.print(() => [
        `${ev.events} events, ${ev.alerts} alerts, ${ev.falsePositives} false positives`,
        ...ev.attacks.map((a) => `${a.kind.padEnd(17)} ${a.detected ? 'detected' : 'MISSED  '} ${a.timeToAlertMs === null ? '' : `after ${a.timeToAlertMs} ms`} ${a.rules.join('; ')}`),
      ], ev)
    })

  const s = program.command('siem').description('Block SIEM: normalise security events, verify logged events against anchored checkpoints (docs/SIEM.md)')
  s.command('parse <file>')
    .description('normalise every line of FILE to an ECS event (NDJSON on stdout); malformed lines are kept raw and counted')
    .option('--format <f>', `input format: ${FORMATS.join(', ')}`, 'auto')
    .option('--received-at <ms>', 'receive time for lines without a timestamp (ms since epoch; default now)')
    .action((file: string, o: { format: string; receivedAt?: string }, cmd: Command) => {
      const c = ctx(cmd)
      if (!FORMATS.includes(o.format)) throw new PolisError('invalid_request', `--format must be one of ${FORMATS.join(', ')}`)
      const at = o.receivedAt === undefined ? Date.now() : Number(o.receivedAt)
      if (!Number.isSafeInteger(at) || at < 0) throw new PolisError('invalid_request', '--received-at must be ms since epoch')
      let data: Buffer
      try {
        data = readFileSync(resolve(c.io.cwd, file))
      } catch (e) {
        throw new PolisError('invalid_request', `cannot read ${file}: ${(e as Error).message}`)
      }
      const ing = new Ingestor({ name: 'polis-cli', type: 'collector' }, (e) => c.io.out(JSON.stringify(e) + '\n'))
      let start = 0
      for (let i = 0; i <= data.length; i++) {
        if (i === data.length || data[i] === 0x0a) {
          const line = data.subarray(start, i)
          start = i + 1
          if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) continue
          ing.ingest(new Uint8Array(line), o.format as InputFormat, at)
        }
      }
      c.io.err(`${ing.counts.accepted} events, ${ing.counts.malformed} malformed (kept raw)\n`)
    })
  s.command('verify-event')
    .description("check on the node that an event is in a collector's log as anchored on chain")
    .requiredOption('--collector <hex>', "the collector's public key")
    .requiredOption('--index <n>', 'the event index in the log')
    .option('--proof <hashes>', 'the inclusion proof: comma-separated hex hashes', '')
    .option('--leaf-hash <hex>', 'the RFC 9162 leaf hash of the event')
    .option('--entry-file <file>', 'the logged entry (canonical JSON of the event), to hash here')
    .option('--size <n>', 'the anchored tree size (default: the latest checkpoint)')
    .action(async (o: { collector: string; index: string; proof: string; leafHash?: string; entryFile?: string; size?: string }, cmd: Command) => {
      const c = ctx(cmd)
      let leaf = o.leafHash
      if (o.entryFile) leaf = toHex(leafHash(new Uint8Array(readFileSync(resolve(c.io.cwd, o.entryFile)))))
      if (!leaf) throw new PolisError('invalid_request', 'give --leaf-hash or --entry-file')
      const r = await c.client().query<{ verified: boolean; reason: string | null; checkpoint: { size: string; root: string; height: string } | null }>('siem', 'verify-event', {
        collector: o.collector, index: o.index, proof: o.proof, leaf_hash: leaf, size: o.size,
      })
      c.print(() => (r.verified ? `verified: event ${o.index} is in the log of ${o.collector} as anchored at size ${r.checkpoint!.size} (height ${r.checkpoint!.height})` : `NOT verified: ${r.reason}`), r)
      if (!r.verified) throw new PolisError('proof_invalid', r.reason ?? 'not verified')
    })
}
