/**
 * ICS-02 client recovery: the authority replaces a frozen or expired client ("subject") by an active
 * client of the same counterparty chain ("substitute") that a relayer created and kept up to date.
 * The subject keeps its id and its counterparty client (so its channel, sequences, commitments and
 * escrow stay), and takes the substitute's trust (validator key or trust parameters) and latest
 * consensus state. Each recovery is recorded under
 *   bridge/recoveries/<subject>/<u64be this chain's height>  -> {substitute, reason, by, previous_status, previous_latest_height, height}
 */
import { encodeCanonical } from '../../../codec/cbor.js'
import { fail } from '../../../base/errors.js'
import { moduleStore, type TxContext } from '../../../app/module.js'
import { bytesEqual, concatBytes, toHex, utf8 } from '../../../base/bytes.js'
import { u64be } from '../../../codec/be.js'
import { BRIDGE_EVENT, BRIDGE_KEY, MODULE } from '../types.js'
import { clientStatus, getConsensusState, putClient, putConsensusState, requireClient, type ClientState } from './state.js'

const recoveryKey = (subject: string, h: bigint) => concatBytes(utf8(`${BRIDGE_KEY.recovery}${subject}/`), u64be(h))

function sameTrustShape(a: ClientState, b: ClientState): boolean {
  if (a.type === 'solo' && b.type === 'solo') return a.hash.name === b.hash.name && JSON.stringify(a.hash.params ?? null) === JSON.stringify(b.hash.params ?? null)
  return a.type === b.type
}

export function recoverClient(ctx: TxContext, subjectId: string, substituteId: string, reason: string): void {
  if (subjectId === substituteId) fail('invalid_message', 'a client cannot substitute itself')
  const subject = requireClient(ctx.kv, subjectId)
  const substitute = requireClient(ctx.kv, substituteId)
  const subjectStatus = clientStatus(ctx.kv, subject, ctx.time)
  if (subjectStatus === 'active') fail('invalid_message', `client ${subjectId} is active: only a frozen or expired client is recovered`)
  if (clientStatus(ctx.kv, substitute, ctx.time) !== 'active') fail('invalid_message', `substitute ${substituteId} is not active`)
  if (substitute.chainId !== subject.chainId) fail('invalid_message', `substitute ${substituteId} tracks chain "${substitute.chainId}", not "${subject.chainId}"`)
  if (!sameTrustShape(subject, substitute)) fail('invalid_message', `substitute ${substituteId} is not a client of the same type and header hash as ${subjectId}`)
  if (substitute.latestHeight <= subject.latestHeight) fail('invalid_message', `substitute's latest height ${substitute.latestHeight} is not above the subject's ${subject.latestHeight}`)
  const cs = getConsensusState(ctx.kv, substituteId, substitute.latestHeight)
  if (!cs) fail('invalid_state', `substitute ${substituteId} lacks its latest consensus state`)
  const existing = getConsensusState(ctx.kv, subjectId, substitute.latestHeight)
  if (existing && !bytesEqual(existing.headerHash, cs.headerHash)) fail('invalid_message', `substitute's header at ${substitute.latestHeight} conflicts with the subject's`)
  const { frozenHeight: _, ...trust } = substitute
  putClient(ctx.kv, { ...trust, clientId: subjectId, counterpartyClient: subject.counterpartyClient })
  putConsensusState(ctx.kv, subjectId, substitute.latestHeight, cs)
  moduleStore(ctx.kv, MODULE).set(recoveryKey(subjectId, ctx.height), encodeCanonical({
    substitute: substituteId, reason, by: ctx.sender, previous_status: subjectStatus, previous_latest_height: subject.latestHeight, height: ctx.height,
  }))
  ctx.emit(BRIDGE_EVENT.clientRecovered, {
    client_id: subjectId, substitute: substituteId, reason, by: toHex(ctx.sender), previous_status: subjectStatus, height: substitute.latestHeight.toString(),
  })
}
