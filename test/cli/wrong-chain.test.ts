/** A home whose own node is not running must not be served by another chain's node on its port (issue 19, item 2). */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { makeHome } from '../../src/kit/node-launcher.js'
import { cli } from '../helpers/cli.js'
import { useNode } from '../helpers/use-node.js'

const running = makeHome({ chainId: 'city-two', name: 'polis-wrong-chain-running' })
const idle = makeHome({ chainId: 'city-one', name: 'polis-wrong-chain-idle' })
// the same chain id, another genesis (other keys): only the genesis hash tells them apart
const twin = makeHome({ chainId: 'city-two', name: 'polis-wrong-chain-twin' })
after(() => {
  idle.remove()
  twin.remove()
})
const node = useNode(() => ({ home: running.home }), { stopped: () => running.remove() })
const onNodePort = (home: string, ...argv: string[]) => cli(['--home', home, ...argv], { env: { POLIS_API_PORT: new URL(node.url).port } })

test('the CLI refuses a node of another chain on the home\'s port, naming both; its own node is served', async () => {
  const own = await onNodePort(running.home, 'query', 'balance', 'citizen-1')
  assert.equal(own.code, 0, own.stderr)

  const other = await onNodePort(idle.home, 'query', 'balance', 'citizen-1')
  assert.equal(other.code, 1, other.stdout)
  assert.equal(other.stdout, '')
  assert.match(other.stderr, /runs chain "city-two".*home .*polis-wrong-chain-idle.* is chain "city-one".*\[wrong_chain_id/)

  const sameId = await onNodePort(twin.home, '--json', 'query', 'balance', 'citizen-1')
  assert.equal(sameId.code, 1, sameId.stdout)
  assert.match(sameId.stderr, /"error": ?"wrong_chain_id"/)
  assert.match(sameId.stderr, /runs chain \\"city-two\\" \(genesis [0-9a-f]{16}…\), but home .* is chain \\"city-two\\" \(genesis [0-9a-f]{16}…\)/)
})
