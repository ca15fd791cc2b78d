/** A verification's outcome: the verdict first, then every step with its own verdict and detail. */
import type { Verification } from '../verify.ts'
import { h } from './dom.ts'

export function verdictView(v: Verification): HTMLElement {
  return h('div', { class: 'verification', 'data-verdict': v.ok ? 'verified' : 'failed' },
    h('p', { class: `verdict msg ${v.ok ? 'ok' : 'error'}`, role: v.ok ? 'status' : 'alert' }, v.ok ? `Verified at height ${v.height}: every check passed in this browser.` : `NOT verified at height ${v.height}: the node's answer failed a check. Do not trust it.`),
    h('ol', { class: 'steps' }, ...v.steps.map((s) => h('li', { class: s.verdict }, h('strong', {}, `${s.verdict === 'pass' ? '✔ pass' : s.verdict === 'fail' ? '✘ FAIL' : '– skipped'} · ${s.name}`), h('br', {}), h('span', {}, s.detail)))))
}
