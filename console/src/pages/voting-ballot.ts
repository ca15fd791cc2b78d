/**
 * The ballot of an open election: the form (each question's min/max selections enforced as the
 * voter clicks), the ballot encrypted in this browser with the project's ballot code (src/voting via
 * the SDK's prepareBallot), then cast-or-audit: "Cast" signs it in the browser with the voter's
 * unlocked key and submits it; "Audit" opens and checks it here and never submits it.
 */
import { prepareBallot, type ElectionView, type ManifestView, type PreparedBallot } from '../../../src/sdk/voting.ts'
import { systemRandom } from '../../../src/voting/random.ts'
import { fromHex } from '../../../src/base/bytes.ts'
import type { City } from '../cities.ts'
import type { UnlockedKey } from '../keystore.ts'
import { auditInBrowser, auditView } from '../voting-audit.ts'
import { h, message, replace } from '../ui/dom.ts'

interface VoterView { eligible: boolean; voted: boolean; tracking_code: string | null; height: string | null }

/** A refused ballot in words: what the chain's typed error means for the voter. */
export function refusalText(e: unknown): string {
  const err = e as { errorName?: string; message?: string; name?: string }
  if (err?.name === 'NodeUnreachableError') return `The city is unreachable, nothing was cast: ${err.message}`
  const why: Record<string, string> = {
    unauthorized: 'Not eligible: this key is not on the election\'s list of voters',
    expired: 'The voting window is closed',
    invalid_state: 'The election is not open for ballots',
    already_exists: 'This ballot was already cast (or another ballot of yours is in the same block)',
    proof_invalid: 'The ballot\'s proofs did not verify',
    invalid_message: 'The ballot is malformed',
    not_found: 'No such election',
  }
  const head = err?.errorName ? (why[err.errorName] ?? 'Refused') : 'Not cast'
  return `${head}${err?.errorName ? ` (${err.errorName})` : ''}: ${err?.message ?? String(e)}. Nothing was counted.`
}

function hint(min: number, max: number, n: number): string {
  if (min === max) return `Choose exactly ${min} of ${n}.`
  if (min === 0) return max === n ? 'Choose any number, or none.' : `Choose up to ${max}.`
  return `Choose ${min} to ${max}.`
}

export function ballotPanel(city: City, e: ElectionView, m: ManifestView, key: UnlockedKey | undefined, changed: () => void): HTMLElement {
  const questions = (e.questions as Array<{ title: string; options: string[]; min_selections: number; max_selections: number }>)
  const box = h('section', { 'aria-labelledby': 'h-ballot' })
  if (!key) {
    replace(box, h('h2', { id: 'h-ballot' }, 'Your ballot'), h('p', { class: 'msg info' }, 'Voting signs with your key: ', h('a', { href: '#/keys' }, 'import or create one on the Keys page'), ', unlock it, and choose it above as the voter.'))
    return box
  }
  const voter = fromHex(key.address)
  const status = h('div', { 'aria-live': 'polite' })
  const drawStatus = async () => {
    try {
      const v = await city.client.query<VoterView>('voting', 'voter', { election: e.election, account: key.address })
      if (!v.eligible) replace(status, message('warn', `${key.name} (${key.address.slice(0, 8)}…) is not on this election's list of voters: the city will refuse its ballot.`))
      else if (v.voted) replace(status, h('p', { class: 'msg info', role: 'status' }, `${key.name} has voted (tracking code `, h('code', { 'data-my-tracking-code': '' }, v.tracking_code ?? ''), ` in block ${v.height}). A new ballot in the window replaces it.`))
      else replace(status, message('info', `${key.name} is eligible and has not voted yet.`))
    } catch (err) {
      replace(status, message('error', refusalText(err)))
    }
  }

  // ---- the form: one fieldset per question
  const inputs: HTMLInputElement[][] = []
  const fieldsets = questions.map((q, qi) => {
    const single = q.min_selections === 1 && q.max_selections === 1
    const hintId = `q${qi}-hint`
    const row = q.options.map((label, oi) => h('input', { type: single ? 'radio' : 'checkbox', name: `q${qi}`, value: String(oi), 'data-option': label }))
    inputs.push(row)
    const enforce = () => {
      const n = row.filter((x) => x.checked).length
      if (!single) for (const x of row) x.disabled = !x.checked && n >= q.max_selections
      prepared = undefined
      replace(preparedBox)
    }
    for (const x of row) x.addEventListener('change', enforce)
    return h('fieldset', { class: 'question', 'aria-describedby': hintId },
      h('legend', {}, q.title),
      h('small', { id: hintId, class: 'muted' }, hint(q.min_selections, q.max_selections, q.options.length)),
      ...row.map((x, oi) => h('label', { class: 'option' }, x, ` ${q.options[oi]}`)))
  })
  const chosen = (): number[][] => inputs.map((row) => row.map((x) => (x.checked ? 1 : 0)))
  const out = h('div', { 'aria-live': 'polite' })
  const preparedBox = h('div', { 'data-prepared': '' })
  let prepared: { p: PreparedBallot; choice: number[][] } | undefined

  const encryptBtn = h('button', { type: 'submit' }, 'Encrypt my ballot')
  const form = h('form', { 'data-form': 'ballot', 'aria-labelledby': 'h-ballot', onsubmit: (ev: Event) => {
    ev.preventDefault()
    replace(out)
    replace(preparedBox)
    prepared = undefined
    const choice = chosen()
    for (const [qi, q] of questions.entries()) {
      const n = choice[qi]!.reduce((a, b) => a + b, 0)
      if (n < q.min_selections || n > q.max_selections) {
        replace(out, message('error', `"${q.title}": ${hint(q.min_selections, q.max_selections, q.options.length)} You chose ${n}.`))
        inputs[qi]![0]?.focus()
        return
      }
    }
    try {
      const t0 = performance.now()
      const p = prepareBallot(m, e, voter, choice, systemRandom)
      const ms = Math.round(performance.now() - t0)
      prepared = { p, choice }
      drawPrepared(ms)
    } catch (err) {
      replace(out, message('error', refusalText(err)))
    }
  } }, ...fieldsets, h('p', { class: 'muted' }, 'Your choices are encrypted in this browser under the election\'s joint key; only the sums are ever decrypted, by the trustees together.'), encryptBtn, out)

  const drawPrepared = (ms: number) => {
    if (!prepared) return
    const { p, choice } = prepared
    const castBtn = h('button', { type: 'button' }, 'Cast this ballot')
    const auditBtn = h('button', { type: 'button', class: 'secondary' }, 'Audit this ballot')
    const result = h('div', { 'aria-live': 'polite' })
    castBtn.addEventListener('click', () => void (async () => {
      castBtn.disabled = auditBtn.disabled = true
      replace(result, message('info', 'Signing in this browser and submitting…'))
      try {
        const r = await city.client.signAndSubmit(key, [p.msg])
        prepared = undefined
        replace(preparedBox, h('div', { 'data-cast': 'accepted' },
          h('p', { class: 'msg ok', role: 'status' }, `Your ballot was accepted in block ${r.height} of ${city.name}. Tracking code: `, h('code', { 'data-tracking-code': p.trackingCode }, p.trackingCode)),
          h('p', { class: 'muted' }, 'Keep the tracking code: look it up below (or in the election record) to see that your ballot is on the chain and counted.')))
        await drawStatus()
        changed()
      } catch (err) {
        castBtn.disabled = auditBtn.disabled = false
        replace(result, h('p', { class: 'msg error', role: 'alert', 'data-refused': (err as { errorName?: string }).errorName ?? 'error' }, refusalText(err)))
      }
    })())
    auditBtn.addEventListener('click', () => void (async () => {
      castBtn.disabled = auditBtn.disabled = true
      prepared = undefined // opened: it can never be cast
      const a = await auditInBrowser(m, e, voter, p, choice)
      replace(preparedBox, auditView(m, e, p, a))
    })())
    replace(preparedBox,
      h('p', { class: 'msg info', role: 'status' }, `Encrypted in this browser in ${ms} ms (${p.ballot.length} bytes, with its proofs). Tracking code `, h('code', { 'data-prepared-code': p.trackingCode }, p.trackingCode),
        '. Not cast yet: cast it, or audit it first (an audited ballot is opened, checked here and never cast).'),
      h('div', { class: 'row' }, castBtn, auditBtn), result)
  }

  replace(box, h('h2', { id: 'h-ballot' }, 'Your ballot'), status, form, preparedBox)
  void drawStatus()
  return box
}
