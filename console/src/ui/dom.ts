/** DOM building without innerHTML: every text goes in as a text node, so nothing a node sends is markup. */
type Child = Node | string | number | bigint | null | undefined | false
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v)
    else if (v === true) el.setAttribute(k, '')
    else el.setAttribute(k, String(v))
  }
  append(el, ...children)
  return el
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    el.append(c instanceof Node ? c : String(c))
  }
}

export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, ...children)
}

const SVG = 'http://www.w3.org/2000/svg'
export function s(tag: string, attrs: Record<string, string | number> = {}, ...children: Array<Node | string>): SVGElement {
  const el = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  for (const c of children) el.append(c)
  return el
}

/** A labelled form field; the id ties label and control together for screen readers. */
let ids = 0
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  const id = control.id || `f${++ids}`
  control.id = id
  const hintEl = hint ? h('small', { id: `${id}-hint`, class: 'muted' }, hint) : undefined
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id)
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl)
}

export function select(options: Array<[string, string]>, value?: string, attrs: Attrs = {}): HTMLSelectElement {
  const el = h('select', attrs)
  for (const [v, text] of options) el.append(h('option', { value: v, selected: v === value }, text))
  return el
}

export function table(head: string[], rows: Child[][], caption?: string): HTMLElement {
  return h('div', { class: 'table-wrap' },
    h('table', {},
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, ...head.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, ...(rows.length ? rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c)))) : [h('tr', {}, h('td', { colspan: head.length, class: 'muted' }, 'none'))]))))
}

export const short = (hex: string, n = 8) => (hex.length > 2 * n + 1 ? `${hex.slice(0, n)}…${hex.slice(-4)}` : hex)

export function message(kind: 'ok' | 'error' | 'info' | 'warn', text: string): HTMLElement {
  return h('p', { class: `msg ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text)
}

export function badge(kind: 'ok' | 'error' | 'warn' | 'info', text: string): HTMLElement {
  return h('span', { class: `badge ${kind}` }, text)
}

/** "12 s ago" style ages from unix ms. */
export function age(ms: number, now = Date.now()): string {
  const d = Math.max(0, Math.round((now - ms) / 1000))
  if (d < 60) return `${d} s ago`
  if (d < 3600) return `${Math.floor(d / 60)} min ago`
  return `${Math.floor(d / 3600)} h ago`
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (Math.abs(s) < 120) return `${s} s`
  if (Math.abs(s) < 7200) return `${Math.round(s / 60)} min`
  if (Math.abs(s) < 172800) return `${Math.round(s / 3600)} h`
  return `${Math.round(s / 86400)} days`
}

export function errorText(e: unknown): string {
  const err = e as { message?: string; errorName?: string }
  return err?.message ?? String(e)
}
