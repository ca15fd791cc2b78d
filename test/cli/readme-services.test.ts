/**
 * The README's "A citizen pays a bill and files a complaint" walk-through, every shell line as
 * written, in order, with `npm start` running as the README says ("with the same network, on
 * city-a, a fresh ./.polis"): the network is `npm start`'s entry (`polis network up`) in a fresh
 * directory standing for the clone, on free ports, and the CLI runs in that directory (./.polis).
 * Lines ending in `&` run in the background; the department store's port (26690, its default) is
 * swapped for a free one. Two words stand for what an earlier command printed, as the README says: SALT
 * (the salt `complaints file` generated) and SLOT (the slot `energy offer next` chose). A reading
 * waits for its slot to be over, and a query is repeated until it shows what the README shows (the
 * energy slot settles within minutes of block time; the city makes empty blocks while idle).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { NPM_START, launchProcess, type PolisProcess } from '../../src/kit/node-launcher.js'
import { consecutive, freeBasePort, freePort } from '../../src/kit/free-port.js'
import { outputPattern, readmeSection, words } from '../helpers/readme.js'
import { until } from '../helpers/until.js'

const STORE_PORT = '26690'

test('README: bills, complaints, the department store and energy trading work as written on `npm start`', { timeout: 600_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-readme-services-'))
  const procs: PolisProcess[] = []
  try {
    const base = await freeBasePort(consecutive(2))
    procs.push(await launchProcess([...NPM_START, '--base-port', String(base), '--relay-interval-ms', '200', '--json'], {
      cwd: root, env: { POLIS_LOG_LEVEL: 'warn', POLIS_BLOCK_INTERVAL_MS: '20' }, ready: /"event":"listening"/, timeoutMs: 120_000,
    }))
    const section = readmeSection('A citizen pays a bill and files a complaint')
    assert.ok(section.steps.length >= 20, section.steps.map((s) => s.line).join('\n'))
    const store = String(await freePort())
    const vars: Record<string, string> = {}
    let slotEnd = 0
    const out: string[] = []
    for (const { line, expected } of section.steps) {
      assert.match(line, /^npx polis /)
      const concrete = line.replaceAll(STORE_PORT, store).replace(/\b(SALT|SLOT)\b/g, (v) => vars[v] ?? assert.fail(`${line}: ${v} was not printed by an earlier command`))
      const argv = words(concrete.replace(/\s*&$/, '')).slice(2)
      if (concrete.endsWith('&')) {
        if (argv[0] === 'department' && argv[1] === 'serve') argv.push('--port', store)
        procs.push(await launchProcess(argv, { cwd: root, ready: /listening on/, timeoutMs: 60_000 }))
        continue
      }
      if (argv[0] === 'tx' && argv[1] === 'energy' && argv[2] === 'reading') {
        // the README: once the slot is over
        await until('the slot to be over', async () => (Date.now() >= slotEnd + 200 ? true : undefined), 300_000, 500)
      }
      const shows = (r: { code: number; stdout: string }) => r.code === 0 && (expected === undefined || outputPattern(expected).test(r.stdout.trim()))
      let stdout: string
      if (argv[0] === 'query') {
        // repeated until it shows what the README shows (the chain gets there within minutes)
        let last = ''
        stdout = await until(concrete, async () => {
          const r = await cli(argv, { cwd: root })
          last = `exit ${r.code}\n${r.stdout}${r.stderr}`
          return shows(r) ? r.stdout : undefined
        }, 300_000, 1000).catch((e: Error) => assert.fail(`${e.message}: the last output was\n${last}\nthe README shows\n${expected}`))
      } else {
        const r = await cli(argv, { cwd: root })
        assert.ok(shows(r), `${line}: exit ${r.code}\n${r.stdout}${r.stderr}\nthe README shows\n${expected}`)
        stdout = r.stdout
      }
      out.push(stdout)
      const salt = /^salt ([0-9a-f]{64}) \(generated/m.exec(stdout)
      if (salt) vars.SALT = salt[1]!
      const slot = /^slot (\d+): \S+ to (\S+) /m.exec(stdout)
      if (slot) (vars.SLOT = slot[1]!), (slotEnd = Date.parse(slot[2]!))
    }
    const all = out.join('')
    assert.doesNotMatch(section.steps.map((s) => s.line).join('\n'), /identity register|define-service/, 'no clerk or service is set up by hand')
    assert.match(all, /pothole/)
    assert.match(all, /bills\.paid .*amount=1200/)
    assert.match(all, /collected\s+1200/)
    assert.match(all, /state\s+resolved \(closed\)/)
    assert.match(all, /resolve: acknowledged -> resolved .*\(filled and resurfaced\)/)
    assert.match(all, /Stored complaint 1 \(commitment [0-9a-f]{64}\)/)
    assert.match(all, /text\s+deep pothole outside no\. 12\n/)
    assert.match(all, /energy\.reading .*exported_wh=1500/)
  } finally {
    for (const p of procs.reverse()) await p.stop('SIGTERM')
    rmSync(root, { recursive: true, force: true })
  }
})
