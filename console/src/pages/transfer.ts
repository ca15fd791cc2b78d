/** Transfers signed in the browser: a bank transfer within a city, and a cross-city transfer over the bridge. */
import { actionForm, citySelect, keySelect, needKeyNote, type Ctx } from '../app.ts'
import { bank } from '../../../src/sdk/msgs.ts'
import { bridge } from '../../../src/sdk/bridge.ts'
import { clientOf, nativeDenomOf, packetState, voucherDenom } from '../bridge-info.ts'
import { field, h, replace } from '../ui/dom.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function amountInput(): HTMLInputElement {
  return h('input', { type: 'text', inputmode: 'numeric', pattern: '[0-9]+', autocomplete: 'off', required: true })
}

function addressInput(): HTMLInputElement {
  return h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', pattern: '[0-9a-fA-F]{64}', required: true, placeholder: '64 hex characters' })
}

export function transferPage(ctx: Ctx): void {
  // ---- bank transfer
  const from = keySelect()
  const cs = citySelect(ctx, ctx.params[0])
  const to = addressInput()
  const amount = amountInput()
  const denom = h('input', { type: 'text', autocomplete: 'off', placeholder: 'the city\'s own (e.g. ucity)' })
  const bankForm = actionForm({ 'aria-labelledby': 'h-bank', 'data-form': 'bank' }, 'Sign and send',
    [h('h2', { id: 'h-bank' }, 'Bank transfer'), field('From (unlocked key)', from.el), field('City', cs.el), field('To (address)', to), field('Amount', amount), field('Denomination', denom)], async () => {
      const key = from.key()
      if (!key) throw new Error('Unlock a key on the Keys page first.')
      const city = cs.city()
      const r = await city.client.signAndSubmit(key, [bank.send(to.value.trim().toLowerCase(), amount.value.trim(), denom.value.trim() || undefined)])
      const bal = await city.client.balance(key.address, { denom: denom.value.trim() || undefined })
      return h('p', { class: 'msg ok', role: 'status' }, `Committed in block ${r.height} of ${city.name}: `, h('a', { href: `#/explorer/${city.name}/tx/${r.hash}` }, `transaction ${r.hash.slice(0, 12)}…`), `. Your balance is now ${bal}.`)
    })

  // ---- cross-city transfer
  const xfrom = keySelect()
  const src = citySelect(ctx, ctx.net.cities[0]?.name, 'From city')
  const dst = citySelect(ctx, ctx.net.cities[1]?.name, 'To city')
  const receiver = addressInput()
  const xamount = amountInput()
  const xdenom = h('input', { type: 'text', autocomplete: 'off', placeholder: 'the source city\'s own (e.g. ucity)' })
  const xform = actionForm({ 'aria-labelledby': 'h-bridge', 'data-form': 'bridge' }, 'Sign and send over the bridge',
    [h('h2', { id: 'h-bridge' }, 'Cross-city transfer'), field('From (unlocked key)', xfrom.el), field('From city', src.el), field('To city', dst.el), field('Receiver (address on the other city)', receiver), field('Amount', xamount), field('Denomination', xdenom)], async (xout) => {
      const key = xfrom.key()
      if (!key) throw new Error('Unlock a key on the Keys page first.')
      const a = src.city()
      const b = dst.city()
      if (a === b) throw new Error('Choose two different cities.')
      const client = await clientOf(a, b)
      if (!client) throw new Error(`${a.name} has no light client of ${b.name}: no bridge between them.`)
      const back = await clientOf(b, a)
      const denom = xdenom.value.trim() || (await nativeDenomOf(a))
      const r = await a.client.signAndSubmit(key, [bridge.transfer({ clientId: client, receiver: receiver.value.trim().toLowerCase(), amount: xamount.value.trim(), denom, timeoutTimeMs: BigInt(Date.now() + 10 * 60_000) })])
      const seqAttr = r.events.find((ev) => ev.type === 'bridge.transfer')?.attributes.find((x) => x.key === 'sequence')?.value
      const status = h('p', { class: 'msg info', role: 'status', 'data-transfer': 'sent' }, `Sent in block ${r.height} of ${a.name} (packet ${seqAttr ?? '?'}); waiting for the relayer to deliver it to ${b.name}…`)
      xout.replaceChildren(status)
      if (!seqAttr || !back) return status
      // the receiver's voucher (or the returning native token) on the destination, and the packet's progress
      const trace = denom.startsWith('ibc/') ? undefined : `transfer/${back}/${denom}`
      const destDenom = trace ? voucherDenom(trace) : undefined
      for (let i = 0; i < 120; i++) {
        const p = await packetState(a, client, BigInt(seqAttr)).catch(() => undefined)
        if (p && p.commitment === null) {
          const bal = destDenom ? await b.client.balance(receiver.value.trim().toLowerCase(), { denom: destDenom }) : undefined
          status.className = 'msg ok'
          status.dataset.transfer = 'acknowledged'
          status.textContent = `Delivered and acknowledged: packet ${seqAttr} received on ${b.name}${bal !== undefined ? `; the receiver holds ${bal} ${destDenom}` : ''}.`
          return status
        }
        await sleep(500)
      }
      status.className = 'msg warn'
      status.textContent = `Packet ${seqAttr} sent from ${a.name} but not acknowledged yet: is the relayer running?`
      return status
    })

  replace(ctx.root, h('h1', {}, 'Transfer'), needKeyNote(), h('div', { class: 'grid2' }, h('section', {}, bankForm), h('section', {}, xform)))
}
