/**
 * CPU-profiles a child Node process from start to exit, for processes that cannot be given
 * `--cpu-prof` (not allowed in NODE_OPTIONS). Only processes whose command line contains
 * $POLIS_CPU_PROFILE_MATCH are profiled; each writes <pid>.cpuprofile into $POLIS_CPU_PROFILE_DIR.
 *
 *   POLIS_CPU_PROFILE_DIR=/tmp/p POLIS_CPU_PROFILE_MATCH=cometbft-process \
 *   NODE_OPTIONS="--import $PWD/bench/cpu-profile-preload.mjs" npm run bench:cometbft -- --skip-kvstore
 *   node --import tsx bench/profile-summary.ts /tmp/p/<pid>.cpuprofile
 */
import { Session } from 'node:inspector'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.env.POLIS_CPU_PROFILE_DIR
const match = process.env.POLIS_CPU_PROFILE_MATCH ?? ''
if (dir && process.argv.join(' ').includes(match)) {
  const session = new Session()
  session.connect()
  session.post('Profiler.enable')
  session.post('Profiler.start')
  process.on('exit', () => {
    // in the main thread the inspector answers synchronously, so this runs before the exit
    session.post('Profiler.stop', (err, r) => {
      if (err) return
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(r.profile))
    })
  })
}
