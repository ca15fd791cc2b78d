/**
 * `Buffer` for the bundled files of src/ that use it (e.g. base64 in lightclient/json.ts, the CBOR
 * fast path): the `buffer` package, Node's Buffer API for browsers. Imported first by main.ts.
 */
import { Buffer } from 'buffer'

const g = globalThis as { Buffer?: unknown }
g.Buffer ??= Buffer
