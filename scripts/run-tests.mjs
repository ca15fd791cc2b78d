// Runs the tests with node's test runner (Node 20 has no glob for --test), one file at a time.
//
//   node scripts/run-tests.mjs              the fast lane (`npm test`): every test/**/*.test.ts not in SLOW
//   node scripts/run-tests.mjs --slow       the slow lane (`npm run test:slow`): the files in SLOW
//   node scripts/run-tests.mjs --list       prints both lanes
//   node scripts/run-tests.mjs FILE...      just these files
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

// The slow lane: real multi-process systems that take seconds each and most of the machine while
// they run. A new test file is in the fast lane unless it is listed here.
const SLOW = [
  // CometBFT testnets (they need the cometbft binary: `npm run setup:cometbft`)
  'test/cometbft/api.test.ts',
  'test/cometbft/faults.test.ts',
  'test/cometbft/supervisor.test.ts',
  'test/lightclient/testnet.test.ts',
  'test/bridge/cometbft-city.test.ts',
  'test/bridge/cometbft-relayer.test.ts',
  'test/cometbft/validator-change.test.ts',
  'test/cometbft/state-sync.test.ts',
  'test/cometbft/state-sync-corrupt.test.ts',
  'test/cometbft/genesis-mismatch.test.ts',
  // kill -9 loops
  'test/ledger/crash.test.ts',
  // the multi-city network (`npm start`, `polis network up`)
  'test/network/network.test.ts',
  'test/network/cometbft-network.test.ts',
  'test/network/cometbft-network-failure.test.ts',
  'test/network/deploy-bundle.test.ts',
  'test/cli/start.test.ts',
  // the README walk-throughs, as written
  'test/cli/readme-services.test.ts',
  'test/voting/readme.test.ts',
  'test/cli/readme-cometbft.test.ts',
  'test/cli/readme-transport.test.ts',
  'test/siem/readme.test.ts',
  // the city console in Debian's Chromium against a real network
  'test/console/console.test.ts',
  'test/console/siem.test.ts',
  'test/console/cometbft.test.ts',
  'test/console/voting.test.ts',
]

function find(dir) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...find(p))
    else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

const missing = SLOW.filter((f) => !existsSync(f))
if (missing.length) {
  console.error(`scripts/run-tests.mjs lists slow tests that do not exist (moved? update SLOW): ${missing.join(', ')}`)
  process.exit(1)
}
const fast = () => find('test').filter((f) => !SLOW.includes(f))

const args = process.argv.slice(2)
if (args.includes('--list')) {
  console.log(`fast lane (npm test):\n  ${fast().join('\n  ')}\nslow lane (npm run test:slow):\n  ${SLOW.join('\n  ')}`)
  process.exit(0)
}
const files = args.includes('--slow') ? SLOW : args.length ? args : fast()
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit' })
process.exit(r.status ?? 1)
