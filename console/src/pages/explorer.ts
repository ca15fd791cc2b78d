/**
 * Explorer: blocks, transactions, accounts of a city, search by height, hash or address, and
 * Verify: the account's balance checked in this browser against the pinned genesis.
 */
import { citySelect, describe, type Ctx } from '../app.ts'
import { timeMs, type City } from '../cities.ts'
import { balanceStoreKey } from '../../../src/modules/bank/types.ts'
import { fromHex } from '../../../src/base/bytes.ts'
import { amountFromBytes } from '../../../src/codec/amount.ts'
import { age, badge, field, h, message, replace, short, table } from '../ui/dom.ts'
import { verifyState } from '../verify.ts'
import { verdictView } from '../ui/verdict.ts'
import { pin, pinned, unpin } from '../trust.ts'

const HEX64 = /^[0-9a-fA-F]{64}$/

export function explorerPage(ctx: Ctx): () => void {
  const [cityName, kind, arg] = ctx.params
  const cs = citySelect(ctx, cityName)
  const city = cs.city()
  const q = h('input', { type: 'search', placeholder: 'height, transaction hash or address', autocomplete: 'off', value: arg ?? '' })
  const out = h('div', {})
  const view = h('div', {})
  const search = (e: Event) => {
    e.preventDefault()
    const v = q.value.trim()
    const c = cs.el.value
    if (/^[0-9]+$/.test(v)) return ctx.go(`explorer/${c}/block/${v}`)
    if (HEX64.test(v)) {
      // a 64-hex string is a transaction hash or an address (a public key): ask the node which
      void city.client.tx(v.toLowerCase()).then((t) => ctx.go(`explorer/${c}/${t.status === 'unknown' ? 'account' : 'tx'}/${v.toLowerCase()}`), (err) => replace(out, message('error', describe(err))))
      return
    }
    replace(out, message('error', 'Search for a block height (a number), a transaction hash or an address (64 hex characters).'))
  }
  cs.el.addEventListener('change', () => ctx.go(`explorer/${cs.el.value}`))
  replace(ctx.root, h('h1', {}, `Explorer · ${city.name}`),
    h('form', { class: 'row', role: 'search', onsubmit: search }, field('City', cs.el), field('Search', q), h('button', { type: 'submit' }, 'Search')),
    out, view)

  let cleanup: (() => void) | undefined
  if (kind === 'block' && arg) void blockView(view, city, BigInt(arg))
  else if (kind === 'tx' && arg) void txView(view, city, arg)
  else if (kind === 'account' && arg) void accountView(view, city, arg)
  else cleanup = latestBlocks(ctx, view, city)
  return () => cleanup?.()
}

function latestBlocks(ctx: Ctx, view: HTMLElement, city: City): () => void {
  const box = h('section', { 'aria-labelledby': 'h-latest' }, h('h2', { id: 'h-latest' }, 'Latest blocks'), h('p', { class: 'muted' }, 'Loading…'))
  replace(view, box, genesisBox(city))
  let shown = -1n
  let busy = false
  const load = async () => {
    if (busy || !city.up || city.height === shown) return
    busy = true
    try {
      const top = city.height
      const heights: bigint[] = []
      for (let x = top; x >= 1n && heights.length < 12; x--) heights.push(x)
      const blocks = await Promise.all(heights.map((x) => city.client.block(x)))
      shown = top
      replace(box, h('h2', { id: 'h-latest' }, 'Latest blocks'), table(['height', 'time', 'txs', 'hash'], blocks.map((b) => [
        h('a', { href: `#/explorer/${city.name}/block/${b.height}` }, b.height),
        age(timeMs(b.header.time)), b.txs.length, h('code', {}, short(b.hash, 12)),
      ]), `The last ${blocks.length} blocks of ${city.name} (live)`))
    } catch (e) {
      replace(box, h('h2', { id: 'h-latest' }, 'Latest blocks'), message('error', describe(e)))
    } finally {
      busy = false
    }
  }
  void load()
  const off = ctx.net.onChange(() => void load())
  if (!city.up && !city.status) replace(box, h('h2', { id: 'h-latest' }, 'Latest blocks'), message('error', city.error ?? `${city.name} is not reachable yet.`))
  return off
}

async function blockView(view: HTMLElement, city: City, height: bigint): Promise<void> {
  try {
    const b = await city.client.block(height)
    replace(view, h('section', {}, h('h2', {}, `Block ${b.height}`),
      h('dl', { class: 'kv' },
        h('dt', {}, 'hash'), h('dd', {}, h('code', {}, b.hash)),
        h('dt', {}, 'time'), h('dd', {}, new Date(timeMs(b.header.time)).toISOString()),
        h('dt', {}, 'app hash'), h('dd', {}, h('code', {}, String(b.header.app_hash ?? ''))),
        h('dt', {}, 'previous'), h('dd', {}, height > 1n ? h('a', { href: `#/explorer/${city.name}/block/${height - 1n}` }, `block ${height - 1n}`) : 'genesis')),
      table(['#', 'transaction', 'result'], b.results.map((r, i) => [i, h('a', { href: `#/explorer/${city.name}/tx/${r.hash}` }, h('code', {}, short(r.hash, 12))), r.code === 0 ? badge('ok', 'ok') : badge('error', r.log)]), 'Transactions')))
  } catch (e) {
    replace(view, message('error', describe(e)))
  }
}

async function txView(view: HTMLElement, city: City, hash: string): Promise<void> {
  try {
    const t = await city.client.tx(hash)
    replace(view, h('section', {}, h('h2', {}, 'Transaction'),
      h('dl', { class: 'kv' },
        h('dt', {}, 'hash'), h('dd', {}, h('code', {}, t.hash)),
        h('dt', {}, 'status'), h('dd', {}, t.status),
        h('dt', {}, 'block'), h('dd', {}, t.height ? h('a', { href: `#/explorer/${city.name}/block/${t.height}` }, t.height) : '–'),
        h('dt', {}, 'result'), h('dd', {}, t.code === undefined ? '–' : t.code === 0 ? badge('ok', 'ok') : badge('error', t.log ?? `code ${t.code}`))),
      table(['event', 'attributes'], (t.events ?? []).map((e) => [e.type, e.attributes.map((a) => `${a.key}=${a.value}`).join('  ')]), 'Events')))
  } catch (e) {
    replace(view, message('error', describe(e)))
  }
}

interface AccountOverview { address: string; height: string; roles: string[]; nonce: string; revoked_at: string | null; revoke_reason: string | null; balances: Array<{ denom: string; amount: string }> }

async function accountView(view: HTMLElement, city: City, address: string): Promise<void> {
  let a: AccountOverview
  try {
    a = await city.client.accountOverview<AccountOverview>(address)
  } catch (e) {
    return replace(view, message('error', describe(e)))
  }
  const denom = a.balances[0]?.denom ?? 'ucity'
  const balanceOf = (d: string) => a.balances.find((b) => b.denom === d)?.amount ?? '0'
  const result = h('div', { 'aria-live': 'polite' })
  const btn = h('button', { type: 'button' }, 'Verify in the browser')
  btn.addEventListener('click', () => {
    btn.disabled = true
    replace(result, h('p', { class: 'msg info' }, 'Verifying…'))
    void verifyState(city, balanceStoreKey(fromHex(address), denom), (v) => amountFromBytes(v).toString(), { label: `balance (${denom})`, value: balanceOf(denom) })
      .then((v) => replace(result, verdictView(v)), (e) => replace(result, message('error', describe(e))))
      .finally(() => (btn.disabled = false))
  })
  replace(view, h('section', {}, h('h2', {}, 'Account'),
    h('dl', { class: 'kv' },
      h('dt', {}, 'address'), h('dd', {}, h('code', {}, a.address)),
      h('dt', {}, 'roles'), h('dd', {}, a.roles.join(', ') || 'none'),
      h('dt', {}, 'nonce'), h('dd', {}, a.nonce),
      h('dt', {}, 'state'), h('dd', {}, a.revoked_at ? badge('error', `revoked at ${a.revoked_at}: ${a.revoke_reason ?? ''}`) : badge('ok', 'active')),
      h('dt', {}, 'at height'), h('dd', {}, a.height)),
    table(['denomination', 'amount'], a.balances.map((b) => [h('code', {}, b.denom), h('span', { 'data-balance': b.denom }, b.amount)]), 'Balances (as the node says)'),
    h('h3', {}, `Verify the ${denom} balance`),
    h('p', { class: 'muted' }, 'Checks, in this browser, a header against the pinned genesis (its hash, and its signature by the pinned validator; for a CometBFT city, as a light client: the first block signed by more than 2/3 of the pinned validator set, then skipping verification up to the latest header, following validator-set changes), and the ICS-23 proof of the balance against the header\'s app hash.'),
    btn, result), genesisBox(city))
}

function genesisBox(city: City): HTMLElement {
  const box = h('section', { 'aria-labelledby': 'h-genesis' })
  let imported: string | undefined // the chain of a file just pinned, before the city's status is known
  const draw = () => {
    const chain = city.status?.chain_id ?? imported
    const p = chain ? pinned(chain) : undefined
    const file = h('input', { type: 'file', accept: '.json,application/json' })
    const out = h('div', {})
    file.addEventListener('change', () => {
      const f = file.files?.[0]
      if (!f) return
      void f.text().then((text) => {
        try {
          const g = pin(JSON.parse(text), 'file')
          if (city.status && g.chainId !== city.status.chain_id) {
            replace(out, message('warn', `Pinned the genesis of ${g.chainId}; this city says it runs ${city.status.chain_id}.`))
            return
          }
          imported = g.chainId
          draw()
        } catch (e) {
          replace(out, message('error', `Not a genesis document: ${describe(e)}`))
        }
      })
    })
    const forget = h('button', { type: 'button', class: 'secondary' }, 'Forget the pinned genesis')
    forget.addEventListener('click', () => {
      if (city.status) unpin(city.status.chain_id)
      draw()
    })
    replace(box, h('h2', { id: 'h-genesis' }, 'Trust anchor'),
      p ? h('p', {}, `Genesis of ${p.chainId} pinned ${new Date(p.pinnedAt).toISOString()} `, p.source === 'file' ? badge('ok', 'from a file you imported') : badge('warn', 'from the node at first use')) : h('p', {}, 'No genesis pinned for this city yet: the first verification pins the node\'s (trust on first use).'),
      field('Pin a genesis file (e.g. .polis/city-a/genesis.json, got out of band)', file), p ? forget : null, out)
  }
  draw()
  return box
}
