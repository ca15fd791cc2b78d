/** What every page gets: the network, the element to draw into, the route's parameters, a way to go elsewhere. */
import type { City, Network } from './cities.ts'
import { h, select } from './ui/dom.ts'
import { unlockedKeys, type UnlockedKey } from './keystore.ts'

export interface Ctx {
  net: Network
  root: HTMLElement
  params: string[]
  go(path: string): void
}

/** A page draws itself into ctx.root and returns what to do when it is left. */
export type Page = (ctx: Ctx) => void | (() => void)

export function citySelect(ctx: Ctx, value?: string, label = 'City'): { el: HTMLSelectElement; city: () => City } {
  const el = select(ctx.net.cities.map((c) => [c.name, c.name]), value ?? ctx.net.cities[0]?.name, { 'aria-label': label })
  return { el, city: () => ctx.net.city(el.value)! }
}

export function keySelect(): { el: HTMLSelectElement; key: () => UnlockedKey | undefined } {
  const keys = unlockedKeys()
  const el = select(keys.length ? keys.map((k) => [k.address, `${k.name} (${k.address.slice(0, 8)}…)`]) : [['', 'no unlocked key: unlock one on the Keys page']], undefined)
  return { el, key: () => keys.find((k) => k.address === el.value) }
}

export function needKeyNote(): HTMLElement | null {
  return unlockedKeys().length ? null : h('p', { class: 'msg info' }, 'Signing needs a key: ', h('a', { href: '#/keys' }, 'import or create one on the Keys page'), ' and unlock it.')
}

/** Runs a form action with a busy state and a clear outcome in `out`. */
export async function act(btn: HTMLButtonElement, out: HTMLElement, fn: () => Promise<Node | string>): Promise<void> {
  btn.disabled = true
  btn.setAttribute('aria-busy', 'true')
  out.replaceChildren(h('p', { class: 'msg info', role: 'status' }, 'Working…'))
  try {
    const r = await fn()
    out.replaceChildren(typeof r === 'string' ? h('p', { class: 'msg ok', role: 'status' }, r) : r)
  } catch (e) {
    out.replaceChildren(h('p', { class: 'msg error', role: 'alert' }, describe(e)))
  } finally {
    btn.disabled = false
    btn.removeAttribute('aria-busy')
  }
}

export function describe(e: unknown): string {
  const err = e as { name?: string; message?: string; errorName?: string }
  if (err?.name === 'NodeUnreachableError') return `The city is unreachable: ${err.message}`
  if (err?.errorName) return `Refused (${err.errorName}): ${err.message}`
  return err?.message ?? String(e)
}

/** A form whose submit button runs `run` through `act`, with its outcome shown below the button. */
export function actionForm(attrs: Record<string, string>, button: string, children: Array<Node | null>, run: (out: HTMLElement) => Promise<Node | string>): HTMLFormElement {
  const out = h('div', { 'aria-live': 'polite' })
  const btn = h('button', { type: 'submit' }, button)
  return h('form', { ...attrs, onsubmit: (e: Event) => {
    e.preventDefault()
    void act(btn, out, () => run(out))
  } }, ...children, btn, out)
}
