/** Re-runs a page's loader when its city commits a block, at most once per `minMs`, never two at once. */
import type { Ctx } from './app.ts'
import type { City } from './cities.ts'

export function liveLoad(ctx: Ctx, city: City, load: () => Promise<void>, minMs = 1000): () => void {
  let last = -1n
  let busy = false
  let again = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let alive = true
  const run = async () => {
    if (!alive) return
    if (busy) return void (again = true)
    busy = true
    last = city.height
    try {
      await load()
    } finally {
      busy = false
      if (again && alive) {
        again = false
        timer = setTimeout(() => void run(), minMs)
      }
    }
  }
  void run()
  const off = ctx.net.onChange(() => {
    if (city.height !== last && !timer) timer = setTimeout(() => {
      timer = undefined
      void run()
    }, minMs)
  })
  return () => {
    alive = false
    off()
    clearTimeout(timer)
  }
}
