/**
 * The public election record (format "polis-voting-record/1"): everything a third party needs to
 * verify an election, as JSON. Protocol objects appear as the lowercase hex of their binary
 * encodings (docs/VOTING.md defines every byte); numbers are JSON integers, times and heights
 * decimal strings. Arrays keep the chain's order: registrations, deals and partial decryptions
 * by ascending trustee index, complaints and ballots in the order the chain accepted them.
 * Superseded ballots (a voter who voted again) stay in the record: the last one of each account
 * is the one counted.
 */
import { PolisError } from '../base/errors.js'
import { toHex } from '../base/bytes.js'
import type { Json } from './json-shape.js'
import { array, hex, integer, object, string, type JsonObject } from './json-shape.js'
import { manifestToJson, type Manifest } from './manifest.js'

export const RECORD_FORMAT = 'polis-voting-record/1'

export interface RecordBallot {
  /** The voter's account (32 bytes). */
  readonly account: Uint8Array
  /** ballot.ts encodeBallot bytes. */
  readonly ballot: Uint8Array
  readonly trackingCode: Uint8Array
}

/** The record with its byte fields decoded from hex but not yet interpreted. */
export interface ElectionRecord {
  readonly manifest: Json
  readonly electionHash: Uint8Array
  readonly registrations: readonly Uint8Array[]
  readonly deals: readonly Uint8Array[]
  readonly complaints: readonly Uint8Array[]
  readonly jointKey: Uint8Array | null
  readonly ballots: readonly RecordBallot[]
  /** Per question, per option, the aggregate ciphertext (64 bytes). */
  readonly aggregate: ReadonlyArray<readonly Uint8Array[]>
  readonly partialDecryptions: readonly Uint8Array[]
  /** null while the election is sealed (fewer than k partial decryptions). */
  readonly result: { readonly counts: ReadonlyArray<readonly number[]> } | null
}

export interface RecordInput extends Omit<ElectionRecord, 'manifest'> {
  readonly manifest: Manifest
}

/** One entry of the record's `ballots`. */
export function recordBallotJson(b: RecordBallot): { account: string; ballot: string; trackingCode: string } {
  return { account: toHex(b.account), ballot: toHex(b.ballot), trackingCode: toHex(b.trackingCode) }
}

export function recordToJson(r: RecordInput): Json {
  return {
    format: RECORD_FORMAT,
    manifest: manifestToJson(r.manifest),
    electionHash: toHex(r.electionHash),
    registrations: r.registrations.map(toHex),
    deals: r.deals.map(toHex),
    complaints: r.complaints.map(toHex),
    jointKey: r.jointKey === null ? null : toHex(r.jointKey),
    ballots: r.ballots.map(recordBallotJson),
    aggregate: r.aggregate.map((row) => row.map(toHex)),
    partialDecryptions: r.partialDecryptions.map(toHex),
    result: r.result === null ? null : { counts: r.result.counts.map((row) => [...row]) },
  }
}

const KEYS = ['format', 'manifest', 'electionHash', 'registrations', 'deals', 'complaints', 'jointKey', 'ballots', 'aggregate', 'partialDecryptions', 'result']

/** Strict reading of the JSON shape (PolisError 'invalid_message' naming the path). */
export function recordFromJson(v: unknown): ElectionRecord {
  const o: JsonObject = object(v, 'record', KEYS)
  if (string(o.format, 'record.format') !== RECORD_FORMAT) throw new PolisError('invalid_message', `record.format: expected "${RECORD_FORMAT}"`)
  const hexList = (x: Json | undefined, path: string) => array(x, path).map((h, i) => hex(h, `${path}[${i}]`))
  return {
    manifest: o.manifest ?? null,
    electionHash: hex(o.electionHash, 'record.electionHash', 32),
    registrations: hexList(o.registrations, 'record.registrations'),
    deals: hexList(o.deals, 'record.deals'),
    complaints: hexList(o.complaints, 'record.complaints'),
    jointKey: o.jointKey === null ? null : hex(o.jointKey, 'record.jointKey', 32),
    ballots: array(o.ballots, 'record.ballots').map((b, i) => {
      const p = `record.ballots[${i}]`
      const x = object(b, p, ['account', 'ballot', 'trackingCode'])
      return { account: hex(x.account, `${p}.account`, 32), ballot: hex(x.ballot, `${p}.ballot`), trackingCode: hex(x.trackingCode, `${p}.trackingCode`, 32) }
    }),
    aggregate: array(o.aggregate, 'record.aggregate').map((row, qi) => array(row, `record.aggregate[${qi}]`).map((c, oi) => hex(c, `record.aggregate[${qi}][${oi}]`, 64))),
    partialDecryptions: hexList(o.partialDecryptions, 'record.partialDecryptions'),
    result:
      o.result === null
        ? null
        : {
            counts: array(object(o.result, 'record.result', ['counts']).counts, 'record.result.counts').map((row, qi) =>
              array(row, `record.result.counts[${qi}]`).map((n, oi) => integer(n, `record.result.counts[${qi}][${oi}]`, 0, Number.MAX_SAFE_INTEGER)),
            ),
          },
  }
}
