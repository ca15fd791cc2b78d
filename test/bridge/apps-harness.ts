/** Helpers for the bridge-app tests: cities with the vehicle and threat-intelligence modules, relaying a packet end to end, a probe that commits raw packets. */
import assert from 'node:assert/strict'
import { bytesField, stringField, uintField } from '../../src/app/fields.js'
import { defineMessage, type Module } from '../../src/app/module.js'
import { sha256 } from '../../src/crypto/hash.js'
import { utf8 } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { bridgeChannels, decodeAck, sendPacket, type Ack, type Packet } from '../../src/modules/bridge/index.js'
import { siemModule } from '../../src/modules/siem/index.js'
import { threatIntelModule, threatIntelView } from '../../src/modules/threatintel/index.js'
import { vehiclesModule } from '../../src/modules/vehicles/index.js'
import { ackMsg, ackOf, closeChain, connect, ok, openChain, recvMsg, sentPackets, type Chain, type Result } from './harness.js'

/** Commits any payload through the bridge's sendPacket keeper, as a compromised app on a hostile chain would. */
export const probeModule: Module = {
  name: 'probe',
  messages: {
    'send-raw': defineMessage({
      roles: 'any',
      parse: (v) => ({ client: stringField(v, 'client'), payload: bytesField(v, 'payload'), timeoutHeight: uintField(v, 'timeout_height') }),
      handle: (ctx, m) => void sendPacket(ctx, m.client, m.payload, m.timeoutHeight, 0n),
    }),
  },
  queries: {},
}

export const appModules = (): Module[] => [siemModule(), vehiclesModule(threatIntelView), threatIntelModule(bridgeChannels)]

export function openAppChain(chainId: string, client: string, extra: Module[] = []): Promise<Chain> {
  return openChain(chainId, client, undefined, [...appModules(), ...extra])
}

/** The same chain seen through another of its clients (for a chain with two counterparties). */
export const viaClient = (c: Chain, client: string): Chain => ({ ...c, client })

/**
 * A ↔ B, and H ↔ B where H is hostile (it runs the probe: any payload, valid proofs).
 * BH is B through its client of H ("to-h"); A and H both call their client of B "to-b".
 */
export async function openTrio(): Promise<{ A: Chain; B: Chain; H: Chain; BH: Chain; close(): Promise<void> }> {
  const A = await openAppChain('city-a', 'to-b')
  const B = await openAppChain('city-b', 'to-a')
  const H = await openAppChain('city-h', 'to-b', [probeModule])
  await connect(A, B)
  const BH = viaClient(B, 'to-h')
  await connect(H, BH)
  return { A, B, H, BH, close: async () => { for (const c of [A, B, H]) await closeChain(c) } }
}

export const vinCommitment = (vin: string) => sha256(utf8('salt:' + vin), utf8(vin))

/** Registers accounts (by the authority) with the given roles. */
export async function registerAccounts(c: Chain, accounts: Array<[KeyPair, string[]]>): Promise<void> {
  await ok(c, c.city.authority, accounts.map(([k, roles]) => ({ type: 'identity/register', value: { pub_key: k.publicKey, roles } })))
}

export interface Relayed { packet: Packet; recv: Result; ack: Ack; ackBytes: Uint8Array }

/** Carries the one packet `sent` holds to `dest` (proved), and returns what `dest` answered. */
export async function deliver(src: Chain, dest: Chain, sent: Result): Promise<Relayed> {
  const [packet] = sentPackets(sent)
  assert.ok(packet, 'the transaction sent no packet')
  const recv = await ok(dest, dest.relayer, [await recvMsg(dest, src, packet)])
  const ackBytes = ackOf(recv)
  return { packet, recv, ack: decodeAck(ackBytes), ackBytes }
}

/** deliver, then the acknowledgement back on `src`; returns the ack result too. */
export async function roundTrip(src: Chain, dest: Chain, sent: Result): Promise<Relayed & { acked: Result }> {
  const r = await deliver(src, dest, sent)
  const acked = await ok(src, src.relayer, [await ackMsg(src, dest, r.packet, r.ackBytes)])
  return { ...r, acked }
}
