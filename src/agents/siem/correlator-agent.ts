/**
 * The correlator agent on a running node. For each collector it follows the checkpoints anchored
 * on chain, fetches the new entries from the collector's HTTP API and keeps them only if they
 * rebuild exactly the anchored root (LogReplica): a collector that serves altered or missing
 * events is detected, not believed. It runs the shipped Sigma rules over the verified stream and
 * attests (`siem/attest`) the alerts of the correlation rules registered on chain with the same
 * hash, with inclusion proofs from its verified copy; the alert's subject is the registered device
 * the collector resolved for the evidence's source (blocksiem.source_device), when they all agree.
 */
import type { KeyPair } from '../../crypto/keys.js'
import { fromHex, toHex, bytesEqual, utf8 } from '../../base/bytes.js'
import { PolisError } from '../../base/errors.js'
import type { PolisClient } from '../../sdk/polis-client.js'
import { Correlator, type Alert } from '../../siem/correlate.js'
import { CorrelatorAgent as RuleRunner, type RegisteredRule } from './correlator.js'
import { LogReplica, ReplicaMismatchError } from '../../siem/replica.js'
import { evaluate } from '../../siem/sigma.js'
import { loadRules, type RuleSet } from '../../siem/rule-set.js'
import type { SiemEvent } from '../../siem/ecs.js'
import { alertId } from '../../modules/siem/keeper.js'
import { SIEM_EVENT } from '../../modules/siem/types.js'
import type { AgentLog } from './collector-agent.js'

export interface CorrelatorAgentOptions {
  client: PolisClient
  key: KeyPair
  collectors: Array<{ url: string; address?: string }>
  intervalMs?: number
  rules?: RuleSet
  log?: AgentLog
}

interface Followed {
  url: string
  address?: string // asked from the collector (GET /v1/status) until known, unless configured
  replica: LogReplica
  correlator: Correlator
  faulty?: string
}

const PAGE = 1000
const RULE_REFRESH_MS = 5000

export class SiemCorrelatorAgent {
  private readonly rules: RuleSet
  private readonly runner: RuleRunner
  private followed: Followed[] = []
  private registered = new Map<string, RegisteredRule>()
  private rulesAt = 0
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private readonly log: AgentLog
  /** Attestations this agent submitted and the chain accepted (alert ids, hex). */
  readonly attested = new Set<string>()

  constructor(private readonly o: CorrelatorAgentOptions) {
    this.rules = o.rules ?? loadRules()
    this.runner = new RuleRunner(this.rules)
    this.log = o.log ?? (() => {})
  }

  async start(): Promise<void> {
    const me = toHex(this.o.key.publicKey)
    const params = await this.o.client.query<{ k: string }>('siem', 'params')
    this.followed = this.o.collectors.map((c) => this.fresh(c.url, c.address))
    await this.refreshRules()
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
  }

  private fresh(url: string, address: string | undefined): Followed {
    return { url: url.replace(/\/+$/, ''), address, replica: new LogReplica(fromHex(address ?? '')), correlator: new Correlator(this.rules.correlation) }
  }

  /** The correlation rules registered on chain whose hash is that of our rule file. */
  private async refreshRules(): Promise<void> {
    const next = new Map<string, RegisteredRule>()
    for (const r of this.rules.correlation) {
      const name = r.name || r.id
      const local = this.rules.hashes.get(name)
      const on = await this.o.client.query<{ version: string; hash: string }>('siem', 'rule', { id: name }).catch((e) => {
        if (e instanceof PolisError && e.errorName === 'not_found') return undefined
        throw e
      })
      if (!on || !local) continue
      if (!bytesEqual(fromHex(on.hash), local)) {
        this.log('rule registered on chain with another hash; not run', { rule: name, version: on.version }, 'warn')
        continue
      }
      next.set(name, { version: BigInt(on.version), hash: local })
    }
    this.registered = next
    this.rulesAt = Date.now()
  }

  async tick(): Promise<void> {
    if (Date.now() - this.rulesAt > RULE_REFRESH_MS) await this.refreshRules()
    for (const f of this.followed) {
      // one unreachable or broken collector must not hold up the others
      await this.follow(f).catch((e) => this.log('collector not followed this round', { url: f.url, error: (e as Error).message }, 'warn'))
    }
  }

  private async follow(f: Followed): Promise<void> {
    if (!f.address) {
      const st = await this.fetchJson<{ collector: string }>(f.url, '/v1/status').catch((e) => this.log('collector unreachable', { url: f.url, error: (e as Error).message }, 'warn'))
      if (!st || !/^[0-9a-f]{64}$/.test(st.collector)) return
      Object.assign(f, this.fresh(f.url, st.collector))
    }
    const address = f.address!
    const reg = await this.o.client.query<{ size: string; root: string | null; forked_at: string | null }>('siem', 'collector', { address })
    if (reg.forked_at !== null) {
      if (!f.faulty) this.log('collector frozen for a history rewrite; not followed', { collector: address }, 'warn')
      f.faulty = 'frozen'
      return
    }
    const size = Number(reg.size)
    if (reg.root === null || size <= f.replica.size) return
    const entries: Uint8Array[] = []
    while (f.replica.size + entries.length < size) {
      const from = f.replica.size + entries.length
      const page = await this.fetchJson<{ entries: string[] }>(f.url, `/v1/entries?from=${from}&limit=${Math.min(PAGE, size - from)}`)
      if (!Array.isArray(page.entries) || page.entries.length === 0) throw new Error(`collector ${f.url} served no entries from ${from} (anchored size ${size})`)
      for (const e of page.entries) entries.push(utf8(String(e)))
    }
    let events: SiemEvent[]
    try {
      events = f.replica.extend(entries.slice(0, size - f.replica.size), { size, root: fromHex(reg.root) })
    } catch (e) {
      if (!(e instanceof ReplicaMismatchError)) throw e
      this.log('collector served entries that do not match its anchored checkpoint; rebuilding from 0', { collector: address, reason: e.message }, 'error')
      Object.assign(f, this.fresh(f.url, address), { faulty: e.message })
      return
    }
    f.faulty = undefined
    this.log('verified', { collector: address, size }, 'debug')
    const alerts: Alert[] = []
    for (const e of events) if (e.event.kind === 'event') alerts.push(...f.correlator.push(e, evaluate(this.rules.detection, e)))
    await this.attest(f, alerts)
  }

  private async attest(f: Followed, alerts: Alert[]): Promise<void> {
    const pending = []
    for (const a of alerts) {
      const name = this.rules.correlation.find((r) => r.id === a.rule)?.name || a.rule
      const registered = this.registered.get(name)
      if (!registered) {
        this.log('alert of a rule not registered on chain; not attested', { rule: name, group: a.group }, 'debug')
        continue
      }
      const devices = new Set(a.evidence.map((h) => f.replica.eventAt(f.replica.indicesOf(h)[0] ?? -1)?.blocksiem.source_device))
      const subject = devices.size === 1 ? [...devices][0] : undefined
      const msg = this.runner.attestation(a, f.replica, registered, subject ? fromHex(subject) : undefined)
      if (!msg) continue
      // after a restart the replica is rebuilt from 0 and old alerts fire again: skip what we attested
      const ev = msg.value.evidence as Array<{ collector: Uint8Array; leaf_hash: Uint8Array }>
      const id = toHex(alertId(name, registered.version, subject ? fromHex(subject) : undefined, ev.map((e) => ({ collector: e.collector, leafHash: e.leaf_hash }))))
      if (this.attested.has(id) || (await this.attestedOnChain(id))) {
        this.attested.add(id)
        continue
      }
      pending.push(this.o.client.signAndSubmit(this.o.key, [msg], { wait: false }).then((s) => this.o.client.waitForTx(s.hash)).then((r) => {
        const id = r.events.find((e) => e.type === SIEM_EVENT.alertAttested)?.attributes.find((x) => x.key === 'alert')?.value
        if (r.code === 0) {
          if (id) this.attested.add(id)
          this.log('attested', { rule: name, alert: id, subject: subject ?? null, group: a.group, height: r.height.toString() })
        } else this.log('attestation refused', { rule: name, code: r.code, reason: r.log }, r.log.includes('already attested') ? 'debug' : 'warn')
      }).catch((e) => this.log('attestation not submitted', { rule: name, error: (e as Error).message }, 'warn')))
    }
    await Promise.all(pending)
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
