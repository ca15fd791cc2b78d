/**
 * MQTT ingestion over real sockets: the embedded aedes broker; an external broker by URL (aedes
 * in a separate process standing in for one, killed and restarted to check the subscriber comes
 * back); Mosquitto too if its binary is installed.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { deviceFromTopic, startEmbeddedBroker, subscribeMqtt } from '../../src/siem/mqtt.js'
import { openSender } from '../../src/siem/send.js'
import { REPO } from '../../src/kit/node-launcher.js'
import { freePort } from '../../src/kit/free-port.js'
import { until } from '../helpers/until.js'

type Got = { payload: Buffer; topic: string; device?: string }

function collect(): { got: Got[]; sink: (p: Uint8Array, m: { topic: string; device?: string }) => void } {
  const got: Got[] = []
  return { got, sink: (p, m) => got.push({ payload: Buffer.from(p), ...m }) }
}

/** An aedes broker in its own process on `port` (0: any); resolves with the port it printed. */
async function brokerProcess(port = 0): Promise<{ port: number; child: ChildProcess; kill(): Promise<void> }> {
  const script = `import { Aedes } from 'aedes'; import { createServer } from 'node:net';
    const b = await Aedes.createBroker(); const s = createServer(b.handle);
    s.listen(${port}, '127.0.0.1', () => console.log('PORT ' + s.address().port))`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  const p = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /PORT (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.once('exit', (c) => reject(new Error(`broker process exited (${c}): ${out}`)))
  })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  return { port: p, child, kill: async () => void (child.kill('SIGKILL'), await exited) }
}

test('the device id is taken from the configured topic level', () => {
  assert.equal(deviceFromTopic('siem/cam-17/events', 1), 'cam-17')
  assert.equal(deviceFromTopic('siem/cam-17/events', 5), undefined)
  assert.equal(deviceFromTopic('siem//events', 1), undefined)
  assert.equal(deviceFromTopic('siem/cam-17/events', undefined), undefined)
})

test('embedded broker: QoS 1 publishes from a real client reach the collector, garbage included', async () => {
  const broker = await startEmbeddedBroker()
  const { got, sink } = collect()
  const sub = await subscribeMqtt(broker.url, ['siem/#'], sink, { deviceLevel: 1 })
  const pub = await openSender(`${broker.url}/siem/cam-3/events`)
  await pub.send('{"message":"hello"}')
  await pub.close()
  const raw = await openSender(`${broker.url}/siem/cam-4/raw`)
  await raw.send('\u00ff\u0000 not json')
  await raw.close()
  await until('2 messages', async () => (got.length >= 2 ? true : undefined), 10_000, 20)
  assert.deepEqual(got.map((g) => [g.topic, g.device]), [['siem/cam-3/events', 'cam-3'], ['siem/cam-4/raw', 'cam-4']])
  assert.equal(got[0]!.payload.toString(), '{"message":"hello"}')
  await sub.close()
  await broker.close()
})

test('external broker by URL (aedes in another process): messages flow, and the subscriber comes back after the broker restarts', async () => {
  let b = await brokerProcess()
  const url = `mqtt://127.0.0.1:${b.port}`
  const { got, sink } = collect()
  const sub = await subscribeMqtt(url, ['city/+/siem'], sink, { deviceLevel: 1 })
  try {
    const pub = await openSender(`${url}/city/gw-2/siem`)
    await pub.send('<34>1 2026-11-24T10:00:00Z dvr login 1 - - FAILED LOGIN 1 FROM 10.0.0.9 FOR root, Authentication failure')
    await pub.close()
    await until('the first message', async () => (got.length === 1 ? true : undefined), 10_000, 20)
    assert.equal(got[0]!.device, 'gw-2')
    await b.kill()
    b = await brokerProcess(b.port)
    // mqtt.js reconnects (1 s period) and resubscribes; keep publishing until one arrives
    await until('a message after the broker restart', async () => {
      const p = await openSender(`${url}/city/gw-2/siem`)
      await p.send('after restart')
      await p.close()
      return got.some((g) => g.payload.toString() === 'after restart') ? true : undefined
    }, 20_000, 500)
  } finally {
    await sub.close()
    await b.kill()
  }
})

const mosquitto = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).stdout.trim()
test('external broker: Mosquitto', { skip: mosquitto ? false : 'mosquitto is not installed (apt-get install mosquitto to run this test)' }, async () => {
  const port = await freePort()
  const child = spawn(mosquitto, ['-p', String(port)], { stdio: 'ignore' })
  try {
    const url = `mqtt://127.0.0.1:${port}`
    const { got, sink } = collect()
    const sub = await until('mosquitto to accept connections', async () => subscribeMqtt(url, ['siem/#'], sink, { deviceLevel: 1, connectTimeoutMs: 1000 }), 10_000, 200)
    const pub = await openSender(`${url}/siem/cam-5/events`)
    await pub.send('{"message":"via mosquitto"}')
    await pub.close()
    await until('the message', async () => (got.length ? true : undefined), 10_000, 20)
    assert.equal(got[0]!.device, 'cam-5')
    await sub.close()
  } finally {
    child.kill('SIGKILL')
  }
})
