/**
 * A correlator agent's core: runs the Sigma rule set over a collector's verified event stream
 * and turns each correlation alert into a `siem/attest` message whose evidence is the alert's
 * events with inclusion proofs against the collector's last anchored checkpoint.
 */
import type { Msg } from '../../app/tx.js'
import { MAX_EVIDENCE, siemMsgs, type EvidenceItem } from '../../modules/siem/types.js'
import { fromHex } from '../../base/bytes.js'
import { Correlator, type Alert } from '../../siem/sigma/correlation.js'
import { evaluate } from '../../siem/sigma/detection.js'
import type { RuleSet } from '../../siem/rule-set.js'
import type { EvidenceLog } from '../../siem/evidence.js'
import type { SiemEvent } from '../../siem/ecs.js'

export interface RegisteredRule { version: bigint; hash: Uint8Array }

export class CorrelatorAgent {
  private readonly correlator: Correlator
  constructor(readonly rules: RuleSet) {
    this.correlator = new Correlator(rules.correlation)
  }

  /** Feeds events in log order; returns the correlation alerts they complete. */
  process(events: Iterable<SiemEvent>): Alert[] {
    const out: Alert[] = []
    for (const e of events) if (e.event.kind === 'event') out.push(...this.correlator.push(e, evaluate(this.rules.detection, e)))
    return out
  }

  /**
   * The attestation of `alert`, its evidence found in `logs` (one collector's, or several: a
   * correlation across collectors) and proven against each log's last anchored checkpoint; an
   * event not yet covered by an anchored checkpoint makes this return undefined (try again later).
   */
  attestation(alert: Alert, logs: EvidenceLog | readonly EvidenceLog[], registered: RegisteredRule, subject?: Uint8Array): Msg | undefined {
    const all = Array.isArray(logs) ? (logs as readonly EvidenceLog[]) : [logs as EvidenceLog]
    const rule = this.rules.correlation.find((r) => r.id === alert.rule)
    const used = all.map(() => new Set<number>())
    const evidence: EvidenceItem[] = []
    // the chain takes at most MAX_EVIDENCE items: the window's oldest ones, so that every
    // correlator attests the same set (the chain checks they were logged, not the rule's count)
    for (const h of alert.evidence.slice(0, MAX_EVIDENCE)) {
      let found: EvidenceItem | undefined
      for (let k = 0; k < all.length && !found; k++) {
        const log = all[k]!
        const anchored = log.lastAnchored
        const index = log.indicesOf(h).find((i) => !used[k]!.has(i))
        if (index === undefined || !anchored || index >= anchored.size) continue
        used[k]!.add(index)
        const ev = log.evidence(index, anchored.size)
        found = { collector: log.key.publicKey, index: BigInt(index), size: BigInt(anchored.size), leafHash: fromHex(ev.leafHash), proof: ev.proof.map(fromHex) }
      }
      if (!found) return undefined
      evidence.push(found)
    }
    return siemMsgs.attest({ rule: rule?.name || alert.rule, version: registered.version, ruleHash: registered.hash, subject, evidence })
  }
}
