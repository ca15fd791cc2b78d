/**
 * `polis siem …`: `parse FILE` (offline normalisation), the collector and correlator agents
 * (`collector start`, `correlator start`), the authority's registrations (collectors,
 * correlators, rules, threshold), alerts and their triage (`alerts`, `alert`, `ack`, `close`),
 * event search on a collector (`events`) and `verify-event` (collector entry + proof, chain root);
 * and `polis simulate siem` (offline evaluation, or `--send` to a live collector).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { toHex } from '../../base/bytes.js'
import { leafHash } from '../../siem/merkle-log.js'
import { Ingestor, type InputFormat } from '../../siem/parsers.js'
import type { CliContext } from '../context.js'
import { commandGroup, intArg } from '../args.js'
import { progress } from '../progress.js'
import { resolveAlertId } from '../alert-id.js'
import { ATTACKS, attackLines, evaluateSiem, simulateSiem, type AttackKind } from '../../agents/siem/sim.js'
import { openSender } from '../../siem/send.js'
import { isIP } from 'node:net'
import { generateKeyPair } from '../../crypto/keys.js'
import { fromHex, utf8 } from '../../base/bytes.js'
import { join } from 'node:path'
import { PolisClient } from '../../sdk/polis-client.js'
import { loadRules } from '../../siem/rule-set.js'
import { loadPlaceholders, loadTeamRules, type TeamRules } from '../../siem/team-rules.js'
import { MAX_MSGS_PER_TX } from '../../app/tx.js'
import type { SiemEvent } from '../../siem/ecs.js'
import { CollectorAgent } from '../../agents/siem/collector-agent.js'
import { SiemCorrelatorAgent } from '../../agents/siem/correlator-agent.js'
import { loadCollectorConfig, loadCorrelatorConfig, parseDeviceFlags, port } from '../../agents/siem/config.js'
import { ALERT_RESOLUTION, siemMsgs } from '../../modules/siem/types.js'
import { submit, txOptions, type TxFlags } from './tx.js'

const FORMATS = ['auto', 'syslog', 'cef', 'json', 'opencanary', 'winlog']

export function siemCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const sim = commandGroup(program, 'simulate')
  sim.command('siem')
    .description('a fleet of IoT devices with benign traffic and labelled attacks (Mirai scan and brute force, SSH brute force, port scan, flood); runs the shipped rules and reports detection')
    .option('--out <dir>', 'also write events.log (raw lines) and labels.json')
    .option('--seed <n>', 'seed', intArg('--seed', 0, 2 ** 31), 1)
    .option('--devices <n>', 'devices', intArg('--devices', 1, 10_000), 40)
    .option('--duration <s>', 'simulated seconds', intArg('--duration', 60, 86_400), 300)
    .option('--send <url>', 'send the records to a live collector instead: udp://host:port, tcp://host:port, http://host:port or mqtt://host:port/topic')
    .option('--attack <kind>', `with --send: only this attack, now, at its own pace (${ATTACKS.join(', ')})`)
    .option('--source <ip>', 'with --attack: the attacking address', '10.0.0.17')
    .action(async (o: { out?: string; seed: number; devices: number; duration: number; send?: string; attack?: string; source: string }, cmd: Command) => {
      const c = ctx(cmd)
      if (o.attack !== undefined || o.send !== undefined) return sendWorkload(c, o)
      const w = simulateSiem({ seed: o.seed, devices: o.devices, durationMs: o.duration * 1000 })
      if (o.out) {
        const dir = resolve(c.io.cwd, o.out)
        mkdirSync(dir, { recursive: true })
        writeFileSync(resolve(dir, 'events.log'), w.lines.map((l) => l.line).join('\n') + '\n')
        writeFileSync(resolve(dir, 'labels.json'), JSON.stringify({ attacks: w.attacks, labels: w.lines.map((l) => l.label) }) + '\n')
      }
      const bar = progress(c.io, { label: 'simulate', total: w.lines.length, unit: 'events', json: c.json })
      let ev
      try {
        ev = evaluateSiem(w, generateKeyPair(), (done) => bar.update(done))
      } finally {
        bar.end()
      }
      c.print(() => [
        `${ev.events} events, ${ev.alerts} alerts, ${ev.falsePositives} false positives`,
        ...ev.attacks.map((a) => `${a.kind.padEnd(17)} ${a.detected ? 'detected' : 'MISSED  '} ${a.timeToAlertMs === null ? '' : `after ${a.timeToAlertMs} ms`} ${a.rules.join('; ')}`),
      ], ev)
    })

  const s = program.command('siem').description('Block SIEM: collector and correlator agents, rules and correlators on chain, alerts and their triage, event search and verification (docs/SIEM.md)')
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
    .description("check on the node that an event is in a collector's log as anchored on chain; with --collector-url the entry and proof are fetched from the collector and the leaf hash is computed here")
    .option('--collector <hex>', "the collector's public key (default with --collector-url: the key it reports)")
    .option('--collector-url <url>', "a collector's API: fetch the event's entry and inclusion proof from it")
    .requiredOption('--index <n>', 'the event index in the log')
    .option('--proof <hashes>', 'the inclusion proof: comma-separated hex hashes', '')
    .option('--leaf-hash <hex>', 'the RFC 9162 leaf hash of the event')
    .option('--entry-file <file>', 'the logged entry (canonical JSON of the event), to hash here')
    .option('--size <n>', 'the anchored tree size (default: the latest checkpoint)')
    .action(async (o: { collector?: string; collectorUrl?: string; index: string; proof: string; leafHash?: string; entryFile?: string; size?: string }, cmd: Command) => {
      const c = ctx(cmd)
      let leaf = o.leafHash
      let proof = o.proof
      let collector = o.collector
      let entry: string | undefined
      if (o.entryFile) leaf = toHex(leafHash(new Uint8Array(readFileSync(resolve(c.io.cwd, o.entryFile)))))
      if (o.collectorUrl) {
        collector ??= (await collectorGet<{ collector: string }>(o.collectorUrl, '/v1/status')).collector
        const size = o.size ?? (await c.client().query<{ size: string }>('siem', 'collector', { address: collector })).size
        const p = await collectorGet<{ entry: string; proof: string[] }>(o.collectorUrl, `/v1/proof?index=${encodeURIComponent(o.index)}&size=${encodeURIComponent(size)}`)
        entry = p.entry
        leaf = toHex(leafHash(utf8(p.entry)))
        proof = p.proof.join(',')
        o.size = size
      }
      if (!collector) throw new PolisError('invalid_request', 'give --collector or --collector-url')
      if (!leaf) throw new PolisError('invalid_request', 'give --leaf-hash, --entry-file or --collector-url')
      const r = await c.client().query<{ verified: boolean; reason: string | null; checkpoint: { size: string; root: string; height: string } | null }>('siem', 'verify-event', {
        collector, index: o.index, proof, leaf_hash: leaf, size: o.size,
      })
      c.print(() => [
        r.verified ? `verified: event ${o.index} is in the log of ${collector} as anchored at size ${r.checkpoint!.size} (height ${r.checkpoint!.height})` : `NOT verified: ${r.reason}`,
        ...(entry && r.verified ? [entry] : []),
      ], { ...r, entry: entry === undefined ? undefined : JSON.parse(entry) })
      if (!r.verified) throw new PolisError('proof_invalid', r.reason ?? 'not verified')
    })

  agentCommands(s, ctx)
  triageCommands(s, ctx)
}

async function collectorGet<T>(base: string, path: string): Promise<T> {
  let res: Response
  try {
    res = await fetch(base.replace(/\/+$/, '') + path, { signal: AbortSignal.timeout(10_000) })
  } catch (e) {
    throw new PolisError('not_found', `collector ${base} unreachable: ${(e as Error).message}`)
  }
  const body = (await res.json().catch(() => ({}))) as T & { message?: string }
  if (!res.ok) throw new PolisError(res.status === 404 ? 'not_found' : 'invalid_request', `collector ${base}${path}: ${body.message ?? res.status}`)
  return body
}

async function sendWorkload(c: CliContext, o: { seed: number; devices: number; duration: number; send?: string; attack?: string; source: string }): Promise<void> {
  if (!o.send) throw new PolisError('invalid_request', '--attack needs --send URL')
  if (o.attack !== undefined && !(ATTACKS as readonly string[]).includes(o.attack)) throw new PolisError('invalid_request', `--attack must be one of ${ATTACKS.join(', ')}`)
  if (!isIP(o.source)) throw new PolisError('invalid_request', '--source must be an IP address')
  const start = Date.now()
  const lines = o.attack
    ? attackLines(o.attack as AttackKind, o.source, start)
    : simulateSiem({ seed: o.seed, devices: o.devices, durationMs: o.duration * 1000 }).lines.map((l) => ({ dt: 0, line: l.line }))
  const sender = await openSender(o.send)
  try {
    for (const l of lines) {
      const wait = start + l.dt - Date.now()
      if (o.attack && wait > 0) await new Promise((r) => setTimeout(r, wait))
      await sender.send(l.line)
    }
  } finally {
    await sender.close()
  }
  c.print(`sent ${lines.length} records${o.attack ? ` of ${o.attack} from ${o.source}` : ''} to ${o.send} in ${Date.now() - start} ms`, { sent: lines.length, attack: o.attack ?? null, source: o.attack ? o.source : null, target: o.send, started_at: start })
}

const many = (v: string, prev: string[] = []) => [...prev, v]

function agentCommands(s: Command, ctx: (cmd: Command) => CliContext): void {
  const log = (c: CliContext) => (msg: string, data: Record<string, unknown> = {}, level = 'info') => {
    if (level !== 'debug' || c.io.env.POLIS_LOG_LEVEL === 'debug') c.io.err(JSON.stringify({ time: new Date().toISOString(), level, msg, ...data }) + '\n')
  }
  s.command('collector').description('the collector agent').command('start')
    .description('run a collector until Ctrl-C: syslog UDP/TCP, JSON and OpenCanary over HTTP, MQTT; normalises, logs (RFC 9162, persisted) and anchors signed checkpoints on chain')
    .option('--config <file>', 'collector config (JSON; see src/agents/siem/config.ts); options below override it')
    .option('--from <key>', "the collector's key (a registered collector): key name or key file")
    .option('--name <name>', 'observer name recorded in events (default: the key name)')
    .option('--data-dir <dir>', 'event store directory (default: <home>/siem/<name>)')
    .option('--host <ip>', 'listen address (default 127.0.0.1)')
    .option('--api-port <port>', 'HTTP API and JSON ingestion port (default any free port)')
    .option('--syslog-udp <port>', 'syslog over UDP on this port')
    .option('--syslog-tcp <port>', 'syslog over TCP on this port')
    .option('--mqtt-port <port>', 'run the embedded MQTT broker on this port')
    .option('--mqtt-url <url>', 'subscribe on an external MQTT broker instead')
    .option('--mqtt-topic <filter>', 'MQTT topic filter (repeatable; default siem/#)', many)
    .option('--device <id=key>', 'map an IP address or device id to a registered device key (repeatable)', many)
    .option('--anchor-ms <ms>', 'anchoring cadence (default 1000)')
    .option('--workers <n>', 'parse on this many worker threads (default 0: on the main thread)')
    .action(async (o: { config?: string; from?: string; name?: string; dataDir?: string; host?: string; apiPort?: string; syslogUdp?: string; syslogTcp?: string; mqttPort?: string; mqttUrl?: string; mqttTopic?: string[]; device?: string[]; anchorMs?: string; workers?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const f = o.config ? loadCollectorConfig(resolve(c.io.cwd, o.config)) : {}
      const key = c.signer(o.from ?? f.key)
      const name = o.name ?? f.name ?? key.name
      const opt = (v: string | undefined, dflt: number | undefined, what: string) => (v === undefined ? dflt : port(v, what))
      const devices = new Map(Object.entries({ ...(f.devices ?? {}), ...parseDeviceFlags(o.device ?? []) }).map(([id, k]) => [id, toHex(c.address(k))]))
      const mqttUrl = o.mqttUrl ?? f.mqtt_url
      const mqttPort = opt(o.mqttPort, f.mqtt_port, '--mqtt-port')
      const anchor = o.anchorMs === undefined ? f.anchor_interval_ms : Number(o.anchorMs)
      if (anchor !== undefined && !(Number.isInteger(anchor) && anchor >= 10)) throw new PolisError('invalid_request', '--anchor-ms must be an integer >= 10')
      const workers = o.workers === undefined ? f.workers : Number(o.workers)
      if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0 && workers <= 64)) throw new PolisError('invalid_request', '--workers must be an integer from 0 to 64')
      const agent = new CollectorAgent({
        client: new PolisClient(f.node ?? c.nodeUrl()), key, name,
        dataDir: o.dataDir ? resolve(c.io.cwd, o.dataDir) : f.data_dir ?? join(c.home, 'siem', name),
        host: o.host ?? f.host, apiPort: opt(o.apiPort, f.api_port, '--api-port'),
        syslogUdpPort: opt(o.syslogUdp, f.syslog_udp_port, '--syslog-udp'), syslogTcpPort: opt(o.syslogTcp, f.syslog_tcp_port, '--syslog-tcp'),
        mqtt: mqttUrl ? { url: mqttUrl } : mqttPort !== undefined ? { port: mqttPort } : undefined,
        mqttTopics: o.mqttTopic ?? f.mqtt_topics, mqttDeviceLevel: f.mqtt_device_level,
        devices, anchorIntervalMs: anchor, workers, log: log(c),
      })
      const ep = await agent.start()
      c.print([
        `collector ${name} (${key.address}), ${agent.collector.log.size} events in its store, anchored up to ${agent.collector.lastAnchored?.size ?? 0}`,
        `  API      ${ep.api}`,
        ...(ep.syslog_udp !== undefined || ep.syslog_tcp !== undefined ? [`  syslog   ${[ep.syslog_udp !== undefined ? `udp ${ep.syslog_udp}` : '', ep.syslog_tcp !== undefined ? `tcp ${ep.syslog_tcp}` : ''].filter(Boolean).join(', ')}`] : []),
        ...(ep.mqtt ? [`  MQTT     ${ep.mqtt}`] : []),
      ], { event: 'listening', url: ep.api, collector: key.address, name, size: agent.collector.log.size, ...ep })
      const signal = await (c.io.waitForStop ? c.io.waitForStop() : new Promise<string>(() => undefined))
      await agent.stop()
      log(c)('collector stopped', { signal, size: agent.collector.log.size })
    })

  s.command('correlator').description('the correlator agent').command('start')
    .description("run a correlator until Ctrl-C: follows collectors' anchored logs (verified against the chain), runs the Sigma rules registered on chain and attests alerts")
    .option('--config <file>', 'correlator config (JSON; see src/agents/siem/config.ts); options below override it')
    .option('--from <key>', "the correlator's key (a registered correlator): key name or key file")
    .option('--collector <url>', "a collector's API URL (repeatable)", many)
    .option('--interval-ms <ms>', 'polling interval (default 200)')
    .option('--data-dir <dir>', 'keep the verified replicas here, to resume after a restart (default: in memory)')
    .option('--rules <dir>', "also run the team's own Sigma rules in this folder (walked recursively; e.g. SigmaHQ's rules/): a rule that does not compile is named and left out")
    .option('--placeholders <file>', "values of the expand modifier's %placeholders% (YAML: name: [values])")
    .action(async (o: { config?: string; from?: string; collector?: string[]; intervalMs?: string; dataDir?: string; rules?: string; placeholders?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const f = o.config ? loadCorrelatorConfig(resolve(c.io.cwd, o.config)) : {}
      const key = c.signer(o.from ?? f.key)
      const urls = o.collector ?? f.collectors ?? []
      if (!urls.length) throw new PolisError('invalid_request', 'give at least one --collector URL')
      const interval = o.intervalMs === undefined ? f.interval_ms : Number(o.intervalMs)
      const dataDir = o.dataDir ? resolve(c.io.cwd, o.dataDir) : f.data_dir
      const team = teamRules(c, o.rules ?? f.rules, o.placeholders ?? f.placeholders)
      if (team) {
        for (const r of team.refusals) log(c)('rule refused; not run', { file: r.file, reason: r.reason }, 'warn')
        log(c)('team rules loaded', { dir: o.rules ?? f.rules, loaded: team.loaded, refused: team.refusals.length, detection: team.rules.detection.length, correlation: team.rules.correlation.length })
      }
      const agent = new SiemCorrelatorAgent({ client: new PolisClient(f.node ?? c.nodeUrl()), key, collectors: urls.map((url) => ({ url })), intervalMs: interval, dataDir, rules: team?.rules, log: log(c) })
      await agent.start()
      c.print(`correlator ${key.name} (${key.address}) following ${urls.join(', ')}`, { event: 'started', correlator: key.address, collectors: urls })
      const signal = await (c.io.waitForStop ? c.io.waitForStop() : new Promise<string>(() => undefined))
      await agent.stop()
      log(c)('correlator stopped', { signal })
    })
}

/** The shipped rules plus a team's folder (`--rules`), with `--placeholders`; undefined without a folder. */
function teamRules(c: CliContext, dir: string | undefined, placeholders: string | undefined): TeamRules | undefined {
  if (placeholders !== undefined && dir === undefined) throw new PolisError('invalid_request', '--placeholders needs --rules')
  if (dir === undefined) return undefined
  return loadTeamRules(resolve(c.io.cwd, dir), { placeholders: placeholders === undefined ? undefined : loadPlaceholders(resolve(c.io.cwd, placeholders)) })
}

function triageCommands(s: Command, ctx: (cmd: Command) => CliContext): void {
  txOptions(s.command('register-collector')
    .description('register a collector key (an account with the device or operator role)')
    .argument('<key>', 'key name or address')
    .option('--name <name>', 'collector name (default: the key name)'), 'authority')
    .action(async (key: string, o: TxFlags & { name?: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [siemMsgs.registerCollector({ collector: c.address(key), name: o.name ?? key })])
    })
  txOptions(s.command('register-correlator')
    .description('register a correlator key (an account with the operator role)')
    .argument('<key>', 'key name or address'), 'authority')
    .action(async (key: string, o: TxFlags, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [siemMsgs.registerCorrelator({ correlator: c.address(key) })])
    })
  txOptions(s.command('register-rules')
    .description("register the shipped correlation rules (src/siem/rules) on chain, each at its file hash, or with --rules every rule of a team's folder (detection rules then alert on their own); a changed rule gets the next version, an unchanged one is skipped")
    .option('--rules <dir>', "a team's Sigma rules folder (walked recursively): register each rule that compiles; refused ones are named")
    .option('--placeholders <file>', "values of the expand modifier's %placeholders% (YAML), to check the rules as the correlators will run them")
    .option('--quarantine', 'a confirmed alert quarantines the device behind it'), 'authority')
    .action(async (o: TxFlags & { quarantine?: boolean; rules?: string; placeholders?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const team = teamRules(c, o.rules, o.placeholders)
      const rules = team?.rules ?? loadRules()
      const ids = team ? team.names : rules.correlation.map((r) => r.name || r.id)
      const client = c.client()
      const msgs = []
      for (const id of ids) {
        const hash = rules.hashes.get(id)!
        const on = await client.query<{ version: string; hash: string }>('siem', 'rule', { id }).catch(() => undefined)
        if (on?.hash === toHex(hash)) continue
        msgs.push(siemMsgs.registerRule({ id, version: on ? BigInt(on.version) + 1n : 1n, hash, action: o.quarantine ? 'quarantine' : 'none', text: rules.texts.get(id) }))
      }
      const refused = team?.refusals.map((r) => `refused ${r.file}: ${r.reason}`) ?? []
      const extra = { refused: team?.refusals ?? [] }
      if (!msgs.length) return c.print([...refused, team ? 'every rule of the folder is registered at its current hash' : 'every shipped correlation rule is registered at its current hash'], { registered: 0, ...extra })
      // a transaction holds at most MAX_MSGS_PER_TX messages
      for (let i = 0; i < msgs.length; i += MAX_MSGS_PER_TX) {
        const last = i + MAX_MSGS_PER_TX >= msgs.length
        await submit(c, o, msgs.slice(i, i + MAX_MSGS_PER_TX), { registered: Math.min(msgs.length - i, MAX_MSGS_PER_TX), ...(last ? extra : {}) }, last ? refused : [])
      }
    })
  txOptions(s.command('set-threshold')
    .description('k of the k-of-n alert confirmation')
    .argument('<k>', 'attestations needed'), 'authority')
    .action(async (k: string, o: TxFlags, cmd: Command) => {
      const c = ctx(cmd)
      if (!/^\d{1,3}$/.test(k)) throw new PolisError('invalid_request', 'k must be a number')
      await submit(c, o, [siemMsgs.setThreshold({ k: BigInt(k) })])
    })
  for (const [name, state] of [['ack', 'acknowledge'], ['close', 'close']] as const) {
    const command = s.command(name)
      .description(`${state} an alert, with the reason recorded on chain (SOC analysts: role soc, or the authority)`)
      .argument('<alert>', 'alert id: 64 hex, a unique prefix, or PREFIX…SUFFIX as listed')
      .requiredOption('--reason <text>', 'why (1..256 characters)')
    if (name === 'close') command.option('--false-positive', 'closed as a false positive: its indicators can no longer be shared with other cities')
    txOptions(command)
      .action(async (id: string, o: TxFlags & { reason: string; falsePositive?: boolean }, cmd: Command) => {
        const c = ctx(cmd)
        const p = { id: fromHex(await resolveAlertId(c.client(), id)), reason: o.reason }
        await submit(c, o, [name === 'ack' ? siemMsgs.ackAlert(p) : siemMsgs.closeAlert({ ...p, resolution: o.falsePositive ? ALERT_RESOLUTION.falsePositive : undefined })])
      })
  }
  s.command('alerts')
    .description('alerts on chain, newest first')
    .option('--status <s>', 'open, acknowledged or closed')
    .option('--rule <id>', 'only this rule')
    .option('--confirmed', 'only confirmed alerts')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (o: { status?: string; rule?: string; confirmed?: boolean; limit: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await c.client().query<{ alerts: AlertJson[] }>('siem', 'alerts', { status: o.status, rule: o.rule, confirmed: o.confirmed ? 'true' : undefined, limit: o.limit })
      c.print(() => (r.alerts.length ? r.alerts.map(alertLine) : ['no alerts']), r)
    })
  s.command('alert')
    .description('one alert: rule, subject, attestations, confirmation, quarantine, triage, evidence')
    .argument('<id>', 'alert id: 64 hex, a unique prefix, or PREFIX…SUFFIX as listed')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const client = c.client()
      const a = await client.query<AlertJson>('siem', 'alert', { id: await resolveAlertId(client, id) })
      c.print(() => [
        alertLine(a),
        ...(a.status_reason ? [`  ${a.status} at height ${a.status_at} by ${a.status_by}: ${a.status_reason}`] : []),
        ...a.evidence.map((e) => `  evidence ${e.collector.slice(0, 12)}… #${e.index} (size ${e.size}) leaf ${e.leaf_hash}`),
      ], a)
    })
  s.command('events')
    .description("search a collector's events (filters combine)")
    .requiredOption('--collector-url <url>', "the collector's API")
    .option('--device <key>', 'device key name or address (host.id or blocksiem.source_device)')
    .option('--ip <ip>', 'source.ip or destination.ip')
    .option('--category <c>', 'ECS event.category or Block SIEM category E0–E10')
    .option('--outcome <o>', 'success, failure or unknown')
    .option('--from <time>', 'from this @timestamp (ISO 8601 or ms)')
    .option('--to <time>', 'before this @timestamp')
    .option('--limit <n>', 'at most this many (newest)', '100')
    .action(async (o: { collectorUrl: string; device?: string; ip?: string; category?: string; outcome?: string; from?: string; to?: string; limit: string }, cmd: Command) => {
      const c = ctx(cmd)
      const q = new URLSearchParams()
      if (o.device) q.set('device', toHex(c.address(o.device)))
      for (const k of ['ip', 'category', 'outcome', 'from', 'to', 'limit'] as const) if (o[k] !== undefined) q.set(k, o[k]!)
      const r = await collectorGet<{ events: Array<{ index: number; event: SiemEvent }> }>(o.collectorUrl, `/v1/search?${q}`)
      c.print(() => (r.events.length ? r.events.map(({ index, event: e }) => `#${index} ${e['@timestamp']} ${e.blocksiem.category} ${e.event.outcome ?? '-'} ${e.source?.ip ?? '-'} -> ${e.destination?.ip ?? '-'}${e.destination?.port !== undefined ? ':' + e.destination.port : ''} ${e.message ?? e.event.action ?? ''}`.trimEnd()) : ['no events']), r)
    })
}

interface AlertJson {
  id: string; rule: string; version: string; subject: string | null; attestations: string; first_at: string; confirmed_at: string | null; quarantined: boolean
  status: string; status_reason: string | null; status_by: string | null; status_at: string | null
  evidence: Array<{ collector: string; size: string; index: string; leaf_hash: string }>
}

const alertLine = (a: AlertJson) =>
  `${a.id} ${a.rule} v${a.version} ${a.confirmed_at === null ? `attested ${a.attestations}x` : `CONFIRMED at ${a.confirmed_at}`}${a.quarantined ? ', device quarantined' : ''} [${a.status}]${a.subject ? ` subject ${a.subject}` : ''}`
