/**
 * The correlator agent on a running node. For each collector it follows the checkpoints anchored
 * on chain, fetches the new entries from the collector's HTTP API and keeps them only if they
 * rebuild exactly the anchored root (LogReplica): a collector that serves altered or missing
 * events is detected, not believed. It runs the shipped Sigma rules over the verified streams of
 * all its collectors together (a correlation may span collectors: its evidence then names each
 * event's collector) and attests (`siem/attest`) the alerts of the correlation rules registered
 * on chain with the same hash, with inclusion proofs from its verified copies; the alert's subject
 * is the registered device the collectors resolved for the evidence's source
 * (blocksiem.source_device), when they all agree.
 *
 * With a data directory the verified copies persist (ReplicaStore): after a restart it resumes
 * where it stopped, and replays the stored events of the last correlation window so that windows
 * open across the restart still fire (alerts it attested already are skipped).
 *
 * Forks: each round it asks every collector for a checkpoint of its whole log, signed
 * (GET /v1/checkpoint), and keeps it until the chain has anchored that size; a signed root that
 * differs from the anchored one proves a history rewrite, which it reports (`siem/report-fork`).
 */
import type { KeyPair } from '../../crypto/keys.js'
import { fromHex, toHex, bytesEqual, utf8 } from '../../base/bytes.js'
import { PolisError } from '../../base/errors.js'
import type { PolisClient } from '../../sdk/polis-client.js'
import { Correlator, type Alert } from '../../siem/sigma/correlation.js'
import { CorrelatorAgent as RuleRunner, type RegisteredRule } from './correlator.js'
import { LogReplica, ReplicaMismatchError } from '../../siem/replica.js'
import { ReplicaStore } from '../../siem/replica-store.js'
import { verifyCheckpointSig } from '../../siem/checkpoint.js'
import { evaluate } from '../../siem/sigma/detection.js'
import { loadRules, ruleKey, type RuleSet } from '../../siem/rule-set.js'
import type { SigmaRule } from '../../siem/sigma/detection.js'
import type { SiemEvent } from '../../siem/ecs.js'
import { alertId } from '../../modules/siem/keeper.js'
import { SIEM_EVENT, siemMsgs } from '../../modules/siem/types.js'
import type { AgentLog } from './collector-agent.js'

export interface CorrelatorAgentOptions {
  client: PolisClient
  key: KeyPair
  collectors: Array<{ url: string; address?: string }>
  intervalMs?: number
  rules?: RuleSet
  /** keeps the verified replicas here (LevelDB); absent: in memory, re-read from 0 after a restart */
  dataDir?: string
  log?: AgentLog
}

interface SignedHead { size: number; root: Uint8Array; sig: Uint8Array }

interface Followed {
  url: string
  address?: string // asked from the collector (GET /v1/status) until known, unless configured
  replica: LogReplica
  loaded: boolean // the stored replica was read
  faulty?: string
  /** signed checkpoints the collector served, by size, until the chain has anchored that size */
  heads: Map<number, SignedHead>
  /** the collector's last anchored size on chain, as last read */
  chainSize: number
}

const PAGE = 1000
const RULE_REFRESH_MS = 5000
/** Signed checkpoints kept per collector while waiting for the chain to anchor their size. */
const MAX_HEADS = 64

export class SiemCorrelatorAgent {
  private readonly rules: RuleSet
  private readonly runner: RuleRunner
  private readonly correlator: Correlator
  private followed: Followed[] = []
  private registered = new Map<string, RegisteredRule>()
  /** the on-chain name of each detection rule (its name, else id) */
  private readonly detectionKeys = new Map<SigmaRule, string>()
  /** detection rules that alert on their own: registered on chain and listed by no correlation */
  private standalone = new Set<SigmaRule>()
  private rulesAt = 0
  private readonly mismatched = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private store: ReplicaStore | undefined
  private chainId = ''
  private readonly log: AgentLog
  /** Attestations this agent submitted and the chain accepted (alert ids, hex). */
  readonly attested = new Set<string>()
  /** Fork reports the chain accepted (collector hex). */
  readonly forksReported = new Set<string>()

  constructor(private readonly o: CorrelatorAgentOptions) {
    this.rules = o.rules ?? loadRules()
    this.runner = new RuleRunner(this.rules)
    this.correlator = new Correlator(this.rules.correlation)
    this.log = o.log ?? (() => {})
    const keyOf = new Map(this.rules.docs.map((d) => [d.doc, ruleKey(d.doc, d.file)]))
    for (const r of this.rules.detection) this.detectionKeys.set(r, keyOf.get(r.doc) ?? (r.name ?? r.id))
  }

  async start(): Promise<void> {
    const me = toHex(this.o.key.publicKey)
    this.chainId = await this.o.client.chainId()
    const params = await this.o.client.query<{ k: string }>('siem', 'params')
    if (this.o.dataDir) this.store = await ReplicaStore.open(this.o.dataDir)
    this.followed = this.o.collectors.map((c) => this.fresh(c.url, c.address))
    await this.refreshRules()
    await this.resume()
    this.log('correlator following', { correlator: me, k: params.k, collectors: this.followed.map((f) => f.url), rules: [...this.registered.keys()] })
    const loop = () => {
      if (this.stopped) return
      this.running = this.tick().catch((e) => this.log('tick failed', { error: (e as Error).message }, 'warn')).finally(() => {
        this.running = undefined
        if (!this.stopped) this.timer = setTimeout(loop, this.o.intervalMs ?? 200)
      })
    }
    loop()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
    await this.store?.close()
    this.store = undefined
  }

  /** The verified size of each followed collector (by URL). */
  status(): Array<{ url: string; collector: string | null; verified: number; faulty: string | null }> {
    return this.followed.map((f) => ({ url: f.url, collector: f.address ?? null, verified: f.replica.size, faulty: f.faulty ?? null }))
  }

  private fresh(url: string, address: string | undefined): Followed {
    return { url: url.replace(/\/+$/, ''), address, replica: new LogReplica(fromHex(address ?? '')), loaded: false, heads: new Map(), chainSize: 0 }
  }

  /** Loads the stored replicas of the collectors whose keys are known, and replays their last window. */
  private async resume(): Promise<void> {
    const replay: Array<{ f: Followed; events: SiemEvent[]; first: number }> = []
    for (const f of this.followed) {
      const r = await this.load(f)
      if (r) replay.push(r)
    }
    if (replay.length) await this.evaluate(replay)
  }

  /** The stored replica of `f` (its key known), checked against its stored root; the events of its last correlation window. */
  private async load(f: Followed): Promise<{ f: Followed; events: SiemEvent[]; first: number } | undefined> {
    if (f.loaded || !f.address || !this.store) return undefined
    f.loaded = true
    const collector = fromHex(f.address)
    const stored = await this.store.load(collector)
    if (!stored || stored.anchored.size === 0) return undefined
    try {
      f.replica.extend(stored.entries, stored.anchored)
    } catch (e) {
      if (!(e instanceof ReplicaMismatchError)) throw e
      this.log('stored replica does not match its checkpoint; following again from 0', { collector: f.address, reason: e.message }, 'error')
      await this.store.clear(collector)
      Object.assign(f, this.fresh(f.url, f.address), { loaded: true })
      return undefined
    }
    // windows still open at the restart: the events within the longest timespan of the last one
    const span = Math.max(0, ...this.rules.correlation.map((r) => r.timespanMs))
    const size = f.replica.size
    const lastT = Date.parse(f.replica.eventAt(size - 1)?.['@timestamp'] ?? '')
    let first = size
    while (first > 0 && !(Date.parse(f.replica.eventAt(first - 1)?.['@timestamp'] ?? '') < lastT - span)) first--
    const events: SiemEvent[] = []
    for (let i = first; i < size; i++) events.push(f.replica.eventAt(i)!)
    this.log('resumed from the stored replica', { collector: f.address, size, replay_from: first })
    return { f, events, first }
  }

  /**
   * The rules registered on chain whose hash is that of our rule file: correlation rules, and
   * detection rules (a detection rule that no correlation lists alerts on its own, as in Sigma).
   */
  private async refreshRules(): Promise<void> {
    const onChain = new Map<string, { version: string; hash: string }>()
    for (let after: string | undefined; ;) {
      const page = await this.o.client.query<{ rules: Array<{ id: string; version: string; hash: string }> }>('siem', 'rules', { after, limit: '1000' })
      for (const r of page.rules) onChain.set(r.id, r)
      if (page.rules.length < 1000) break
      after = page.rules[page.rules.length - 1]!.id
    }
    const next = new Map<string, RegisteredRule>()
    const consider = (name: string) => {
      const local = this.rules.hashes.get(name)
      const on = onChain.get(name)
      if (!on || !local) return
      if (!bytesEqual(fromHex(on.hash), local)) {
        if (!this.registered.has(name) && !this.mismatched.has(name)) this.log('rule registered on chain with another hash; not run', { rule: name, version: on.version }, 'warn')
        this.mismatched.add(name)
        return
      }
      this.mismatched.delete(name)
      next.set(name, { version: BigInt(on.version), hash: local })
    }
    for (const r of this.rules.correlation) consider(r.name || r.id)
    for (const k of this.detectionKeys.values()) consider(k)
    const listed = new Set(this.rules.correlation.flatMap((r) => r.rules))
    this.standalone = new Set([...this.detectionKeys].filter(([r, k]) => next.has(k) && !listed.has(k) && !listed.has(r.id)).map(([r]) => r))
    this.registered = next
    this.rulesAt = Date.now()
  }

  async tick(): Promise<void> {
    if (Date.now() - this.rulesAt > RULE_REFRESH_MS) await this.refreshRules()
    const batches: Array<{ f: Followed; events: SiemEvent[]; first: number }> = []
    for (const f of this.followed) {
      // one unreachable or broken collector must not hold up the others
      const b = await this.follow(f).catch((e) => this.log('collector not followed this round', { url: f.url, error: (e as Error).message }, 'warn'))
      if (b) batches.push(b)
      await this.checkHeads(f).catch((e) => this.log('fork check failed', { url: f.url, error: (e as Error).message }, 'warn'))
    }
    if (batches.length) await this.evaluate(batches)
  }

  private async follow(f: Followed): Promise<{ f: Followed; events: SiemEvent[]; first: number } | undefined> {
    let resumed: { f: Followed; events: SiemEvent[]; first: number } | undefined
    if (!f.address) {
      const st = await this.fetchJson<{ collector: string }>(f.url, '/v1/status').catch((e) => this.log('collector unreachable', { url: f.url, error: (e as Error).message }, 'warn'))
      if (!st || !/^[0-9a-f]{64}$/.test(st.collector)) return undefined
      Object.assign(f, this.fresh(f.url, st.collector))
      resumed = await this.load(f)
    }
    const address = f.address!
    const reg = await this.o.client.query<{ size: string; root: string | null; forked_at: string | null }>('siem', 'collector', { address })
    if (reg.forked_at !== null) {
      if (!f.faulty) this.log('collector frozen for a history rewrite; not followed', { collector: address }, 'warn')
      f.faulty = 'frozen'
      return resumed
    }
    const size = Number(reg.size)
    f.chainSize = size
    if (reg.root === null || size <= f.replica.size) return resumed
    const entries: Uint8Array[] = []
    const from = f.replica.size
    while (from + entries.length < size) {
      const at = from + entries.length
      const page = await this.fetchJson<{ entries: string[] }>(f.url, `/v1/entries?from=${at}&limit=${Math.min(PAGE, size - at)}`)
      if (!Array.isArray(page.entries) || page.entries.length === 0) throw new Error(`collector ${f.url} served no entries from ${at} (anchored size ${size})`)
      for (const e of page.entries) entries.push(utf8(String(e)))
    }
    const batch = entries.slice(0, size - from)
    const anchored = { size, root: fromHex(reg.root) }
    let events: SiemEvent[]
    try {
      events = f.replica.extend(batch, anchored)
    } catch (e) {
      if (!(e instanceof ReplicaMismatchError)) throw e
      this.log('collector served entries that do not match its anchored checkpoint; rebuilding from 0', { collector: address, reason: e.message }, 'error')
      await this.store?.clear(fromHex(address))
      Object.assign(f, this.fresh(f.url, address), { faulty: e.message, loaded: true, chainSize: size })
      return undefined
    }
    await this.store?.save(fromHex(address), from, batch, anchored)
    f.faulty = undefined
    this.log('verified', { collector: address, from, size }, 'debug')
    if (resumed) return { f, events: [...resumed.events, ...events], first: resumed.first }
    return { f, events, first: from }
  }

  /** Runs the rules over the new events of all collectors, in event-time order, and attests the alerts. */
  private async evaluate(batches: Array<{ f: Followed; events: SiemEvent[] }>): Promise<void> {
    const all: Array<{ e: SiemEvent; t: number; k: number; i: number }> = []
    batches.forEach((b, k) => b.events.forEach((e, i) => all.push({ e, t: Date.parse(e['@timestamp']), k, i })))
    all.sort((x, y) => x.t - y.t || x.k - y.k || x.i - y.i)
    const alerts: Alert[] = []
    for (const { e } of all) {
      if (e.event.kind !== 'event') continue
      const matched = evaluate(this.rules.detection, e)
      for (const r of matched) {
        if (this.standalone.has(r)) alerts.push({ rule: this.detectionKeys.get(r)!, title: r.title, group: {}, count: 1, first: e['@timestamp'], last: e['@timestamp'], evidence: [e.event.hash] })
      }
      alerts.push(...this.correlator.push(e, matched))
    }
    await this.attest(alerts)
  }

  private eventOf(hash: string): SiemEvent | undefined {
    for (const f of this.followed) {
      const i = f.replica.indicesOf(hash)[0]
      if (i !== undefined) return f.replica.eventAt(i)
    }
    return undefined
  }

  private async attest(alerts: Alert[]): Promise<void> {
    const pending = []
    const logs = this.followed.filter((f) => f.address && !f.faulty).map((f) => f.replica)
    for (const a of alerts) {
      const name = this.rules.correlation.find((r) => r.id === a.rule)?.name || a.rule
      const registered = this.registered.get(name)
      if (!registered) {
        this.log('alert of a rule not registered on chain; not attested', { rule: name, group: a.group }, 'debug')
        continue
      }
      const devices = new Set(a.evidence.map((h) => this.eventOf(h)?.blocksiem.source_device))
      const subject = devices.size === 1 ? [...devices][0] : undefined
      const msg = this.runner.attestation(a, logs, registered, subject ? fromHex(subject) : undefined)
      if (!msg) continue
      // after a restart the last window is replayed and its alerts fire again: skip what we attested
      const ev = msg.value.evidence as Array<{ collector: Uint8Array; leaf_hash: Uint8Array }>
      const id = toHex(alertId(name, registered.version, subject ? fromHex(subject) : undefined, ev.map((e) => ({ collector: e.collector, leafHash: e.leaf_hash }))))
      if (this.attested.has(id) || (await this.attestedOnChain(id))) {
        this.attested.add(id)
        continue
      }
      const collectors = [...new Set(ev.map((e) => toHex(e.collector)))]
      pending.push(this.o.client.signAndSubmit(this.o.key, [msg], { wait: false }).then((s) => this.o.client.waitForTx(s.hash)).then((r) => {
        const id = r.events.find((e) => e.type === SIEM_EVENT.alertAttested)?.attributes.find((x) => x.key === 'alert')?.value
        if (r.code === 0) {
          if (id) this.attested.add(id)
          this.log('attested', { rule: name, alert: id, subject: subject ?? null, group: a.group, collectors, height: r.height.toString() })
        } else this.log('attestation refused', { rule: name, code: r.code, reason: r.log }, r.log.includes('already attested') ? 'debug' : 'warn')
      }).catch((e) => this.log('attestation not submitted', { rule: name, error: (e as Error).message }, 'warn')))
    }
    await Promise.all(pending)
  }

  /**
   * Fetches the collector's signed checkpoint, keeps it until its size is anchored, then compares:
   * another root than the anchored one at that size is a provable fork, reported on chain.
   */
  private async checkHeads(f: Followed): Promise<void> {
    if (!f.address || f.faulty === 'frozen') return
    const address = f.address
    const h = await this.fetchJson<{ collector: string; size: number; root: string; sig: string }>(f.url, '/v1/checkpoint').catch(() => undefined)
    if (h && h.collector === address && Number.isSafeInteger(h.size) && h.size > 0 && /^[0-9a-f]{64}$/.test(h.root) && /^[0-9a-f]{128}$/.test(h.sig)) {
      const head = { size: h.size, root: fromHex(h.root), sig: fromHex(h.sig) }
      if (!verifyCheckpointSig(this.chainId, { collector: fromHex(address), ...head })) this.log('collector served a checkpoint with a bad signature; ignored', { collector: address, size: h.size }, 'warn')
      else if (!f.heads.has(h.size)) {
        f.heads.set(h.size, head)
        if (f.heads.size > MAX_HEADS) f.heads.delete(Math.min(...f.heads.keys()))
      }
    }
    for (const [size, head] of [...f.heads]) {
      if (size > f.chainSize) continue // the chain has not reached that size yet: keep it
      f.heads.delete(size)
      const cp = await this.o.client.query<{ root: string; sig: string }>('siem', 'checkpoint', { collector: address, size: String(size) }).catch((e) => {
        if (e instanceof PolisError && e.errorName === 'not_found') return undefined
        throw e
      })
      if (cp && bytesEqual(fromHex(cp.root), head.root)) continue
      if (!cp) {
        // no checkpoint of that size on chain: compare with our verified copy (consistent with the anchored one)
        if (size <= f.replica.size && !bytesEqual(f.replica.root(size), head.root)) this.log('collector signed a root that contradicts its anchored log at a size never anchored (not provable on chain)', { collector: address, size }, 'error')
        continue
      }
      await this.reportFork(address, size, head)
      return
    }
  }

  private async reportFork(address: string, size: number, head: SignedHead): Promise<void> {
    this.log('collector signed two histories: reporting the fork', { collector: address, size, reported_root: toHex(head.root) }, 'error')
    const r = await this.o.client.signAndSubmit(this.o.key, [siemMsgs.reportFork({ collector: fromHex(address), size: BigInt(size), root: head.root, sig: head.sig })], { allowFailure: true, timeoutMs: 30_000 })
    if (r.ok) {
      this.forksReported.add(address)
      this.log('fork reported; the collector is frozen', { collector: address, size, height: r.height.toString() }, 'warn')
    } else this.log('fork report refused', { collector: address, code: r.code, reason: r.log }, r.log.includes('already frozen') ? 'info' : 'warn')
  }

  private async attestedOnChain(id: string): Promise<boolean> {
    const a = await this.o.client.query<{ attesters: string[] }>('siem', 'alert', { id }).catch((e) => {
      if (e instanceof PolisError && e.errorName === 'not_found') return undefined
      throw e
    })
    return !!a?.attesters.includes(toHex(this.o.key.publicKey))
  }

  private async fetchJson<T>(base: string, path: string): Promise<T> {
    const res = await fetch(base.replace(/\/+$/, '') + path, { signal: AbortSignal.timeout(10_000) })
    if (!res.ok) throw new Error(`collector ${base}${path}: HTTP ${res.status}`)
    return (await res.json()) as T
  }
}
