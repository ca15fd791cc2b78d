/**
 * One socket write per block instead of one per message: while `fn` runs (publishing a block's
 * messages), the TCP sockets under `sockets` are corked, so the frames sent meanwhile queue in the
 * socket and leave in one writev when it returns. Frames, their order and their contents are
 * unchanged; a subscriber still gets one JSON message per frame.
 */
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'

// `ws` exposes no public handle on its socket; `_socket` is where it keeps it (ws 8).
const socketOf = (ws: WebSocket): Duplex | undefined => (ws as unknown as { _socket?: Duplex | null })._socket ?? undefined

export function withCorkedSockets(sockets: Iterable<WebSocket>, fn: () => void): void {
  const corked: Duplex[] = []
  for (const ws of sockets) {
    const s = socketOf(ws)
    if (s && !s.destroyed) {
      s.cork()
      corked.push(s)
    }
  }
  try {
    fn()
  } finally {
    for (const s of corked) s.uncork()
  }
}
