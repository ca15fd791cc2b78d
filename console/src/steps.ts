/** A verification's steps, each with its verdict: once one fails, the rest are skipped, never passed. */
export type Verdict = 'pass' | 'fail' | 'skipped'
export interface Step { name: string; verdict: Verdict; detail: string }

/** Runs named checks in order; after the first failure the rest are recorded as skipped, never as passed. */
export class Steps {
  readonly steps: Step[] = []
  failed = false

  async run(name: string, fn: () => Promise<string> | string): Promise<boolean> {
    if (this.failed) {
      this.steps.push({ name, verdict: 'skipped', detail: 'not checked: an earlier step failed' })
      return false
    }
    try {
      this.steps.push({ name, verdict: 'pass', detail: await fn() })
      return true
    } catch (e) {
      this.failed = true
      this.steps.push({ name, verdict: 'fail', detail: (e as Error).message })
      return false
    }
  }
}
