/**
 * One node for a test file: started before its tests, stopped gracefully after them (it must exit 0),
 * its home removed if the launcher made it.
 *
 *   const node = useNode({ city, blockIntervalMs: 10 })
 *   const node = useNode(() => ({ home: makeHome().home }), { setup: async (n) => …, stopped: () => … })
 *   test('…', async () => { await fetch(node.url + '/v1/status') })
 *
 * `node` stands for the running node (its url, output, …) inside the tests and hooks. Put the file's
 * own preparation in `setup`, not in another top-level before(): Node 20 starts top-level before
 * hooks together, without waiting for the one that starts the node.
 */
import { after, before } from 'node:test'
import assert from 'node:assert/strict'
import { launchNode, type Exit, type NodeOptions, type NodeProcess } from '../../src/kit/node-launcher.js'

export interface UseNodeHooks {
  /** In the before hook, once the node listens (accounts, first transactions, …). */
  setup?(node: NodeProcess): unknown
  /** In the after hook, before the node stops (agents, stores, clients that use it). */
  teardown?(): unknown
  /** Once the node has exited 0 (checks on its output, removing a home the test made). */
  stopped?(exit: Exit, node: NodeProcess): unknown
}

export function useNode(options: NodeOptions | (() => NodeOptions | Promise<NodeOptions>), hooks: UseNodeHooks = {}): NodeProcess {
  let current: NodeProcess | undefined
  const node = (): NodeProcess => current ?? assert.fail('the node is not running (use it inside tests and hooks)')
  before(async () => {
    current = await launchNode(typeof options === 'function' ? await options() : options)
    await hooks.setup?.(current)
  })
  after(async () => {
    if (!current) return
    try {
      await hooks.teardown?.()
    } finally {
      const exit = await current.stop()
      current.cleanup()
      try {
        assert.deepEqual(exit, { code: 0, signal: null }, `the node did not stop cleanly:\n${current.output()}`)
      } finally {
        await hooks.stopped?.(exit, current)
      }
    }
  })
  return {
    get url() { return node().url },
    get home() { return node().home },
    get listening() { return node().listening },
    get child() { return node().child },
    stdout: () => node().stdout(),
    stderr: () => node().stderr(),
    output: () => node().output(),
    stop: (signal) => node().stop(signal),
    restart: () => node().restart(),
    cleanup: () => node().cleanup(),
  }
}
