/** Packets in flight in the property tests, and the relay steps that move them: receive, time out, acknowledge. */
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { decodeAck, type Packet } from '../../src/modules/bridge/index.js'
import { ackMsg, ackOf, emptyBlock, exec, ok, recvMsg, timeoutMsg, type Chain } from './harness.js'

export interface InFlight { p: Packet; src: Chain; dest: Chain; state: 'sent' | 'errack' | 'okack'; ack?: Uint8Array }
export interface Seen { okack: number; errack: number; timeout: number; expired: number }

/** Delivers x on its destination; an expired packet is refused there and stays in flight. */
export async function tryRecv(x: InFlight, seen: Seen): Promise<void> {
  const r = await exec(x.dest, x.dest.relayer, [await recvMsg(x.dest, x.src, x.p)])
  if (r.code === ErrorCodes.expired) return void seen.expired++
  assert.equal(r.code, 0, r.log)
  x.ack = ackOf(r)
  x.state = 'ok' in decodeAck(x.ack) ? 'okack' : 'errack'
  seen[x.state]++
}

/** Times x out on its source if the destination is past its timeout (else nothing happens). */
export async function tryTimeout<T extends InFlight>(x: T, ps: T[], seen: Seen): Promise<void> {
  const r = await exec(x.src, x.src.relayer, [await timeoutMsg(x.src, x.dest, x.p)])
  if (r.code === ErrorCodes.invalid_message) return // not expired yet
  assert.equal(r.code, 0, r.log)
  seen.timeout++
  ps.splice(ps.indexOf(x), 1)
}

export async function doAck<T extends InFlight>(x: T, ps: T[]): Promise<void> {
  await ok(x.src, x.src.relayer, [await ackMsg(x.src, x.dest, x.p, x.ack!)])
  ps.splice(ps.indexOf(x), 1)
}

/**
 * Relays everything left: delivers what was not yet delivered, acknowledges what was, times out
 * (after a few blocks on the destination) what expired on the way; `check` runs after each settlement.
 */
export async function drain<T extends InFlight>(ps: T[], seen: Seen, check: () => void): Promise<void> {
  for (const x of [...ps]) if (x.state === 'sent') await tryRecv(x, seen)
  for (const x of [...ps]) {
    if (x.state === 'sent') {
      for (let i = 0; i < 3; i++) await emptyBlock(x.dest)
      await tryTimeout(x, ps, seen)
    } else await doAck(x, ps)
    check()
  }
  assert.equal(ps.length, 0)
}
