// `npm run build` (run by `npm ci` through `prepare`): compiles src/ to dist/ (tsconfig.build.json),
// copies the files src/ reads at run time (Sigma schemas, built-in rules) beside the JavaScript, and
// stamps the build with the time it started. bin/polis runs dist/ only while that stamp is newer than
// every file and folder under src/, so a working tree never runs stale code.
import { copyFileSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const src = join(root, 'src')
const dist = join(root, 'dist')
const started = new Date()

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
if (r.status !== 0) process.exit(r.status ?? 1)

let copied = 0
const copyAssets = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) copyAssets(p)
    else if (!name.endsWith('.ts')) {
      const to = join(dist, relative(src, p))
      mkdirSync(dirname(to), { recursive: true })
      copyFileSync(p, to)
      copied++
    }
  }
}
copyAssets(src)

const stamp = join(dist, '.build-stamp')
writeFileSync(stamp, `${started.toISOString()}\n`)
utimesSync(stamp, started, started)
console.log(`built dist/ from src/ (${copied} data files copied) in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s`)
