/**
 * The console's Voting page end to end, against a real `npm start` network (harness) in Debian's
 * Chromium: an election with three trustees whose key generation runs through the SDK (as
 * test/voting/module-api.test.ts), then in the page: the election listed with its phase and
 * schedule; the ballot form's min/max rules; a ballot encrypted and signed in the browser and cast,
 * its tracking code shown and found on chain; a Benaloh audit that checks the ballot in the browser
 * and never casts it; a re-vote made with the keyboard that replaces the first ballot; an ineligible
 * key refused with a clear message; after the window, two trustees decrypt and the page shows the
 * result and the trustees, and the downloaded election record verifies. axe-core, 1280×800 and
 * 390×844, no console errors. Screenshots: docs/console/voting*.png.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { VotingReader, prepareBallot, prepareCheck, prepareDeal, preparePartialDecryption, prepareRegistration, type TrusteeSecrets } from '../../src/sdk/voting.js'
import { votingMsgs } from '../../src/modules/voting/types.js'
import { systemRandom } from '../../src/voting/random.js'
import { verifyElectionRecord } from '../../src/voting/record.js'
import type { NamedKey } from '../../src/sdk/keys.js'
import { assertText, axe, openPage, settled, startBrowser, startNetwork, type ConsoleNet } from './harness.js'

const SHOTS = new URL('../../docs/console/', import.meta.url).pathname
const PASS = 'correct horse battery'
const ID = 'town-2027'
/**
 * The voting window. The trustees' key generation and every in-window step below must finish before
 * it closes (they take about 20 s on an idle machine; the test logs how much of the window was left);
 * then the test waits for it to close. The key-generation deadlines sit at the end of the window:
 * each phase advances as soon as all trustees have done their step, so only the window bounds them.
 */
const WINDOW_MS = 180_000n

let n: ConsoleNet
let browser: Browser
let ctx: BrowserContext
let A: string

before(async () => {
  mkdirSync(SHOTS, { recursive: true })
  n = await startNetwork(2)
  A = n.urlOf('city-a')
  browser = await startBrowser()
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
})

after(async () => {
  await ctx?.close()
  await browser?.close()
  await n?.stop()
})

const keyFile = (name: string) => ({ name: `${name}.json`, mimeType: 'application/json', buffer: readFileSync(join(n.home, 'city-a', 'keys', `${name}.json`)) })

async function importKeys(page: Page, names: string[]): Promise<void> {
  await page.goto(`${A}/console/#/keys`)
  await settled(page)
  const form = page.locator('form[aria-labelledby="h-import"]')
  for (const name of names) {
    await form.locator('input[type=file]').setInputFiles(keyFile(name))
    await form.getByLabel('Passphrase to encrypt it with').fill(PASS)
    await form.getByRole('button', { name: 'Import' }).click()
    await page.getByRole('row', { name: new RegExp(name) }).getByText('unlocked', { exact: true }).waitFor()
  }
}

/** An election on city-a: citizen-1 and citizen-2 may vote (citizen-3 may not); three clerks are its trustees, any two decrypt. */
async function createElection(client: PolisClient): Promise<{ trustees: NamedKey[]; secrets: TrusteeSecrets[]; closesAt: bigint }> {
  const ring = n.keys('city-a')
  const trustees = ['water-clerk', 'works-clerk', 'tax-clerk'].map((t) => ring.get(t))
  const now = BigInt((await client.status()).time)
  const closesAt = now + WINDOW_MS
  const r = await client.signAndSubmit(ring.get('authority'), [votingMsgs.create({
    election: ID, title: 'Town budget 2027',
    questions: [
      { title: 'Which project first?', options: ['park', 'tram', 'library'], minSelections: 1, maxSelections: 1 },
      { title: 'Which extras? (up to two)', options: ['trees', 'benches', 'lights'], minSelections: 0, maxSelections: 2 },
    ],
    trustees: trustees.map((t) => t.publicKey), threshold: 2, voters: ['citizen-1', 'citizen-2'].map((c) => ring.get(c).publicKey),
    opensAt: now, closesAt, registerBy: closesAt - 3n, dealBy: closesAt - 2n, checkBy: closesAt - 1n, tallyBy: closesAt + 600_000n,
  })])
  assert.equal(r.code, 0, r.log)
  const v = new VotingReader(client)
  const secrets: TrusteeSecrets[] = []
  for (const [i, t] of trustees.entries()) {
    const p = prepareRegistration(await v.manifest(ID), t.publicKey, systemRandom)
    secrets[i] = p.secrets
    await client.signAndSubmit(t, [p.msg])
  }
  for (const [i, t] of trustees.entries()) {
    const p = prepareDeal(await v.manifest(ID), await v.dkg(ID), secrets[i]!, systemRandom)
    secrets[i] = p.secrets
    await client.signAndSubmit(t, [p.msg])
  }
  for (const [i, t] of trustees.entries()) {
    const p = prepareCheck(await v.manifest(ID), await v.dkg(ID), secrets[i]!, systemRandom)
    secrets[i] = p.secrets
    await client.signAndSubmit(t, [p.msg])
  }
  assert.equal((await v.election(ID)).phase, 'ready')
  return { trustees, secrets, closesAt }
}

const lookup = async (page: Page, code: string) => {
  const form = page.locator('form[data-form=lookup]')
  await form.getByLabel('Tracking code').fill(code)
  await form.getByRole('button', { name: 'Look up' }).click()
  const found = form.locator('[data-lookup]')
  await found.waitFor()
  const kind = await found.getAttribute('data-lookup')
  await form.getByLabel('Tracking code').fill('') // the next lookup waits for its own answer
  const text = await found.innerText()
  await found.evaluate((e) => e.remove())
  return { kind, text }
}

test('voting in the console: list, ballot rules, encrypt and cast in the browser, tracking code, audit, re-vote, refusal, results, record', async () => {
  const client = new PolisClient(A)
  const { page, errors } = await openPage(ctx)
  await importKeys(page, ['citizen-1', 'citizen-3'])
  const { trustees, secrets, closesAt } = await createElection(client)
  const ring = n.keys('city-a')
  const c1 = ring.get('citizen-1').address
  const c3 = ring.get('citizen-3').address

  // the list: the election, open, with its schedule in human times
  const t0 = Date.now()
  await page.evaluate(() => (location.hash = '#/voting/city-a')) // the same document: keys stay unlocked in this tab
  const row = page.getByRole('row', { name: /Town budget 2027/ })
  await row.locator('[data-stage=open]').waitFor()
  console.log(`voting page: election list drawn ${Date.now() - t0} ms after navigation`)
  assert.match(await row.innerText(), /closes \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d:\d\d .*\(in \d+ (s|min)\)/)
  assert.match(await row.innerText(), /0 counted of 2 eligible/)
  await row.getByRole('link', { name: 'Town budget 2027' }).click()
  await page.getByRole('heading', { name: 'Town budget 2027', level: 2 }).waitFor()

  // the ballot of citizen-1: the form enforces the rules
  await page.getByLabel('Voter (unlocked key)').selectOption(c1)
  const form = page.locator('form[data-form=ballot]')
  await page.getByText('citizen-1 is eligible and has not voted yet.').waitFor()
  await form.getByRole('button', { name: 'Encrypt my ballot' }).click()
  await assertText(form.locator('.msg.error'), /"Which project first\?": Choose exactly 1 of 3\. You chose 0\./)
  const extras = form.getByRole('group', { name: 'Which extras? (up to two)' })
  await extras.getByLabel('trees').check()
  await extras.getByLabel('lights').check()
  assert.equal(await extras.getByLabel('benches').isDisabled(), true, 'a third extra cannot be chosen')
  await form.getByRole('group', { name: 'Which project first?' }).getByLabel('park').check()

  // encrypted in the browser, then cast: the tracking code is shown and the chain has it
  await form.getByRole('button', { name: 'Encrypt my ballot' }).click()
  const preparedCode = await page.locator('[data-prepared-code]').getAttribute('data-prepared-code')
  assert.match(preparedCode!, /^[0-9a-f]{64}$/)
  await page.getByRole('button', { name: 'Cast this ballot' }).click()
  const cast1 = page.locator('[data-cast=accepted] [data-tracking-code]')
  await cast1.waitFor()
  const code1 = (await cast1.getAttribute('data-tracking-code'))!
  assert.equal(code1, preparedCode)
  const onChain = await client.query<{ voter: string; counted: boolean }>('voting', 'ballot', { tracking_code: code1 })
  assert.deepEqual([onChain.voter, onChain.counted], [c1, true])
  await page.locator('[data-my-tracking-code]').filter({ hasText: code1 }).waitFor()
  assert.deepEqual(await axe(page), [], 'serious axe violations (open election)')
  await page.screenshot({ path: join(SHOTS, 'voting.png'), fullPage: true })
  assert.equal((await lookup(page, code1)).kind, 'counted')

  // Benaloh audit: opened and checked here, never cast
  await form.getByRole('group', { name: 'Which project first?' }).getByLabel('library').check()
  await form.getByRole('button', { name: 'Encrypt my ballot' }).click()
  const auditedCode = (await page.locator('[data-prepared-code]').getAttribute('data-prepared-code'))!
  await page.getByRole('button', { name: 'Audit this ballot' }).click()
  const audit = page.locator('[data-audit]')
  await audit.waitFor()
  assert.equal(await audit.getAttribute('data-audit'), 'passed', await audit.innerText())
  assert.deepEqual(await audit.locator('.steps li.pass strong').allInnerTexts(), ['✔ pass · Manifest = election hash', '✔ pass · Tracking code', '✔ pass · Proofs', '✔ pass · Encryption opened', '✔ pass · Choices = your choices'])
  assert.match(await audit.innerText(), /NOT cast and never will be/)
  assert.match(await audit.innerText(), /the ballot encrypts exactly what you chose: \[\[0,0,1\],\[1,0,1\]\]/)
  assert.equal(await page.getByRole('button', { name: 'Cast this ballot' }).count(), 0, 'an audited ballot cannot be cast')
  await page.screenshot({ path: join(SHOTS, 'voting-audit.png'), fullPage: true })
  assert.equal((await lookup(page, auditedCode)).kind, 'not-found')
  assert.equal((await new VotingReader(client).election(ID)).ballots_cast, 1)

  // re-vote with the keyboard only: tram, trees only; it replaces the first ballot
  await form.getByRole('group', { name: 'Which project first?' }).getByLabel('library').focus()
  await page.keyboard.press('ArrowUp') // radios: library → tram
  await page.keyboard.press('Tab') // → trees (checked)
  await page.keyboard.press('Tab') // → benches (disabled: skipped) → lights
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement).dataset.option), 'lights')
  await page.keyboard.press('Space') // lights off
  await page.keyboard.press('Tab')
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Encrypt my ballot')
  await page.keyboard.press('Enter')
  await page.getByRole('button', { name: 'Cast this ballot' }).waitFor()
  await page.keyboard.press('Tab')
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cast this ballot')
  await page.keyboard.press('Enter')
  const cast2 = page.locator('[data-cast=accepted] [data-tracking-code]')
  await cast2.waitFor()
  const code2 = (await cast2.getAttribute('data-tracking-code'))!
  assert.notEqual(code2, code1)
  const replaced = await lookup(page, code1)
  assert.equal(replaced.kind, 'replaced')
  assert.match(replaced.text, new RegExp(`NOT counted: the same voter cast a later ballot, which replaced it \\(tracking code ${code2.slice(0, 16)}…`))
  assert.equal((await lookup(page, code2)).kind, 'counted')

  // an ineligible key: the page warns, and the city's refusal is shown in words; nothing is counted
  await page.getByLabel('Voter (unlocked key)').selectOption(c3)
  await page.getByText(/citizen-3 \([0-9a-f]{8}…\) is not on this election's list of voters/).waitFor()
  await form.getByRole('group', { name: 'Which project first?' }).getByLabel('park').check()
  await form.getByRole('button', { name: 'Encrypt my ballot' }).click()
  await page.getByRole('button', { name: 'Cast this ballot' }).click()
  const refused = page.locator('[data-refused]')
  await refused.waitFor()
  assert.equal(await refused.getAttribute('data-refused'), 'unauthorized')
  assert.match(await refused.innerText(), /^Not eligible: this key is not on the election's list of voters \(unauthorized\): .*not eligible.*Nothing was counted\.$/)
  assert.equal((await new VotingReader(client).election(ID)).ballots_cast, 2)

  // citizen-2 votes through the SDK; the window closes; two trustees decrypt
  const v = new VotingReader(client)
  const b2 = prepareBallot(await v.manifest(ID), await v.election(ID), ring.get('citizen-2').publicKey, [[0, 0, 1], [0, 1, 0]], systemRandom)
  await client.signAndSubmit(ring.get('citizen-2'), [b2.msg])
  const left = closesAt - BigInt((await client.status()).time)
  console.log(`voting window: ${left / 1000n} s of ${WINDOW_MS / 1000n} s left after the in-window steps`)
  assert.ok(left > 0n, `the in-window steps took longer than the ${WINDOW_MS / 1000n} s window (machine very loaded?)`)
  while (BigInt((await client.status()).time) < closesAt) await new Promise((r) => setTimeout(r, 500))
  await page.locator('section[data-election] [data-stage=closed]').first().waitFor()
  for (const i of [0, 2]) {
    const msg = preparePartialDecryption(await v.manifest(ID), await v.election(ID), await v.aggregate(ID), secrets[i]!, systemRandom)
    await client.signAndSubmit(trustees[i]!, [msg])
  }

  // the result, without a reload
  const results = page.locator('[data-results]')
  await results.waitFor()
  const counts = async (q: number, labels: string[]) => Promise.all(labels.map(async (o) => Number(await results.locator(`[data-count="${q}:${o}"]`).innerText())))
  assert.deepEqual(await counts(0, ['park', 'tram', 'library']), [0, 1, 1])
  assert.deepEqual(await counts(1, ['trees', 'benches', 'lights']), [1, 1, 0])
  assert.equal(await results.locator('[data-decrypted-by]').getAttribute('data-decrypted-by'), '1,3')
  assert.match(await results.innerText(), /2 ballots counted \(3 cast;/)
  assert.deepEqual(await axe(page), [], 'serious axe violations (results)')
  await page.screenshot({ path: join(SHOTS, 'voting-results.png'), fullPage: true })

  // the election record, downloaded from the page, verifies with the project's verifier
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the election record' }).click()])
  assert.equal(download.suggestedFilename(), `${ID}.record.json`)
  const report = verifyElectionRecord(JSON.parse(readFileSync((await download.path())!, 'utf8')))
  assert.deepEqual([report.ok, report.failures, report.counts, report.decryptedBy, report.ballotsCast, report.ballotsCounted], [true, [], [[0, 1, 1], [1, 1, 0]], [1, 3], 3, 2])

  // phone width: readable, nothing wider than the screen
  await page.setViewportSize({ width: 390, height: 844 })
  const t1 = Date.now()
  await page.goto(`${A}/console/#/voting/city-a/${ID}`)
  await page.locator('[data-results]').waitFor()
  console.log(`voting page first render (fresh load at 390×844, loopback, tallied election with its results): ${Date.now() - t1} ms`)
  await settled(page)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(overflow <= 1, `the voting page at 390 px is ${overflow} px wider than the screen`)
  await page.screenshot({ path: join(SHOTS, 'voting-phone.png'), fullPage: true })

  // the only console errors: the browser's own logs of two HTTP statuses the page expected and
  // explained in words: the lookup of the audited (never cast) ballot, and the refused ballot
  assert.deepEqual(errors.map((e) => e.replace(/^console: Failed to load resource: the server responded with a status of (\d+) .*? (http:\S+)$/, (_, st: string, u: string) => `${st} ${new URL(u).pathname}${new URL(u).search}`)),
    [`404 /v1/query/voting/ballot?tracking_code=${auditedCode}`, '403 /v1/txs'])
  await page.close()
})
