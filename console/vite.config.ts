/**
 * The city console's build (Vite). The console bundles the SDK's own verification code
 * (src/sdk/proof.ts, src/commitment/verify.ts, the solo header format, the transaction encoding);
 * the few files under it that use node-only APIs (node:crypto, Buffer) are swapped here, for this
 * bundle only, for browser versions in console/src/platform/ (@noble/hashes, @noble/curves), so
 * Node users of the SDK keep node:crypto and nothing in src/ changes behaviour.
 */
import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'
import { defineConfig, type Plugin } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))
const src = resolve(root, '../src')
const platform = resolve(root, 'src/platform')

/** node-only module of src/ → its browser version (which may import the original for what is portable). */
const BROWSER_VERSIONS: Record<string, string> = {
  [resolve(src, 'base/bytes.ts')]: resolve(platform, 'bytes.ts'),
  [resolve(src, 'codec/amount.ts')]: resolve(platform, 'amount.ts'),
  [resolve(src, 'crypto/hash.ts')]: resolve(platform, 'hash.ts'),
  [resolve(src, 'crypto/keys.ts')]: resolve(platform, 'keys.ts'),
}
/** node built-ins still imported by bundled files of src/ → their browser versions. */
const BROWSER_BUILTINS: Record<string, string> = {
  'node:crypto': resolve(platform, 'node-crypto.ts'),
}

function browserPlatform(): Plugin {
  return {
    name: 'polis-browser-platform',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer || importer.startsWith(platform)) return null
      if (BROWSER_BUILTINS[source]) return { id: BROWSER_BUILTINS[source] }
      const r = await this.resolve(source, importer, { ...options, skipSelf: true })
      if (!r) return null
      const swap = BROWSER_VERSIONS[r.id.split('?')[0]!]
      return swap ? { id: swap } : null
    },
  }
}

export default defineConfig({
  root,
  base: '/console/',
  plugins: [browserPlatform()],
  resolve: {
    // src/ imports its TypeScript files as `./x.js` (NodeNext); Vite resolves those to the .ts
    extensions: ['.ts', '.js'],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0, // no data: URLs, so the CSP can stay strict
    modulePreload: { polyfill: false }, // the polyfill is an inline script
    chunkSizeWarningLimit: 1200,
  },
})
