/** Test helpers for the SIEM agents: a `bin/polis` process waited on until its output matches, and polling. */
import { spawn, type ChildProcess } from 'node:child_process'
import { POLIS_BIN, REPO, cleanEnv } from '../sdk/polis-node.js'

export interface AgentProcess {
  child: ChildProcess
  stdout(): string
  stderr(): string
  stop(signal?: NodeJS.Signals): Promise<void>
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL')
})

/** Runs `bin/polis <args>` until stdout matches `ready`; a process that exits or hangs first fails the test. */
export async function startAgent(args: string[], ready: RegExp, env: Record<string, string> = {}, timeoutMs = 30_000, cwd = REPO): Promise<AgentProcess> {
  const child = spawn(process.execPath, [POLIS_BIN, ...args], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    live.delete(child)
    resolve()
  }))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${args.join(' ')}: not ready within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`))
    }, timeoutMs)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (ready.test(out)) {
        clearTimeout(timer)
        resolve()
      }
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`${args.join(' ')}: exited before ready\nstdout:\n${out}\nstderr:\n${err}`))
    })
  })
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
}

/** Polls `fn` until it returns a value that is not undefined. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
