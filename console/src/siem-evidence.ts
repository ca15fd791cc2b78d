/**
 * An alert's evidence verified in the browser: the alert record and its collectors' anchored
 * checkpoints are proven against a header checked against the pinned genesis (ICS-23), each
 * checkpoint's signature by its collector is checked, and each evidence event's leaf is checked to
 * be in the anchored RFC 9162 tree. The inclusion proofs come from the correlator's attestation in
 * the block that first attested the alert; where they come from does not matter, since a proof
 * either leads to the proven root or it does not.
 *
 * The keys and the decoding of the records are the siem keeper's own (getAlert, getCheckpoint run
 * over a one-key view of the proven value), so nothing here re-implements the chain's layout.
 *
 * An event's own content comes from its collector's API (`/v1/proof`, readable cross-origin; the
 * collectors the console may reach are listed in /v1/network, POLIS_SIEM_COLLECTORS): it is shown
 * only once its RFC 9162 leaf hash, SHA-256(0x00‖entry), equals the proven leaf — a collector that
 * serves other content fails that step.
 */
import { getAlert, getCheckpoint, type Alert, type StoredCheckpoint } from '../../src/modules/siem/keeper.ts'
import { SIEM_MSG } from '../../src/modules/siem/types.ts'
import { verifyCheckpointSig } from '../../src/siem/checkpoint.ts'
import { leafHash, verifyInclusion } from '../../src/siem/merkle-log.ts'
import { decodeTx } from '../../src/app/tx.ts'
import type { KVReader } from '../../src/app/kv.ts'
import { bytesEqual, fromHex, toHex, utf8 } from '../../src/base/bytes.ts'
import type { City } from './cities.ts'
import { anchorSteps, provenValue, type Anchor, type Verification } from './verify.ts'
import { Steps } from './steps.ts'

/** The full state key a keeper read asks for (the keeper's own layout). */
function keyRead(read: (kv: KVReader) => unknown): Uint8Array {
  let key: Uint8Array | undefined
  read({ get: (k) => void (key = k), iterate: () => [] })
  if (!key) throw new Error('the keeper read no key')
  return key
}
/** A view of state holding only the proven value (of whatever key is asked). */
const provenView = (value: Uint8Array | undefined): KVReader => ({ get: () => value, iterate: () => [] })

const short = (hex: string) => `${hex.slice(0, 8)}…${hex.slice(-4)}`

/** An event's content, shown once it hashed to its proven leaf. */
export interface EventContent { index: bigint; collector: string; entry: string }

interface EvidenceProof { collector: Uint8Array; leafHash: Uint8Array; index: bigint; size: bigint; proof: Uint8Array[] }

/** The evidence items (with their inclusion proofs) of the siem/attest messages in block `height`. */
async function attestedEvidence(city: City, height: bigint): Promise<EvidenceProof[]> {
  const b = await city.client.block(height)
  const out: EvidenceProof[] = []
  for (const hex of b.txs) {
    const tx = decodeTx(fromHex(hex))
    for (const m of tx.body.msgs) {
      if (m.type !== SIEM_MSG.attest || !Array.isArray(m.value.evidence)) continue
      for (const e of m.value.evidence as Array<Record<string, unknown>>) {
        if (!(e.collector instanceof Uint8Array) || !(e.leaf_hash instanceof Uint8Array) || !Array.isArray(e.proof)) continue
        out.push({ collector: e.collector, leafHash: e.leaf_hash, index: BigInt(e.index as number | bigint), size: BigInt(e.size as number | bigint), proof: e.proof.filter((p): p is Uint8Array => p instanceof Uint8Array) })
      }
    }
  }
  return out
}

/** The collector APIs this console may read (from the city that served it), by collector key (hex). */
async function collectorApis(): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  let urls: string[] = []
  try {
    const r = await fetch(`${location.origin}/v1/network`, { headers: { accept: 'application/json' } })
    urls = r.ok ? ((await r.json()) as { collectors?: string[] }).collectors ?? [] : []
  } catch {
    urls = []
  }
  await Promise.all(urls.map(async (url) => {
    try {
      const st = (await (await fetch(`${url}/v1/status`, { headers: { accept: 'application/json' } })).json()) as { collector?: string }
      if (typeof st.collector === 'string') out.set(st.collector.toLowerCase(), url)
    } catch {
      // unreachable: its events' content is not shown
    }
  }))
  return out
}

/** The event content a collector serves for entry `index` (the canonical JSON its log hashed). */
async function collectorEntry(url: string, index: bigint, size: bigint): Promise<string> {
  const r = await fetch(`${url}/v1/proof?index=${index}&size=${size}`, { headers: { accept: 'application/json' } })
  const j = (await r.json()) as { entry?: unknown; message?: string }
  if (!r.ok || typeof j.entry !== 'string') throw new Error(`the collector at ${url} answered ${r.status}${j.message ? `: ${j.message}` : ''}`)
  return j.entry
}

export interface ShownAlert { id: string; attestations: string; confirmed_at: string | null; quarantined: boolean }

/** Verifies alert `shown.id` of `city`: what the Security page showed of it, and every evidence event's inclusion. */
export async function verifyAlertEvidence(city: City, shown: ShownAlert): Promise<Verification & { contents: EventContent[]; note?: string }> {
  const s = new Steps()
  const id = fromHex(shown.id)
  const { height, anchor } = await anchorSteps(city, s)
  const a = anchor as Anchor
  let alert: Alert | undefined
  await s.run('Alert record: ICS-23 proof against the app hash', async () => {
    const v = await provenValue(a, keyRead((kv) => getAlert(kv, id)))
    if (!v.exists) throw new Error(`the state proves there is no alert ${short(shown.id)}`)
    alert = getAlert(provenView(v.value), id)!
    return `alert ${short(shown.id)}: rule ${alert.rule} v${alert.version}, ${alert.attestations} attestation(s), first attested at block ${alert.firstAt}, ${alert.evidence.length} evidence event(s)`
  })
  await s.run('Alert shown = proven', () => {
    const proven = { attestations: alert!.attestations.toString(), confirmed_at: alert!.confirmedAt?.toString() ?? null, quarantined: alert!.quarantined }
    for (const k of ['attestations', 'confirmed_at', 'quarantined'] as const) {
      if (proven[k] !== shown[k]) throw new Error(`the page showed ${k} = ${String(shown[k])}, the proven value is ${String(proven[k])}`)
    }
    return proven.confirmed_at ? `confirmed at block ${proven.confirmed_at} with ${proven.attestations} attestations${proven.quarantined ? ', device quarantined' : ''} (as shown)` : `pending, ${proven.attestations} attestation(s) (as shown)`
  })
  let proofs: EvidenceProof[] = []
  await s.run('Inclusion proofs from the first attestation', async () => {
    proofs = await attestedEvidence(city, alert!.firstAt)
    if (!proofs.length) throw new Error(`block ${alert!.firstAt} holds no siem attestation`)
    return `${proofs.length} evidence item(s) with proofs in the siem/attest transactions of block ${alert!.firstAt} (a proof is checked, not trusted)`
  })
  const checkpoints = new Map<string, StoredCheckpoint>()
  const apis = s.failed ? new Map<string, string>() : await collectorApis()
  const contents: EventContent[] = []
  for (const e of [...(alert?.evidence ?? [])].sort((x, y) => (x.index < y.index ? -1 : x.index > y.index ? 1 : 0))) {
    const tag = `Event #${e.index} of collector ${short(toHex(e.collector))}`
    const cpKey = `${toHex(e.collector)}:${e.size}`
    await s.run(`${tag}: anchored checkpoint of size ${e.size}`, async () => {
      let cp = checkpoints.get(cpKey)
      if (!cp) {
        const v = await provenValue(a, keyRead((kv) => getCheckpoint(kv, e.collector, e.size)))
        if (!v.exists) throw new Error(`the state proves no checkpoint of size ${e.size} is anchored for this collector`)
        cp = getCheckpoint(provenView(v.value), e.collector, e.size)!
        if (!verifyCheckpointSig(a.trust.chainId, { collector: e.collector, size: Number(cp.size), root: cp.root, sig: cp.sig })) throw new Error('the anchored checkpoint is not signed by the collector')
        checkpoints.set(cpKey, cp)
      }
      return `root ${short(toHex(cp.root))} anchored at block ${cp.height} (ICS-23 proof against the app hash), signed by the collector`
    })
    await s.run(`${tag}: RFC 9162 inclusion in the anchored tree`, () => {
      const p = proofs.find((x) => bytesEqual(x.collector, e.collector) && bytesEqual(x.leafHash, e.leafHash) && x.index === e.index && x.size === e.size)
      if (!p) throw new Error('no attestation in that block carries a proof for this event')
      verifyInclusion(Number(e.index), Number(e.size), e.leafHash, p.proof, checkpoints.get(cpKey)!.root)
      return `leaf ${short(toHex(e.leafHash))} is entry ${e.index} of the tree of ${e.size} events (${p.proof.length} proof hashes lead to the anchored root)`
    })
    const api = apis.get(toHex(e.collector))
    if (api === undefined) continue
    await s.run(`${tag}: content from the collector = the proven leaf`, async () => {
      const entry = await collectorEntry(api, e.index, e.size)
      const mine = leafHash(utf8(entry))
      if (!bytesEqual(mine, e.leafHash)) throw new Error(`the collector at ${api} serves content whose leaf hash is ${short(toHex(mine))}, the proven leaf is ${short(toHex(e.leafHash))}: not this event`)
      contents.push({ index: e.index, collector: toHex(e.collector), entry })
      return `SHA-256(0x00‖content) = leaf ${short(toHex(e.leafHash))}: the ${entry.length} bytes the collector serves for it are this event (shown below)`
    })
  }
  const missing = [...new Set((alert?.evidence ?? []).map((e) => toHex(e.collector)).filter((c) => !apis.has(c)))]
  const note = missing.length && !s.failed ? `The content of events of collector${missing.length > 1 ? 's' : ''} ${missing.map(short).join(', ')} is not shown: no collector API of ${missing.length > 1 ? 'them' : 'it'} is listed for this console (POLIS_SIEM_COLLECTORS on the city) or it did not answer. Their inclusion is verified all the same.` : undefined
  return { steps: s.steps, ok: !s.failed, height, pin: anchor?.pin, contents, note }
}
