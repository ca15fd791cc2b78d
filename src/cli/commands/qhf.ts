/** `polis qhf eval`, `polis qhf hash`: the quantum-walk hash's statistics beside SHA-256, and one-off hashes. */
import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { formatQhfEvaluation, runQhfEvaluation, type QhfEvalHash } from '../../crypto/qhf/eval.js'
import { QHF_DEFAULT_PARAMS, qhf, validateQhfParams } from '../../crypto/qhf/index.js'
import { toHex, utf8 } from '../../base/bytes.js'
import type { CliContext } from '../context.js'
import { intArg } from '../args.js'


interface EvalOpts { trials: number; seed: number; bytes: number; hash: string; side?: number; bits?: number; out?: string }

export function qhfCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const q = program.command('qhf').description('the quantum-walk hash (QHF) selectable for header linking: evaluation and hashing (docs/QHF.md)')
  q.command('eval')
    .description("the QHF papers' statistics (sensitivity, diffusion and confusion, collisions, uniformity, mean byte difference) for QHF beside SHA-256, on the same messages")
    .option('--trials <n>', 'messages, each under the flip / insert / delete conditions (the papers use 10000)', intArg('--trials', 10, 1_000_000), 10_000)
    .option('--seed <n>', 'seed of the message generator', intArg('--seed', 0, 2 ** 31), 2018)
    .option('--bytes <n>', 'length of each message in bytes', intArg('--bytes', 1, 65536), 128)
    .option('--hash <list>', 'hashes to evaluate: qhf, sha256 or both', 'qhf,sha256')
    .option('--side <n>', 'QHF lattice side (odd)', intArg('--side', 3, 63))
    .option('--bits <n>', 'QHF output bits', intArg('--bits', 128, 1024))
    .option('--out <file>', 'also write every figure as JSON to this file')
    .action((o: EvalOpts, cmd: Command) => {
      const c = ctx(cmd)
      const hashes = o.hash.split(',').map((s) => s.trim())
      for (const h of hashes) if (h !== 'qhf' && h !== 'sha256') throw new PolisError('invalid_request', `unknown hash "${h}" (qhf, sha256)`)
      const params = validateQhfParams({ ...QHF_DEFAULT_PARAMS, ...(o.side ? { latticeSide: o.side } : {}), ...(o.bits ? { hashBits: o.bits } : {}) })
      const ev = runQhfEvaluation({ trials: o.trials, seed: o.seed, messageBytes: o.bytes, hash: hashes as QhfEvalHash[], params })
      if (o.out) writeFileSync(o.out, JSON.stringify(ev, null, 2) + '\n')
      c.io.out(c.json ? JSON.stringify(ev) + '\n' : formatQhfEvaluation(ev) + '\n')
    })
  q.command('hash <message>')
    .description('QHF (default parameters) of a UTF-8 message, or of hex bytes with --hex')
    .option('--hex', 'the message is hex')
    .action((message: string, o: { hex?: boolean }, cmd: Command) => {
      const c = ctx(cmd)
      if (o.hex && !/^(?:[0-9a-fA-F]{2})*$/.test(message)) throw new PolisError('invalid_request', 'not a hex string')
      const bytes = o.hex ? new Uint8Array(Buffer.from(message, 'hex')) : utf8(message)
      const h = toHex(qhf(bytes))
      c.io.out(c.json ? JSON.stringify({ qhf: h }) + '\n' : h + '\n')
    })
}
