/** The CLI in tests: run in this process with captured output, or as the real `bin/polis` executable. */
import { spawn } from 'node:child_process'
import { runCli } from '../../src/cli/program.js'
import type { CliIO } from '../../src/cli/context.js'
import { POLIS_BIN, REPO, cleanEnv, killOnExit } from '../../src/kit/node-launcher.js'

/** Runs the real `bin/polis` executable to completion. */
export function runBin(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(POLIS_BIN, args, { cwd: opts.cwd ?? REPO, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] })
    killOnExit(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('exit', (code) => resolve({ code, stdout, stderr }))
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
