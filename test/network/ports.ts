/** Free loopback ports for a network's cities (they listen on base, base+1, …). */
import { createServer } from 'node:net'

const canBind = (port: number) => new Promise<boolean>((resolve) => {
  const s = createServer()
  s.once('error', () => resolve(false))
  s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
})

/** A port P with P … P+n-1 all free on 127.0.0.1 right now. */
export async function freeBasePort(n = 2): Promise<number> {
  for (;;) {
    const p = 20_000 + Math.floor(Math.random() * 40_000)
    let ok = true
    for (let i = 0; i < n && ok; i++) ok = await canBind(p + i)
    if (ok) return p
  }
}
