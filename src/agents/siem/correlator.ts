/**
 * A correlator agent's core: runs the Sigma rule set over a collector's verified event stream
 * and turns each correlation alert into a `siem/attest` message whose evidence is the alert's
 * events with inclusion proofs against the collector's last anchored checkpoint.
 */
import type { Msg } from '../../app/tx.js'
import { MAX_EVIDENCE, siemMsgs, type EvidenceItem } from '../../modules/siem/types.js'
import { fromHex } from '../../base/bytes.js'
import { Correlator, type Alert } from '../../siem/correlate.js'
import { evaluate } from '../../siem/sigma.js'
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
   * The attestation of `alert` (evidence from `collector`, proven against its last anchored
   * checkpoint; events logged after it cannot be attested yet and make this return undefined).
   */
  attestation(alert: Alert, collector: EvidenceLog, registered: RegisteredRule, subject?: Uint8Array): Msg | undefined {
    const anchored = collector.lastAnchored
    if (!anchored) return undefined
    const rule = this.rules.correlation.find((r) => r.id === alert.rule)
    const seen = new Set<number>()
    const evidence: EvidenceItem[] = []
    // the chain takes at most MAX_EVIDENCE items: the window's oldest ones, so that every
    // correlator attests the same set (the chain checks they were logged, not the rule's count)
    for (const h of alert.evidence.slice(0, MAX_EVIDENCE)) {
      const index = collector.indicesOf(h).find((i) => !seen.has(i))
      if (index === undefined || index >= anchored.size) return undefined
      seen.add(index)
      const ev = collector.evidence(index, anchored.size)
      evidence.push({ collector: collector.key.publicKey, index: BigInt(index), size: BigInt(anchored.size), leafHash: fromHex(ev.leafHash), proof: ev.proof.map(fromHex) })
    }
    return siemMsgs.attest({ rule: rule?.name || alert.rule, version: registered.version, ruleHash: registered.hash, subject, evidence })
  }
}
