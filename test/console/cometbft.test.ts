/**
 * The console on a CometBFT network, as `polis network up --engine cometbft --validators 2` makes
 * it: two cities of two CometBFT validators each, light clients of each other, the relayer. The
 * Network page lists both cities live (heights, block interval, validator sets, light clients, relayer); the
 * Explorer reads CometBFT's blocks; Verify checks a CometBFT header in the browser with the
 * project's light-client code — the first block's commit signed by more than 2/3 of the validator
 * set pinned from the genesis file, then skipping verification up to the latest header — then the
 * ICS-23 proof of a balance against its app hash. A lying node (forged app hash with a matching
 * header hash and block id, tampered proof, tampered balance) fails the step it lied in. After the
 * validator set changes by governance (a validator re-weighted, as test/cometbft/validator-change
 * does it), Verify follows the change; a forged header or validator set above the change fails
 * exactly the step of the header it was served for.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext } from 'playwright-core'
import { axe, openPage, settled, startBrowser, startNetwork, type ConsoleNet } from './harness.js'
import { lyingProxy, type LieMode } from './lying-proxy.js'
import { missingCometbft, until } from '../cometbft/net.js'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { validatorsMsgs } from '../../src/modules/validators/index.js'

const SHOTS = new URL('../../docs/console/', import.meta.url).pathname
const skip = missingCometbft()

let n: ConsoleNet
let browser: Browser
let ctx: BrowserContext
let A: string

before(async () => {
  if (skip) return
  n = await startNetwork(2, { engine: 'cometbft', validators: 2 })
  A = n.urlOf('city-a')
  browser = await startBrowser()
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } })
})

after(async () => {
  await ctx?.close()
  await browser?.close()
  await n?.stop()
})

/** The CometBFT genesis.json of a city (every validator holds the same file). */
function cometGenesisFile(city: string): Buffer {
  const dir = join(n.home, city, 'cometbft')
  const f = readdirSync(dir).map((d) => join(dir, d, 'cometbft', 'config', 'genesis.json')).find((x) => existsSync(x))
  assert.ok(f, `no CometBFT genesis under ${dir}`)
  return readFileSync(f)
}

test('the Network page and the Explorer work for CometBFT cities: heights, block interval, light clients, relayer, blocks', { skip }, async () => {
  const { page, errors } = await openPage(ctx)
  await page.goto(`${A}/console/#/network`)
  const cities = page.locator('section[aria-labelledby=h-cities]')
  await cities.getByRole('row', { name: /^city-a up / }).waitFor()
  await cities.getByRole('row', { name: /^city-b up / }).waitFor()
  await settled(page)
  // a block interval is shown once blocks were seen: the CometBFT headers' RFC 3339 times are read
  await page.waitForFunction(() => [...document.querySelectorAll('section[aria-labelledby=h-cities] tbody tr')].every((r) => / s$/.test((r as HTMLTableRowElement).cells[4]?.textContent ?? '')))
  const clients = page.locator('section[aria-labelledby=h-clients]')
  await clients.getByRole('row', { name: /city-a city-b city-b cometbft/ }).waitFor()
  await clients.getByRole('row', { name: /city-b city-a city-a cometbft/ }).waitFor()
  await page.locator('[data-channel="city-a>city-b"]').waitFor()
  // each city's validator set, read from its /v1/validators/{h}: two validators of power 10
  for (const c of ['city-a', 'city-b']) await page.locator(`[data-validators="${c}"]`).filter({ hasText: /^2 \(power 20\)$/ }).waitFor()
  const text = await page.locator('main').innerText()
  assert.doesNotMatch(text, /NaN|Invalid Date/)
  assert.deepEqual(await axe(page), [])
  await page.screenshot({ path: join(SHOTS, 'network-cometbft.png'), fullPage: true })

  await page.goto(`${A}/console/#/explorer/city-a`)
  const latest = page.locator('section[aria-labelledby=h-latest] tbody tr')
  await latest.first().locator('a').waitFor()
  const top = await latest.first().locator('a').innerText()
  await latest.first().locator('a').click()
  await page.getByRole('heading', { name: `Block ${top}` }).waitFor()
  assert.match(await page.locator('main').innerText(), /time\s+\d{4}-\d{2}-\d{2}T/)
  assert.doesNotMatch(await page.locator('main').innerText(), /NaN|Invalid Date/)
  assert.deepEqual(errors, [])
  await page.close()
})

test('verify on a CometBFT city: a light client from the pinned genesis\'s validator set, then the proof; a lying node fails', { skip }, async () => {
  const proxy = await lyingProxy(A, 'city-a')
  const page = await ctx.newPage()
  try {
    const citizen = n.keys('city-a').get('citizen-1').address
    await page.goto(`${proxy.url}/console/#/explorer/city-a`)
    await page.locator('section[aria-labelledby=h-genesis] input[type=file]').setInputFiles({ name: 'genesis.json', mimeType: 'application/json', buffer: cometGenesisFile('city-a') })
    await page.getByText('from a file you imported').waitFor()
    const verify = async (mode: LieMode) => {
      proxy.mode = mode
      await page.goto(`${proxy.url}/console/?lie=${mode}#/explorer/city-a/account/${citizen}`) // a new document each time
      await page.getByRole('button', { name: 'Verify in the browser' }).click()
      const v = page.locator('[data-verdict]')
      await v.waitFor()
      return { verdict: await v.getAttribute('data-verdict'), failed: await page.locator('.steps li.fail strong').allInnerTexts(), passed: await page.locator('.steps li.pass strong').allInnerTexts(), text: await v.innerText() }
    }
    const honest = await verify('none')
    assert.equal(honest.verdict, 'verified', honest.text)
    assert.ok(honest.passed.some((s) => /Trusted header 1 \(the pinned validator set\)/.test(s)), honest.text)
    assert.ok(honest.passed.some((s) => /Header \d+: (skipping|adjacent) verification from header 1/.test(s)), honest.text)
    assert.match(honest.text, /CometBFT chain city-a, 2 validators/)
    await page.screenshot({ path: join(SHOTS, 'explorer-cometbft.png'), fullPage: true })
    // every header forged, the first block's too: the trusted header fails
    const expect: Array<[LieMode, RegExp]> = [['header', /Trusted header 1/], ['proof', /ICS-23 proof/], ['shown', /shown = proven/]]
    for (const [mode, step] of expect) {
      const r = await verify(mode)
      assert.equal(r.verdict, 'failed', `${mode}: ${r.text}`)
      assert.equal(r.failed.length, 1, `${mode}: ${r.text}`)
      assert.match(r.failed[0]!, step, `${mode}: ${r.text}`)
      assert.match(r.text, /NOT verified/)
    }
  } finally {
    await page.close()
    await proxy.close()
  }
})

test('verify follows a validator-set change made by governance; a forged header or validator set after it fails its step', { skip, timeout: 180_000 }, async () => {
  const api = new PolisClient(A)
  const keys = n.keys('city-a')
  const validator = keys.get('validator')
  type Vals = { validators: Array<{ pub_key: { value: string }; voting_power: string }> }
  const powerAt = async (h: bigint) => (await api.get<Vals>(`/v1/validators/${h}`)).validators.find((v) => Buffer.from(v.pub_key.value, 'base64').equals(Buffer.from(validator.publicKey)))?.voting_power
  assert.equal(await powerAt(await api.height()), '10')
  // re-weight city-a's first validator 10 → 15 (adds a quarter of the power: within the module's bound)
  const r = await api.signAndSubmit(keys.get('authority'), [validatorsMsgs.set({ pubKey: validator.publicKey, power: 15n })], { allowFailure: true })
  assert.ok(r.ok, r.log)
  const changed = await until('CometBFT to apply the new power', async () => {
    const h = await api.height()
    return (await powerAt(h)) === '15' ? h : undefined
  })
  await until('blocks after the change', async () => ((await api.height()) >= changed + 2n ? true : undefined))

  const proxy = await lyingProxy(A, 'city-a')
  const page = await ctx.newPage()
  try {
    const citizen = n.keys('city-a').get('citizen-1').address
    await page.goto(`${proxy.url}/console/#/explorer/city-a`)
    await page.locator('section[aria-labelledby=h-genesis] input[type=file]').setInputFiles({ name: 'genesis.json', mimeType: 'application/json', buffer: cometGenesisFile('city-a') })
    await page.getByText('from a file you imported').waitFor().catch(async (e: Error) => {
      throw new Error(`${e.message}\nthe page says: ${await page.locator('main').innerText()}`)
    })
    const verify = async (mode: LieMode) => {
      proxy.mode = mode
      await page.goto(`${proxy.url}/console/?lie=${mode}#/explorer/city-a/account/${citizen}`)
      await page.getByRole('button', { name: 'Verify in the browser' }).click()
      const v = page.locator('[data-verdict]')
      await v.waitFor()
      return { verdict: await v.getAttribute('data-verdict'), failed: await page.locator('.steps li.fail strong').allInnerTexts(), passed: await page.locator('.steps li.pass strong').allInnerTexts(), text: await v.innerText() }
    }
    const honest = await verify('none')
    assert.equal(honest.verdict, 'verified', honest.text)
    assert.ok(honest.passed.some((s) => /Trusted header 1 \(the pinned validator set\)/.test(s)), honest.text)
    assert.ok(honest.passed.some((s) => /Header \d+: skipping verification from header 1/.test(s)), honest.text)
    assert.match(honest.text, /validator set changed since the genesis: 2 validators of total power 25/)
    assert.match(honest.text, /holding 25 of 25 power of its own set signed it|holding 1[05] of 25 power of its own set signed it/)
    await page.screenshot({ path: join(SHOTS, 'explorer-cometbft-validator-change.png'), fullPage: true })

    // from the change on, the node forges headers (app hash, header hash and block id) or validator sets
    proxy.fromHeight = changed
    for (const mode of ['header', 'validators'] as const) {
      const lie = await verify(mode)
      assert.equal(lie.verdict, 'failed', `${mode}: ${lie.text}`)
      assert.equal(lie.failed.length, 1, `${mode}: ${lie.text}`)
      assert.match(lie.failed[0]!, /Header \d+: light-client verification from header 1/, `${mode}: ${lie.text}`)
      assert.ok(lie.passed.some((s) => /Trusted header 1/.test(s)), `${mode}: ${lie.text}`)
      assert.match(lie.text, mode === 'header' ? /invalid signature|header hash/ : /validator set does not match/, `${mode}: ${lie.text}`)
      assert.match(lie.text, /NOT verified/)
    }
  } finally {
    await page.close()
    await proxy.close()
  }
})
