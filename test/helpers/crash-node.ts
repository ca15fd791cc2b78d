// A solo node under a steady load of transfers, for the crash test: the parent kills it with SIGKILL.
// Usage: node --import tsx test/helpers/crash-node.ts DATA_DIR CITIZENS
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { Signer } from '../../src/kit/signer.js'

const [dataDir, citizens] = process.argv.slice(2)
const city = testCity({ chainId: 'crash-city', citizens: Number(citizens) })
const engine = await SoloEngine.open({ dataDir: dataDir!, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 2, verifyThreads: 1 })
engine.on('block', (b) => process.stdout.write(`height ${b.block.signed.header.height}\n`))
engine.start()
const signer = new Signer(city.chainId)
const nonces = city.citizens.map((c) => {
  const r = engine.app.query({ path: 'identity/account', data: utf8(JSON.stringify({ address: toHex(c.publicKey) })) })
  return r.code === 0 ? BigInt(JSON.parse(Buffer.from(r.value!).toString()).nonce) : 0n
})
process.stdout.write('ready\n')
let i = 0
for (;;) {
  const batch: Promise<unknown>[] = []
  for (let j = 0; j < 50; j++, i++) {
    const from = i % city.citizens.length
    const to = (i * 7 + 3) % city.citizens.length
    const tx = signer.tx(city.citizens[from]!, [{ type: 'bank/send', value: { to: city.citizens[to]!.publicKey, amount: BigInt(1 + (i % 5)) } }], { nonce: nonces[from]! })
    nonces[from]!++
    batch.push(engine.submit(tx))
  }
  await Promise.all(batch)
  await new Promise((r) => setTimeout(r, 1))
}
