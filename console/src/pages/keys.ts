/**
 * Keys: import a key file or create a key; stored encrypted in this browser under a passphrase
 * (src/keystore.ts); unlock for signing in this tab. No key material leaves the browser.
 */
import type { Ctx } from '../app.ts'
import { act, actionForm } from '../app.ts'
import { createKey, forget, importKeyFile, lock, storedKeys, unlock, unlockedKeys } from '../keystore.ts'
import { badge, field, h, replace, table } from '../ui/dom.ts'

export function keysPage(ctx: Ctx): void {
  const list = h('section', { 'aria-labelledby': 'h-stored' })
  const drawList = () => {
    const open = new Set(unlockedKeys().map((k) => k.address))
    replace(list, h('h2', { id: 'h-stored' }, 'Keys in this browser'), table(['name', 'address', 'state', ''], storedKeys().map((k) => {
      const pass = h('input', { type: 'password', autocomplete: 'current-password', 'aria-label': `Passphrase for ${k.name}` })
      const out = h('div', {})
      const unlockBtn = h('button', { type: 'submit' }, 'Unlock')
      const forgetBtn = h('button', { type: 'button', class: 'secondary' }, 'Delete')
      forgetBtn.addEventListener('click', () => {
        if (confirm(`Delete the key "${k.name}" from this browser? Without a copy of its key file, the account is lost.`)) {
          forget(k.address)
          drawList()
        }
      })
      const lockBtn = h('button', { type: 'button', class: 'secondary' }, 'Lock')
      lockBtn.addEventListener('click', () => {
        lock(k.address)
        drawList()
      })
      const form = h('form', { class: 'row', onsubmit: (e: Event) => {
        e.preventDefault()
        void act(unlockBtn, out, async () => {
          await unlock(k.address, pass.value)
          pass.value = ''
          setTimeout(drawList, 600)
          return `"${k.name}" is unlocked in this tab.`
        })
      } }, pass, unlockBtn)
      return [k.name, h('code', {}, k.address), open.has(k.address) ? badge('ok', 'unlocked') : badge('info', 'locked'), h('div', {}, open.has(k.address) ? lockBtn : form, forgetBtn, out)]
    }), 'Stored encrypted (AES-GCM, PBKDF2 passphrase) in this browser only'))
  }
  drawList()

  const file = h('input', { type: 'file', accept: '.json,application/json' })
  const impName = h('input', { type: 'text', autocomplete: 'off', placeholder: 'from the file' })
  const impPass = h('input', { type: 'password', autocomplete: 'new-password' })
  const importForm = actionForm({ 'aria-labelledby': 'h-import' }, 'Import', [h('h2', { id: 'h-import' }, 'Import a key file'),
    field('Key file', file, 'A Polis key file ({"type": "polis/ed25519", …}), as `polis keys add` writes them.'),
    field('Name (optional)', impName), field('Passphrase to encrypt it with', impPass, 'At least 8 characters. Needed to unlock the key in this browser.')], async () => {
    const f = file.files?.[0]
    if (!f) throw new Error('Choose a key file first (e.g. .polis/city-a/keys/citizen-1.json).')
    const k = await importKeyFile(await f.text(), f.name, impPass.value, impName.value.trim() || undefined)
    impPass.value = ''
    file.value = ''
    drawList()
    return `Imported "${k.name}" (${k.address.slice(0, 12)}…), encrypted under your passphrase, and unlocked it.`
  })

  const newName = h('input', { type: 'text', autocomplete: 'off' })
  const newPass = h('input', { type: 'password', autocomplete: 'new-password' })
  const createForm = actionForm({ 'aria-labelledby': 'h-create' }, 'Create', [h('h2', { id: 'h-create' }, 'Create a key'), field('Name', newName), field('Passphrase', newPass, 'At least 8 characters.')], async () => {
    const k = await createKey(newName.value.trim(), newPass.value)
    newPass.value = ''
    drawList()
    return `Created "${k.name}": address ${k.address}. Ask the city to register it before it can send transactions.`
  })

  replace(ctx.root, h('h1', {}, 'Keys'),
    h('p', { class: 'muted' }, 'Keys never leave this browser: they are stored encrypted with WebCrypto under your passphrase, unlocked only in this tab, and every transaction is signed here.'),
    list, h('div', { class: 'grid2' }, h('section', {}, importForm), h('section', {}, createForm)))
}
