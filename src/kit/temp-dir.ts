/** The test kit's temporary directories (for tests, benchmarks and simulations). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function tmpDir(name = 'polis-test'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), name + '-'))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}
