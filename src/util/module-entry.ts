/**
 * Entries of other threads and processes. Polis runs either compiled (dist/, built by `npm run build`)
 * or from its TypeScript sources through tsx; a module names the entry it starts by its source
 * file (`new URL('./x-worker.ts', import.meta.url)`) and this maps it to what runs next to it.
 */
import { fileURLToPath } from 'node:url'

/** True when this code is the compiled JavaScript in dist/. */
export const RUNNING_COMPILED = !import.meta.url.endsWith('.ts')

/** The module to load for a sibling named by its .ts source: the compiled .js when running compiled. */
export function runnableModule(sourceUrl: URL): URL {
  if (!RUNNING_COMPILED || !sourceUrl.pathname.endsWith('.ts')) return sourceUrl
  return new URL(sourceUrl.href.replace(/\.ts$/, '.js'))
}

/** File and node arguments to fork or spawn a sibling module as a process (tsx only for TypeScript). */
export function processEntry(sourceUrl: URL): { file: string; execArgv: string[] } {
  const url = runnableModule(sourceUrl)
  const file = fileURLToPath(url)
  return { file, execArgv: file.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [] }
}
