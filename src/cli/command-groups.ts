/**
 * The CLI's command groups, loaded on demand: a call imports only the groups that define its
 * top-level command. Several groups add subcommands under the same top-level command (`tx`,
 * `query`, `simulate`), so a top-level command names every group it needs, in registration order.
 * test/cli/command-groups.test.ts checks TOP_LEVEL against what the groups really register.
 */
import type { Command } from 'commander'
import type { CliContext } from './context.js'

export type CommandGroup = (program: Command, ctx: (cmd: Command) => CliContext) => void

/** Every group, in the order its commands appear in the help. */
export const COMMAND_GROUPS = {
  keys: () => import('./commands/keys.js').then((m) => m.keysCommands),
  node: () => import('./commands/node.js').then((m) => m.nodeCommands),
  tx: () => import('./commands/tx.js').then((m) => m.txCommands),
  query: () => import('./commands/query.js').then((m) => m.queryCommands),
  testnet: () => import('./commands/testnet.js').then((m) => m.testnetCommands),
  qhf: () => import('./commands/qhf.js').then((m) => m.qhfCommands),
  relayer: () => import('./commands/relayer.js').then((m) => m.relayerCommands),
  transport: () => import('./commands/transport.js').then((m) => m.transportCommands),
  siem: () => import('./commands/siem.js').then((m) => m.siemCommands),
  services: () => import('./commands/services.js').then((m) => m.servicesCommands),
  bridge: () => import('./commands/bridge.js').then((m) => m.bridgeCommands),
  network: () => import('./commands/network.js').then((m) => m.networkCommands),
  voting: () => import('./commands/voting.js').then((m) => m.votingCommands),
} satisfies Record<string, () => Promise<CommandGroup>>

export type GroupName = keyof typeof COMMAND_GROUPS
export const GROUP_NAMES = Object.keys(COMMAND_GROUPS) as GroupName[]

/** The groups that define each top-level command. */
export const TOP_LEVEL: Record<string, GroupName[]> = {
  keys: ['keys'],
  init: ['node'],
  start: ['node'],
  status: ['node'],
  app: ['node'],
  tx: ['tx', 'services', 'bridge'],
  query: ['query', 'services', 'bridge'],
  testnet: ['testnet'],
  qhf: ['qhf'],
  relayer: ['relayer'],
  simulate: ['transport', 'siem', 'services'],
  transport: ['transport'],
  siem: ['siem'],
  department: ['services'],
  network: ['network'],
  voting: ['voting'],
}

/** Global options that take a value (their value is not a command word). */
const VALUE_OPTIONS = new Set(['--home', '--city', '--node'])

/** The first command word of `argv`, skipping global options. */
export function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (VALUE_OPTIONS.has(a)) i++
    else if (!a.startsWith('-')) return a
  }
  return undefined
}

/** The groups a call needs: its command's groups; none for a bare --version; all for help or an unknown word. */
export function groupsFor(argv?: string[]): GroupName[] {
  if (!argv) return GROUP_NAMES
  const word = commandWord(argv)
  if (word === undefined) return argv.some((a) => a === '-V' || a === '--version') && !argv.some((a) => a === '-h' || a === '--help') ? [] : GROUP_NAMES
  const needed = new Set(TOP_LEVEL[word] ?? GROUP_NAMES)
  return GROUP_NAMES.filter((g) => needed.has(g))
}
