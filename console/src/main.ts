/** The city console: one web app over every city of the network (see console/README.md). */
import './platform/buffer-global.ts'
import './style.css'
import { Network } from './cities.ts'
import type { Ctx, Page } from './app.ts'
import { h, replace } from './ui/dom.ts'
import { networkPage } from './pages/network.ts'
import { explorerPage } from './pages/explorer.ts'
import { keysPage } from './pages/keys.ts'
import { transferPage } from './pages/transfer.ts'
import { securityPage } from './pages/security.ts'
import { servicesPage } from './pages/services.ts'
import { transportPage } from './pages/transport.ts'
import { bridgePage } from './pages/bridge.ts'
import { votingPage } from './pages/voting.ts'

const PAGES: Array<{ path: string; title: string; page: Page }> = [
  { path: 'network', title: 'Network', page: networkPage },
  { path: 'explorer', title: 'Explorer', page: explorerPage },
  { path: 'keys', title: 'Keys', page: keysPage },
  { path: 'transfer', title: 'Transfer', page: transferPage },
  { path: 'security', title: 'Security', page: securityPage },
  { path: 'services', title: 'Citizen services', page: servicesPage },
  { path: 'transport', title: 'Transport', page: transportPage },
  { path: 'bridge', title: 'Bridge', page: bridgePage },
  { path: 'voting', title: 'Voting', page: votingPage },
]

const nav = document.getElementById('nav')!
const main = document.getElementById('main')!
const net = await Network.load()
let leave: (() => void) | void

function route(): void {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent)
  const entry = PAGES.find((p) => p.path === parts[0]) ?? PAGES[0]!
  replace(nav, h('ul', {}, ...PAGES.map((p) => h('li', {}, h('a', { href: `#/${p.path}`, 'aria-current': p === entry ? 'page' : undefined }, p.title)))))
  if (leave) leave()
  document.title = `${entry.title} · Polis city console`
  const root = h('div', { class: 'page', 'data-page': entry.path })
  replace(main, root)
  const ctx: Ctx = { net, root, params: parts.slice(1).filter(Boolean), go: (p) => (location.hash = `#/${p}`) }
  try {
    leave = entry.page(ctx)
  } catch (e) {
    replace(root, h('p', { class: 'msg error', role: 'alert' }, `This page failed: ${(e as Error).message}`))
  }
}

window.addEventListener('hashchange', () => {
  route()
  main.focus({ preventScroll: true })
})
route()
