/**
 * Starts a worker thread on a module named by its TypeScript source. Compiled, the worker runs the
 * .js beside this code. From sources, Node 20 does not apply the parent's `--import tsx` hooks to a
 * worker's entry module, so the worker first registers tsx itself, then imports it.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads'
import { runnableModule } from './module-entry.js'

export function startTsWorker(sourceUrl: URL, options: WorkerOptions = {}): Worker {
  const moduleUrl = runnableModule(sourceUrl)
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options)
  // Resolved here, not in the worker: the worker's own resolution starts from the current directory.
  const tsxApi = import.meta.resolve('tsx/esm/api')
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}) })`
  return new Worker(bootstrap, { ...options, eval: true })
}
