/** Parsers of command-line option values, and the command groups (tx, query, simulate) several files add to. */
import type { Command } from 'commander'
import { PolisError } from '../base/errors.js'

/** An integer option in [min, max], refused with a clear message otherwise. */
export const intArg = (what: string, min: number, max: number) => (v: string): number => {
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN
  if (!Number.isInteger(n) || n < min || n > max) throw new PolisError('invalid_request', `${what} must be an integer from ${min} to ${max} (got "${v}")`)
  return n
}

const GROUP_DESCRIPTIONS = {
  tx: 'sign and submit transactions',
  query: 'read state from the node',
  simulate: 'off-chain simulators that write data sets',
} as const

/** The `tx`, `query` or `simulate` group: the one already registered, else a new one. */
export function commandGroup(program: Command, name: keyof typeof GROUP_DESCRIPTIONS): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(GROUP_DESCRIPTIONS[name])
}
