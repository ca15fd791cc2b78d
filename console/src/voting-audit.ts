/**
 * Benaloh's cast-or-audit challenge, in the browser: the prepared ballot is opened with its
 * randomness and checked here with the project's own ballot code (src/voting): the manifest against
 * the election hash, the tracking code against the ballot bytes, every proof, and each ciphertext
 * against Enc(choice; r). An audited ballot has revealed its contents: it is never submitted.
 */
import { auditPreparedBallot, ballotContext, type ElectionView, type ManifestView, type PreparedBallot } from '../../src/sdk/voting.ts'
import { decodeBallot, trackingCode, verifyBallot } from '../../src/voting/ballot.ts'
import { toHex } from '../../src/base/bytes.ts'
import { Steps } from './steps.ts'
import { h } from './ui/dom.ts'

export interface AuditResult { ok: boolean; steps: Steps; revealed: number[][] | null }

export async function auditInBrowser(m: ManifestView, e: ElectionView, voter: Uint8Array, p: PreparedBallot, chosen: number[][]): Promise<AuditResult> {
  const steps = new Steps()
  let revealed: number[][] | null = null
  const ctx = () => ballotContext(m, e)
  await steps.run('Manifest = election hash', () => {
    ctx()
    return `the questions and options shown hash to the election hash ${m.election_hash.slice(0, 16)}…`
  })
  await steps.run('Tracking code', () => {
    const ec = ctx()
    const code = toHex(trackingCode(ec, voter, decodeBallot(ec, p.ballot)))
    if (code !== p.trackingCode) throw new Error(`the ballot bytes give ${code}, not the tracking code shown (${p.trackingCode})`)
    return `recomputed from the ballot bytes, the election hash and your account: ${code}`
  })
  await steps.run('Proofs', () => {
    const ec = ctx()
    const failed = verifyBallot(ec, voter, decodeBallot(ec, p.ballot))
    if (failed.length) throw new Error(failed.join('; '))
    const options = ec.manifest.questions.reduce((a, q) => a + q.options.length, 0)
    return `${options} proofs that each option is 0 or 1, and per question that the number of selections is allowed: all verify`
  })
  await steps.run('Encryption opened', () => {
    revealed = auditPreparedBallot(m, e, voter, p)
    return 'each ciphertext equals Enc(choice; r) under the joint key with the randomness revealed below'
  })
  await steps.run('Choices = your choices', () => {
    if (JSON.stringify(revealed) !== JSON.stringify(chosen)) throw new Error(`the ballot encrypts ${JSON.stringify(revealed)}, you chose ${JSON.stringify(chosen)}`)
    return `the ballot encrypts exactly what you chose: ${JSON.stringify(revealed)}`
  })
  return { ok: !steps.failed, steps, revealed }
}

/** The audit's outcome: the verdict, each step, and the opening (choices and randomness) for anyone to re-check. */
export function auditView(m: ManifestView, e: ElectionView, p: PreparedBallot, r: AuditResult): HTMLElement {
  const ec = (() => {
    try {
      return ballotContext(m, e)
    } catch {
      return undefined
    }
  })()
  return h('div', { class: 'verification', 'data-audit': r.ok ? 'passed' : 'failed' },
    h('p', { class: `verdict msg ${r.ok ? 'ok' : 'error'}`, role: r.ok ? 'status' : 'alert' },
      r.ok ? `Audit passed: this ballot (tracking code ${p.trackingCode.slice(0, 16)}…) encrypts your choices. It has been opened, so it was NOT cast and never will be: encrypt a new ballot to vote.`
        : 'Audit FAILED: this browser\'s ballot does not encrypt your choices. Do not vote from this device. The ballot was NOT cast.'),
    h('ol', { class: 'steps' }, ...r.steps.steps.map((s) => h('li', { class: s.verdict }, h('strong', {}, `${s.verdict === 'pass' ? '✔ pass' : s.verdict === 'fail' ? '✘ FAIL' : '– skipped'} · ${s.name}`), h('br', {}), h('span', {}, s.detail)))),
    h('details', {}, h('summary', {}, 'The opening (choices and randomness per option)'),
      h('ul', { class: 'opening' }, ...p.opening.selections.flatMap((row, qi) => row.map((c, oi) =>
        h('li', {}, `${ec?.manifest.questions[qi]?.title ?? `question ${qi + 1}`} · ${ec?.manifest.questions[qi]?.options[oi] ?? oi}: ${c} · r = `, h('code', {}, p.opening.randomness[qi]![oi]!.toString(16).padStart(64, '0'))))))),
    h('p', { class: 'muted' }, 'Ballot bytes (hex, ', String(p.ballot.length), ' bytes) start ', h('code', {}, toHex(p.ballot.subarray(0, 16))), '…; joint key ', h('code', {}, e.joint_key ? `${e.joint_key.slice(0, 16)}…` : '–')))
}
