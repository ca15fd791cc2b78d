/** Small HTTP helpers for the API tests (against a real node process). */
import assert from 'node:assert/strict'
import { WebSocket } from 'ws'

export interface Res { status: number; headers: Headers; body: any; text: string }

export async function http(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const init: RequestInit = { method, headers: { ...headers } }
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body)
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) (init.headers as Record<string, string>)['content-type'] = 'application/json'
  }
  const r = await fetch(base + path, init)
  const text = await r.text()
  let parsed: unknown = text
  if ((r.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text)
  return { status: r.status, headers: r.headers, body: parsed, text }
}

/** Asserts a problem+json refusal with the HTTP status and the ledger error name. */
export function assertProblem(r: Res, status: number, error: string, msg = ''): void {
  assert.equal(r.status, status, `${msg} expected HTTP ${status} ${error}, got ${r.status}: ${r.text}`)
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/, msg)
  assert.equal(r.body.error, error, `${msg} ${r.text}`)
  assert.equal(typeof r.body.code, 'number')
  assert.equal(r.body.status, status)
  assert.equal(typeof r.body.title, 'string')
  assert.equal(typeof r.body.detail, 'string')
  assert.match(r.body.type, /^urn:polis:problem:/)
}

export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Waits until a transaction is committed; returns its status. */
export function committed(base: string, hash: string): Promise<any> {
  return waitFor(async () => {
    const r = await http(base, 'GET', `/v1/txs/${hash}`)
    return r.body.status === 'committed' ? r.body : undefined
  }, 10_000, `tx ${hash}`)
}

/** A WebSocket subscription collecting messages. */
export async function subscribe(base: string, query = ''): Promise<{ ws: WebSocket; messages: any[]; next(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>; close(): void }> {
  const ws = new WebSocket(base.replace(/^http/, 'ws') + '/v1/events' + (query ? '?' + query : ''))
  const messages: any[] = []
  const waiters: Array<() => void> = []
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)))
    for (const w of waiters.splice(0)) w()
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
  })
  return {
    ws, messages,
    next: (pred, timeoutMs = 10_000) => new Promise((resolve, reject) => {
      let done = false
      const timer = setTimeout(() => {
        done = true
        reject(new Error(`no matching event; got ${JSON.stringify(messages).slice(0, 500)}`))
      }, timeoutMs)
      const check = () => {
        if (done) return
        const m = messages.find(pred)
        if (m === undefined) return void waiters.push(check)
        done = true
        clearTimeout(timer)
        resolve(m)
      }
      check()
    }),
    close: () => ws.close(),
  }
}
