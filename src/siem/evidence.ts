/** Proof that an event is in a collector's log: what a correlator attests with and checks. */

/** Inclusion of event `index` in the RFC 9162 tree of `size` entries of a collector's log. */
export interface InclusionEvidence {
  collector: string // hex
  index: number
  size: number
  leafHash: string // hex
  proof: string[] // hex
}

/** A log that can prove its events: a Collector, or a correlator's verified replica of one. */
export interface EvidenceLog {
  readonly key: { publicKey: Uint8Array }
  readonly lastAnchored: { size: number } | undefined
  indicesOf(hash: string): number[]
  evidence(index: number, size: number): InclusionEvidence
}
