/**
 * Test helpers for the SDK and CLI tests: a node home made by `initHome`, a real node started as
 * a child process with `bin/polis start --json` (loopback, port 0), and the CLI run in process
 * with captured output or as the real `bin/polis` executable.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { initHome, type InitResult } from '../../src/node/config.js'
import { runCli } from '../../src/cli/program.js'
import type { CliIO } from '../../src/cli/context.js'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))
export const POLIS_BIN = join(REPO, 'bin', 'polis')

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL')
})

/** The environment of a child: no POLIS_* leaking in from the developer's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('POLIS_')) env[k] = v
  return { ...env, ...extra }
}

export interface TestHome extends InitResult {
  root: string
  remove(): void
}

/** A fresh home (3 citizens by default) in a temp dir; API port 0, short block interval. */
export function makeHome(opts: { chainId?: string; sampleAccounts?: number; name?: string } = {}): TestHome {
  const root = mkdtempSync(join(tmpdir(), `${opts.name ?? 'polis-sdk'}-`))
  const r = initHome({ home: join(root, 'home'), chainId: opts.chainId, sampleAccounts: opts.sampleAccounts ?? 3, apiPort: 0, blockIntervalMs: 20, logLevel: 'warn' })
  return { ...r, root, remove: () => rmSync(root, { recursive: true, force: true }) }
}

export interface PolisProcess {
  url: string
  child: ChildProcess
  /** The `listening` line `polis start --json` printed (just the URL in human mode). */
  listening: Record<string, string>
  stdout(): string
  stderr(): string
  /** Sends a signal and resolves with the exit status once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Runs `bin/polis <args>` (or a script) as a process until it says where it listens (the
 * `listening` JSON line, or the human "API <url>" line); a process that fails to start is killed.
 */
export async function startPolis(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; script?: string } = {}): Promise<PolisProcess> {
  const entry = opts.script ? ['--import', 'tsx', opts.script] : [POLIS_BIN]
  const child = spawn(process.execPath, [...entry, ...args], { cwd: REPO, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child)
      resolve({ code, signal })
    })
  })
  const listening = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`node did not start within ${opts.timeoutMs ?? 20000} ms\nstdout:\n${out}\nstderr:\n${err}`))
    }, opts.timeoutMs ?? 20000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const human = /^ {2}API {6}(http:\/\/\S+)/m.exec(out)
      if (human) {
        clearTimeout(timer)
        resolve({ event: 'listening', url: human[1]! })
      }
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue
        try {
          const j = JSON.parse(line) as Record<string, string>
          if (j.event === 'listening') {
            clearTimeout(timer)
            resolve(j)
          }
        } catch {
          // a partial line: wait for more
        }
      }
    })
    void exited.then((s) => {
      clearTimeout(timer)
      reject(new Error(`node exited (${s.code ?? s.signal}) before listening\nstdout:\n${out}\nstderr:\n${err}`))
    })
  })
  return {
    url: listening.url!,
    child,
    listening,
    stdout: () => out,
    stderr: () => err,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

/** Runs the real `bin/polis` executable to completion. */
export function runBin(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(POLIS_BIN, args, { cwd: opts.cwd ?? REPO, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] })
    live.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('exit', (code) => {
      live.delete(child)
      resolve({ code, stdout, stderr })
    })
  })
}

export interface CliRun { code: number; stdout: string; stderr: string; json<T = any>(): T }

/** Runs the CLI in this process with captured output (fast: no process start). */
export async function cli(argv: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const io: CliIO = { out: (s) => void (stdout += s), err: (s) => void (stderr += s), env: cleanEnv(opts.env), cwd: opts.cwd ?? REPO }
  const code = await runCli(argv, io)
  return {
    code,
    stdout,
    stderr,
    json: () => {
      try {
        return JSON.parse(stdout)
      } catch {
        throw new Error(`not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`)
      }
    },
  }
}
