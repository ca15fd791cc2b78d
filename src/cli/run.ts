/** Running the CLI as a process: real stdout/stderr, signals, exit status. */
import { runCli } from './program.js'
import type { CliIO } from './context.js'

export function processIO(): CliIO {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    env: process.env,
    cwd: process.cwd(),
    errIsTTY: process.stderr.isTTY === true,
    waitForStop: () =>
      new Promise<string>((resolve) => {
        let stopping = false
        const on = (sig: NodeJS.Signals) => {
          if (stopping) {
            process.stderr.write(`${sig} again: exiting without waiting\n`)
            process.exit(130)
          }
          stopping = true
          resolve(sig)
        }
        process.on('SIGINT', on)
        process.on('SIGTERM', on)
      }),
  }
}

/** Runs the CLI and exits once output is flushed (an idle keep-alive socket must not hold the process). */
export async function main(argv = process.argv.slice(2)): Promise<never> {
  const code = await runCli(argv, processIO())
  await new Promise<void>((r) => process.stdout.write('', () => r()))
  await new Promise<void>((r) => process.stderr.write('', () => r()))
  process.exit(code)
}
