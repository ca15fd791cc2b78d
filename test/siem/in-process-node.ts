/**
 * A city chain in this process for the SIEM agent tests: the solo engine with the city's modules,
 * its HTTP API on a loopback port, and a client. `extra` modules are added (test fixtures).
 */
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { SoloBackend } from '../../src/engine/solo/backend.js'
import { buildServer } from '../../src/api/server.js'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { cityModules } from '../../src/chain/city-modules.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import type { Module } from '../../src/app/module.js'

export async function inProcessNode(name: string, extra: Module[] = []) {
  const city = testCity({ chainId: name })
  const dir = tmpDir(name)
  const engine = await SoloEngine.open({ dataDir: dir.path + '/chain', genesis: city.genesis, validatorKey: city.validator, verifyThreads: 0, blockIntervalMs: 20, modules: [...cityModules(), ...extra] })
  engine.start()
  const server = await buildServer({ backend: new SoloBackend(engine) })
  const url = await server.app.listen({ port: 0, host: '127.0.0.1' })
  return {
    city, url, dir: dir.path, client: new PolisClient(url),
    async stop() {
      await server.app.close()
      await engine.stop()
      dir.remove()
    },
  }
}
