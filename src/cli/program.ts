/**
 * The `polis` command line. `runCli(argv, io)` runs one command and returns the exit status, so
 * tests run it in process; `bin/polis` runs it for a shell.
 *
 * Exit status: 0 success; 1 any failure (refused or failed transaction, node unreachable, bad
 * input, proof that does not verify); usage errors print the command's usage.
 */
import { Command, CommanderError } from 'commander'
import { PolisError } from '../base/errors.js'
import { NodeUnreachableError } from '../sdk/errors.js'
import { CliContext, type CliIO, type GlobalOptions } from './context.js'
import { SilentFailure } from './commands/tx.js'
import { COMMAND_GROUPS, groupsFor, type CommandGroup } from './command-groups.js'

export const VERSION = '0.1.0'

/**
 * The program with the command groups that `argv` needs (all of them without `argv`, or for help):
 * a call loads only the code of its own commands, so `polis query balance` starts without the node,
 * the agents or the SIEM.
 */
export async function buildProgram(io: CliIO, argv?: string[]): Promise<Command> {
  const groups = await Promise.all(groupsFor(argv).map((name) => COMMAND_GROUPS[name]()))
  return defineProgram(io, groups)
}

function defineProgram(io: CliIO, groups: CommandGroup[]): Command {
  const program = new Command('polis')
  program
    .description('Polis: a permissioned blockchain for a smart city. Run a node, manage keys, send transactions, read and verify state.')
    .version(VERSION, '-V, --version')
    .option('--home <dir>', 'node home: polis.yaml, genesis.json, keys/ (default: $POLIS_HOME, else ./.polis)')
    .option('--city <name>', 'in a network home (npm start): the city to use (default: $POLIS_CITY, else the first city)')
    .option('--node <url>', "the node's API URL (default: $POLIS_NODE, else from the home's polis.yaml, else http://127.0.0.1:26680)")
    .option('--json', 'print JSON (one document on stdout) instead of text')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .addHelpText('after', `
A first transfer, with a node started by \`npm start\` (or \`polis start --init\`):
  polis tx bank send citizen-2 250 --from citizen-1
  polis query balance citizen-2
  polis query proof balance:citizen-2 --verify

Environment: POLIS_HOME, POLIS_NODE; for the node also POLIS_API_HOST, POLIS_API_PORT,
POLIS_LOG_LEVEL, POLIS_BLOCK_INTERVAL_MS, POLIS_DATA_DIR, POLIS_GENESIS_FILE, POLIS_VALIDATOR_KEY_FILE.`)
  const ctx = (cmd: Command) => new CliContext(io, cmd.optsWithGlobals<GlobalOptions>())
  for (const register of groups) register(program, ctx)
  return program
}

/** Every command of the tree, with its full name ("tx bank send"). */
export function allCommands(program: Command): Array<{ name: string; command: Command }> {
  const out: Array<{ name: string; command: Command }> = []
  const walk = (c: Command, prefix: string) => {
    for (const sub of c.commands) {
      if (sub.name() === 'help') continue
      const name = prefix ? `${prefix} ${sub.name()}` : sub.name()
      out.push({ name, command: sub })
      walk(sub, name)
    }
  }
  walk(program, '')
  return out
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const json = argv.includes('--json')
  const program = await buildProgram(io, argv)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode // commander has printed the message or the help
    if (e instanceof SilentFailure) return 1
    reportError(io, e, json)
    return 1
  }
}

function reportError(io: CliIO, e: unknown, json: boolean): void {
  if (json) {
    const body = e instanceof PolisError
      ? { error: e.errorName, code: e.code, message: e.message }
      : e instanceof NodeUnreachableError
        ? { error: 'node_unreachable', code: null, message: e.message }
        : { error: 'error', code: null, message: (e as Error)?.message ?? String(e) }
    io.err(JSON.stringify(body) + '\n')
    return
  }
  if (e instanceof PolisError) {
    io.err(`error: ${e.message} [${e.errorName}, code ${e.code}]\n`)
    if (e.errorName === 'not_found' && /no block has been committed/.test(e.message)) {
      io.err('  A new chain answers state queries from its first block on: submit a transaction first (e.g. polis tx bank send citizen-2 100 --from citizen-1).\n')
    }
  }
  else if (e instanceof NodeUnreachableError) io.err(`error: ${e.message}\n  Is the node running? Start one with \`npm start\` (or \`polis start\`), or point to it with --node URL.\n`)
  else {
    io.err(`error: ${(e as Error)?.message ?? String(e)}\n`)
    if (io.env.POLIS_DEBUG && e instanceof Error && e.stack) io.err(e.stack + '\n')
  }
}
