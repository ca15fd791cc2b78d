/**
 * MQTT ingestion over real sockets: the embedded aedes broker; an external broker by URL (aedes
 * in a separate process standing in for one, killed and restarted to check the subscriber comes
 * back); a real Mosquitto (Debian's package; .ci/run installs it), started and stopped here.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { deviceFromTopic, startEmbeddedBroker, subscribeMqtt } from '../../src/siem/mqtt.js'
import { openSender } from '../../src/siem/send.js'
import { REPO } from '../../src/kit/node-launcher.js'
import { freePort } from '../../src/kit/free-port.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
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

/** Debian's mosquitto binary (in /usr/sbin, often not on a user's PATH); .ci/run installs the package. */
function mosquittoBinary(): string {
  const onPath = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).stdout.trim()
  const bin = onPath || ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto'].find((p) => existsSync(p))
  if (!bin) throw new Error("mosquitto is not installed: `apt-get install mosquitto` (.ci/run installs it when missing)")
  return bin
}

/** Mosquitto on a free loopback port with its own config file in a temp dir; `restart()` keeps the port. */
async function startMosquitto(): Promise<{ url: string; restart(): Promise<void>; stop(): Promise<void> }> {
  const bin = mosquittoBinary()
  const dir = tmpDir('polis-mosquitto')
  const port = await freePort()
  const conf = join(dir.path, 'mosquitto.conf')
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', 'log_type information', ''].join('\n'))
  let child: ChildProcess
  let out = ''
  const launch = () => {
    out = ''
    child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout!.on('data', (d: Buffer) => void (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => void (out += d.toString()))
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    child.kill('SIGTERM')
    await exited
  }
  launch()
  // mosquitto says so once its listener is bound (or exits saying why)
  await until('mosquitto to listen', async () => {
    if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode})`)
    return /running/.test(out) ? true : undefined
  }, 10_000, 20).catch((e) => {
    throw new Error(`${(e as Error).message}\n${out}`)
  })
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async restart() {
      await stop()
      launch()
      await until('mosquitto to listen again', async () => (/running/.test(out) ? true : undefined), 10_000, 20)
    },
    async stop() {
      await stop()
      dir.remove()
    },
  }
}

test('external broker: a real Mosquitto (started here on a free port): messages flow, and the subscriber comes back after Mosquitto restarts', async () => {
  const broker = await startMosquitto()
  const { got, sink } = collect()
  let sub: Awaited<ReturnType<typeof subscribeMqtt>> | undefined
  try {
    sub = await subscribeMqtt(broker.url, ['siem/#'], sink, { deviceLevel: 1, connectTimeoutMs: 5000 })
    const pub = await openSender(`${broker.url}/siem/cam-5/events`)
    await pub.send('{"message":"via mosquitto"}')
    await pub.close()
    await until('the message', async () => (got.length ? true : undefined), 10_000, 20)
    assert.equal(got[0]!.device, 'cam-5')
    assert.equal(got[0]!.payload.toString(), '{"message":"via mosquitto"}')
    await broker.restart()
    await until('a message after the restart', async () => {
      const p = await openSender(`${broker.url}/siem/cam-6/events`)
      await p.send('after restart')
      await p.close()
      return got.some((g) => g.payload.toString() === 'after restart' && g.device === 'cam-6') ? true : undefined
    }, 20_000, 500)
  } finally {
    await sub?.close()
    await broker.stop()
  }
})
