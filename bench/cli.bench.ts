/**
 * `npm run bench:cli`: how long a `polis` command takes from the shell until it has exited, the way
 * a user runs it — `polis --version` and `polis query balance` against a running node whose address
 * the CLI reads from the home (so the chain guard's genesis check is included).
 *
 * Three ways of running the same command, each measured in this run:
 *   compiled  `bin/polis` with a fresh dist/ (what `npm ci` builds; the goal applies here)
 *   source    `node --import tsx src/cli/main.ts` (every call before the CLI shipped compiled)
 *   npx       `npx polis` (compiled, plus npm's own start-up, which Polis does not control)
 *
 *   npm run bench:cli [-- --runs 15]
 * Builds dist/ first (scripts/build.mjs). Writes bench/results/cli.json.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { initHome } from '../src/node/init-home.js'
import { freePort } from '../src/kit/free-port.js'
import { POLIS_BIN, REPO, cleanEnv, launchNode } from '../src/kit/node-launcher.js'
import { arg, machine, median, percentile, round } from './stats.js'

const RUNS = arg('runs', 15)
const GOALS_MS = { version: 300, balance: 500 }

const build = spawnSync(process.execPath, [join(REPO, 'scripts/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] })
if (build.status !== 0) throw new Error('scripts/build.mjs failed: the compiled CLI cannot be measured')

const root = mkdtempSync(join(tmpdir(), 'polis-bench-cli-'))
const port = await freePort()
const { home } = initHome({ home: join(root, 'home'), sampleAccounts: 2, apiPort: port, blockIntervalMs: 20, logLevel: 'warn' })
const node = await launchNode({ home, env: { POLIS_API_PORT: String(port) } })

const MODES = {
  compiled: [process.execPath, POLIS_BIN],
  source: [process.execPath, '--import', 'tsx', join(REPO, 'src/cli/main.ts')],
  npx: ['npx', 'polis'],
} as const
type Mode = keyof typeof MODES

function run(mode: Mode, args: string[]): number {
  const [cmd, ...pre] = MODES[mode]
  const t0 = performance.now()
  const r = spawnSync(cmd, [...pre, ...args], { cwd: REPO, env: cleanEnv(mode === 'source' ? {} : { POLIS_COMPILED: '1' }), encoding: 'utf8' })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`${mode} polis ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

try {
  // State queries answer from the first committed block on.
  run('compiled', ['tx', 'bank', 'send', 'citizen-2', '1', '--from', 'citizen-1', '--home', home])
  const calls = { version: ['--version'], balance: ['query', 'balance', 'citizen-2', '--home', home] }
  const times: Record<Mode, Record<keyof typeof calls, number[]>> = {
    compiled: { version: [], balance: [] }, source: { version: [], balance: [] }, npx: { version: [], balance: [] },
  }
  // Interleaved, so that a burst of load on the shared machine falls on every mode alike.
  for (let i = 0; i < RUNS; i++) {
    for (const mode of Object.keys(MODES) as Mode[]) for (const call of Object.keys(calls) as Array<keyof typeof calls>) times[mode][call].push(run(mode, calls[call]))
    process.stderr.write(`\rrun ${i + 1}/${RUNS}`)
  }
  process.stderr.write('\n')

  const stat = (xs: number[]) => ({ median_ms: round(median(xs)), p90_ms: round(percentile([...xs].sort((a, b) => a - b), 90)) })
  const modes = {} as Record<Mode, { version: ReturnType<typeof stat>; balance: ReturnType<typeof stat> }>
  for (const m of Object.keys(MODES) as Mode[]) modes[m] = { version: stat(times[m].version), balance: stat(times[m].balance) }
  const load = loadavg()[0]!
  const result = { bench: 'cli', runs: RUNS, machine: machine(), load_average_1m: round(load, 2), goals_ms: GOALS_MS, modes }
  const line = (m: Mode) => `  ${m.padEnd(9)} polis --version ${String(modes[m].version.median_ms).padStart(6)} ms (p90 ${modes[m].version.p90_ms})   query balance ${String(modes[m].balance.median_ms).padStart(6)} ms (p90 ${modes[m].balance.p90_ms})`
  console.log(`CLI start-up to exit, median of ${RUNS} runs each (load average ${load.toFixed(1)} on ${machine().cpus ?? '?'} cores):`)
  for (const m of Object.keys(MODES) as Mode[]) console.log(line(m))
  const c = modes.compiled
  console.log(`goals (compiled): --version < ${GOALS_MS.version} ms: ${c.version.median_ms < GOALS_MS.version ? 'met' : 'NOT met'}; balance < ${GOALS_MS.balance} ms: ${c.balance.median_ms < GOALS_MS.balance ? 'met' : 'NOT met'}`)
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  writeFileSync(new URL('./results/cli.json', import.meta.url), JSON.stringify(result, null, 2))
} finally {
  await node.stop()
  node.cleanup()
  rmSync(root, { recursive: true, force: true })
}
