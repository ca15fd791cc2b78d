/**
 * An election on a real App (solo engine, explicit block times): the authority creates it, the
 * trustees and voters use the SDK's client computations (src/sdk/voting.ts) over the module's
 * queries, exactly as the CLI does over HTTP.
 */
import assert from 'node:assert/strict'
import type { KeyPair } from '../../src/crypto/keys.js'
import type { Msg } from '../../src/app/tx.js'
import type { TxResult } from '../../src/app/types.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { votingModule } from '../../src/modules/voting/index.js'
import { votingMsgs, type QuestionSpec } from '../../src/modules/voting/types.js'
import { seededRandom } from '../../src/voting/random.js'
import {
  prepareBallot, prepareCheck, prepareDeal, preparePartialDecryption, prepareRegistration, type AggregateView, type DkgView, type ElectionView, type ManifestView,
  type TrusteeSecrets,
} from '../../src/sdk/voting.js'
import { serviceChain, T0, type ServiceChain } from '../services/helpers.js'

export const SECOND = 1000n
export const rng = (label: string) => seededRandom(utf8(label))

export interface VotingChain extends ServiceChain {
  trustees: KeyPair[]
  voters: KeyPair[]
  /** A citizen not on the voter list. */
  outsider: KeyPair
}

export async function votingChain(trustees = 3, voters = 5): Promise<VotingChain> {
  const staff = Object.fromEntries(Array.from({ length: trustees }, (_, i) => [`trustee-${i + 1}`, ['citizen']]))
  const c = (await serviceChain([votingModule()], staff, { citizens: voters + 1 })) as VotingChain
  c.trustees = Array.from({ length: trustees }, (_, i) => c.staff[`trustee-${i + 1}`]!)
  c.voters = c.city.citizens.slice(0, voters)
  c.outsider = c.city.citizens[voters]!
  return c
}

export const QUESTION: QuestionSpec = { title: 'Which project first?', options: ['park', 'library', 'tram', 'pool', 'bikes'], minSelections: 1, maxSelections: 1 }

export interface Timeline { registerBy: bigint; dealBy: bigint; checkBy: bigint; opensAt: bigint; closesAt: bigint; tallyBy: bigint }

/** Deadlines relative to `start`: a minute per key-generation phase, voting for an hour, a day to tally. */
export function timeline(start: bigint): Timeline {
  const MIN = 60n * SECOND
  return { registerBy: start + MIN, dealBy: start + 2n * MIN, checkBy: start + 3n * MIN, opensAt: start + 3n * MIN, closesAt: start + 63n * MIN, tallyBy: start + 24n * 60n * MIN }
}

export function createMsg(c: VotingChain, id: string, t: Timeline, opts: { questions?: QuestionSpec[]; threshold?: number; trustees?: number; voters?: KeyPair[]; voterRole?: string } = {}): Msg {
  return votingMsgs.create({
    election: id, title: `Election ${id}`, questions: opts.questions ?? [QUESTION], trustees: c.trustees.slice(0, opts.trustees ?? c.trustees.length).map((k) => k.publicKey), threshold: opts.threshold ?? 2,
    ...(opts.voterRole ? { voterRole: opts.voterRole } : { voters: (opts.voters ?? c.voters).map((k) => k.publicKey) }),
    ...t,
  })
}

export const ok = (r: TxResult) => assert.equal(r.code, 0, r.log)

export class Election {
  secrets = new Map<number, TrusteeSecrets>()
  constructor(readonly c: VotingChain, readonly id: string) {}
  manifest(): ManifestView { return this.c.q('voting/manifest', { election: this.id }) }
  view(): ElectionView { return this.c.q('voting/election', { election: this.id }) }
  dkg(): DkgView { return this.c.q('voting/dkg', { election: this.id }) }
  aggregate(): AggregateView { return this.c.q('voting/aggregate', { election: this.id }) }
  record(): unknown { return this.c.q('voting/record', { election: this.id }) }
  /** The module's state only: what a refused transaction must leave unchanged. */
  state(): string {
    return this.c.state().filter(([k]) => Buffer.from(k).toString('latin1').startsWith('voting/')).map(([k, v]) => toHex(k) + '=' + toHex(v)).join('\n')
  }

  register(i: number, time?: bigint): Promise<TxResult> {
    const p = prepareRegistration(this.manifest(), this.c.trustees[i - 1]!.publicKey, rng(`${this.id}/reg/${i}`))
    this.secrets.set(i, p.secrets)
    return this.c.run(this.c.trustees[i - 1]!, p.msg, time)
  }
  deal(i: number, time?: bigint): Promise<TxResult> {
    const p = prepareDeal(this.manifest(), this.dkg(), this.secrets.get(i)!, rng(`${this.id}/deal/${i}`))
    this.secrets.set(i, p.secrets)
    return this.c.run(this.c.trustees[i - 1]!, p.msg, time)
  }
  check(i: number, time?: bigint): Promise<TxResult> {
    const p = prepareCheck(this.manifest(), this.dkg(), this.secrets.get(i)!, rng(`${this.id}/check/${i}`))
    this.secrets.set(i, p.secrets)
    return this.c.run(this.c.trustees[i - 1]!, p.msg, time)
  }
  /** Every trustee registers, deals and checks; the key is then ready. */
  async keyGeneration(trustees = this.c.trustees.map((_, i) => i + 1)): Promise<void> {
    for (const i of trustees) ok(await this.register(i))
    for (const i of trustees) ok(await this.deal(i))
    for (const i of trustees) ok(await this.check(i))
  }
  ballot(voter: KeyPair, selections: number[][], label = 'x') {
    return prepareBallot(this.manifest(), this.view(), voter.publicKey, selections, rng(`${this.id}/ballot/${toHex(voter.publicKey)}/${label}`))
  }
  vote(voter: KeyPair, selections: number[][], time?: bigint, label?: string): Promise<TxResult> {
    return this.c.run(voter, this.ballot(voter, selections, label).msg, time)
  }
  partial(i: number) {
    return preparePartialDecryption(this.manifest(), this.view(), this.aggregate(), this.secrets.get(i)!, rng(`${this.id}/partial/${i}`))
  }
  decrypt(i: number, time?: bigint): Promise<TxResult> {
    return this.c.run(this.c.trustees[i - 1]!, this.partial(i), time)
  }
}

export { T0 }
