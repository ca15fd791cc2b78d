/**
 * The siem module's names: its state keys, message types and event names, the limits its messages
 * keep, and typed builders of its messages for collectors, correlators and the SOC.
 *
 * Keys (under "siem/"):
 *   c|pubkey                 -> Collector (CBOR)
 *   k|pubkey|size (u64 BE)   -> StoredCheckpoint (CBOR)
 *   r|rule id                -> Rule (CBOR)
 *   o|pubkey                 -> 0x01 (registered correlator)
 *   p|k                      -> threshold k (CBOR uint)
 *   a|alert id               -> Alert (CBOR)
 *   t|alert id|correlator    -> 0x01 (that correlator attested)
 */
import type { Msg } from '../../app/tx.js'
import type { KVReader } from '../../app/kv.js'

export const MODULE = 'siem'

/** Key prefixes under "siem/" (the threshold is one key). */
export const SIEM_KEY = { collector: 'c|', checkpoint: 'k|', rule: 'r|', correlator: 'o|', threshold: 'p|k', alert: 'a|', attestation: 't|' } as const

export const SIEM_MSG = {
  registerCollector: 'siem/register-collector',
  anchor: 'siem/anchor',
  reportFork: 'siem/report-fork',
  registerRule: 'siem/register-rule',
  setThreshold: 'siem/set-threshold',
  registerCorrelator: 'siem/register-correlator',
  attest: 'siem/attest',
  ackAlert: 'siem/ack-alert',
  closeAlert: 'siem/close-alert',
} as const

export const SIEM_EVENT = {
  collectorRegistered: 'siem.collector_registered',
  checkpoint: 'siem.checkpoint',
  forkProven: 'siem.fork_proven',
  ruleRegistered: 'siem.rule_registered',
  threshold: 'siem.threshold',
  correlatorRegistered: 'siem.correlator_registered',
  alertStatus: 'siem.alert_status',
  alertAttested: 'siem.alert_attested',
  alertConfirmed: 'siem.alert_confirmed',
  quarantine: 'siem.quarantine',
} as const

/** How a SOC analyst closed an alert (siem/close-alert `resolution`; default resolved). A false positive's indicators are never shared. */
export const ALERT_RESOLUTION = { resolved: 'resolved', falsePositive: 'false_positive' } as const
export type AlertResolution = (typeof ALERT_RESOLUTION)[keyof typeof ALERT_RESOLUTION]

/**
 * The threat-intelligence blocklist as the siem module reads it (the composition gives the
 * threatintel module's view): a listed key is not registered as a collector and anchors nothing.
 */
export interface CollectorBlocklist {
  isDeviceListed(kv: KVReader, key: Uint8Array, height: bigint): boolean
}
export const NO_COLLECTOR_BLOCKLIST: CollectorBlocklist = { isDeviceListed: () => false }

/** Hashes in one consistency or inclusion proof, at most. */
export const MAX_PROOF_HASHES = 64
/** Evidence items of one attestation, at most. */
export const MAX_EVIDENCE = 32

/** One evidence event of an attestation: its leaf in a collector's log, proved included in an anchored tree of `size`. */
export interface EvidenceItem { collector: Uint8Array; index: bigint; size: bigint; leafHash: Uint8Array; proof: Uint8Array[] }

export const siemMsgs = {
  /** The authority registers a collector key (a device or operator account). */
  registerCollector(p: { collector: Uint8Array; name: string }): Msg {
    return { type: SIEM_MSG.registerCollector, value: { collector: p.collector, name: p.name } }
  },
  /** A collector anchors a signed checkpoint of its log, consistent with its last one (`proof`). */
  anchor(p: { size: bigint; root: Uint8Array; proof: Uint8Array[]; sig: Uint8Array }): Msg {
    return { type: SIEM_MSG.anchor, value: { size: p.size, root: p.root, proof: p.proof, sig: p.sig } }
  },
  /** Anyone reports a checkpoint the collector signed that contradicts the anchored one. */
  reportFork(p: { collector: Uint8Array; size: bigint; root: Uint8Array; sig: Uint8Array }): Msg {
    return { type: SIEM_MSG.reportFork, value: { collector: p.collector, size: p.size, root: p.root, sig: p.sig } }
  },
  registerRule(p: { id: string; version: bigint; hash: Uint8Array; action?: 'none' | 'quarantine'; text?: string }): Msg {
    const value: Msg['value'] = { id: p.id, version: p.version, hash: p.hash }
    if (p.action !== undefined) value.action = p.action
    if (p.text !== undefined) value.text = p.text
    return { type: SIEM_MSG.registerRule, value }
  },
  /** k: attestations that confirm an alert. */
  setThreshold(p: { k: bigint }): Msg {
    return { type: SIEM_MSG.setThreshold, value: { k: p.k } }
  },
  registerCorrelator(p: { correlator: Uint8Array }): Msg {
    return { type: SIEM_MSG.registerCorrelator, value: { correlator: p.correlator } }
  },
  /** A correlator attests an alert of a registered rule, with at most MAX_EVIDENCE evidence events. */
  attest(p: { rule: string; version: bigint; ruleHash: Uint8Array; subject?: Uint8Array; evidence: EvidenceItem[] }): Msg {
    const value: Msg['value'] = {
      rule: p.rule, version: p.version, rule_hash: p.ruleHash,
      evidence: p.evidence.map((e) => ({ collector: e.collector, index: e.index, size: e.size, leaf_hash: e.leafHash, proof: e.proof })),
    }
    if (p.subject) value.subject = p.subject
    return { type: SIEM_MSG.attest, value }
  },
  /** The SOC's triage of an alert: acknowledged, or closed. */
  ackAlert(p: { id: Uint8Array; reason: string }): Msg {
    return { type: SIEM_MSG.ackAlert, value: { id: p.id, reason: p.reason } }
  },
  closeAlert(p: { id: Uint8Array; reason: string; resolution?: AlertResolution }): Msg {
    const value: Msg['value'] = { id: p.id, reason: p.reason }
    if (p.resolution !== undefined) value.resolution = p.resolution
    return { type: SIEM_MSG.closeAlert, value }
  },
}
