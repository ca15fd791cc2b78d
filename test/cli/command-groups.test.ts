// The CLI loads only the command groups a call needs: the table of which group defines which
// top-level command must match what the groups really register, or a command would go missing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Command } from 'commander'
import { COMMAND_GROUPS, GROUP_NAMES, TOP_LEVEL, commandWord, groupsFor } from '../../src/cli/command-groups.js'
import { allCommands, buildProgram } from '../../src/cli/program.js'

const io = { out: () => undefined, err: () => undefined, env: {}, cwd: '/' }

test('TOP_LEVEL names exactly the groups that register each top-level command', async () => {
  const actual: Record<string, string[]> = {}
  for (const name of GROUP_NAMES) {
    const program = new Command('polis')
    ;(await COMMAND_GROUPS[name]())(program, () => { throw new Error('not called') })
    for (const c of program.commands) (actual[c.name()] ??= []).push(name)
  }
  assert.deepEqual(Object.fromEntries(Object.entries(TOP_LEVEL).sort()), Object.fromEntries(Object.entries(actual).sort()))
})

test('a call builds the same subtree of its command as the whole program does', async () => {
  const whole = allCommands(await buildProgram(io)).map((c) => c.name)
  for (const word of Object.keys(TOP_LEVEL)) {
    const under = (n: string) => n === word || n.startsWith(`${word} `)
    const partial = allCommands(await buildProgram(io, [word, '--help'])).map((c) => c.name)
    assert.deepEqual(partial.filter(under), whole.filter(under), word)
  }
})

test('the command word skips global options and their values', () => {
  assert.equal(commandWord(['--home', 'query', '--json', 'tx', 'bank']), 'tx')
  assert.equal(commandWord(['--node=http://x', 'query']), 'query')
  assert.equal(commandWord(['--json']), undefined)
  assert.deepEqual(groupsFor(['--version']), [])
  assert.deepEqual(groupsFor(['--help']), GROUP_NAMES)
  assert.deepEqual(groupsFor(['no-such-command']), GROUP_NAMES)
  assert.deepEqual(groupsFor(['simulate', 'siem']), ['transport', 'siem', 'services'])
})
