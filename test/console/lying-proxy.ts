/**
 * A node that lies, for the console's tests: an HTTP (and WebSocket) proxy in front of a real city
 * that forwards everything, except that, depending on its mode, it tampers with what a light client
 * checks: the ICS-23 proof, the stored value, the signed header, a CometBFT validator set, the
 * balance the plain API shows, or the inclusion proofs of SIEM evidence in the correlators'
 * attestations of a block. A solo or a CometBFT city; or, in front of a SIEM collector, the content
 * of an event it serves with its inclusion proof (`entry`).
 * `/v1/network` is rewritten so that the console served through the proxy talks to the proxy.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { createHash } from 'node:crypto'
import { decodeTx, encodeBody } from '../../src/app/tx.js'
import { encodeCanonical } from '../../src/codec/cbor.js'
import { SIEM_MSG } from '../../src/modules/siem/types.js'
import { parseHeader } from '../../src/lightclient/json.js'
import { headerHash as cometHeaderHash } from '../../src/lightclient/hash.js'
import { toHex } from '../../src/base/bytes.js'

export type LieMode = 'none' | 'proof' | 'value' | 'header' | 'validators' | 'shown' | 'inclusion' | 'entry'

const flipHexAt = (hex: string, i: number) => hex.slice(0, i) + ((parseInt(hex[i]!, 16) ^ 1).toString(16)) + hex.slice(i + 1)

/** The transaction with the first hash of every inclusion proof of its siem/attest evidence flipped (its signature no longer matches: a light client does not need it to). */
function tamperAttestation(hex: string): string {
  const tx = decodeTx(Buffer.from(hex, 'hex'))
  let changed = false
  for (const m of tx.body.msgs) {
    if (m.type !== SIEM_MSG.attest) continue
    for (const e of m.value.evidence as Array<{ proof: Uint8Array[] }>) {
      if (!e.proof.length) continue
      const p = new Uint8Array(e.proof[0]!)
      p[0] = p[0]! ^ 1
      e.proof[0] = p
      changed = true
    }
  }
  return changed ? Buffer.from(encodeCanonical([encodeBody(tx.body), tx.signature])).toString('hex') : hex
}

/** The height a `/v1/headers/{h}` or `/v1/validators/{h}` path asks for (none for other paths). */
const heightOf = (path: string) => /^\/v1\/(?:headers|validators)\/([0-9]+)$/.exec(path)?.[1]

function tamper(path: string, body: string, mode: LieMode, fromHeight: bigint): string {
  if (mode === 'none') return body
  const h = heightOf(path)
  if (h !== undefined && BigInt(h) < fromHeight) return body
  const j = JSON.parse(body) as Record<string, any>
  if (path.startsWith('/v1/store/') && mode === 'proof' && typeof j.proof === 'string') j.proof = flipHexAt(j.proof, Math.floor(j.proof.length / 2))
  if (path.startsWith('/v1/store/') && mode === 'value' && typeof j.value === 'string') {
    const hex = (BigInt('0x' + (j.value || '0')) + 1_000_000n).toString(16)
    j.value = hex.length % 2 ? '0' + hex : hex
  }
  if (path.startsWith('/v1/headers/') && mode === 'header' && j.engine === 'cometbft' && j.header && j.commit) {
    // a CometBFT liar claims another app hash and makes the header hash and the commit's block id
    // agree with it: only the validators' signatures (over the real block id) give it away
    j.header.app_hash = 'FF'.repeat(String(j.header.app_hash).length / 2)
    const forged = toHex(cometHeaderHash(parseHeader(j.header))).toUpperCase()
    j.commit.block_id.hash = forged
    j.hash = forged.toLowerCase()
  }
  if (path.startsWith('/v1/headers/') && mode === 'header' && typeof j.header_cbor === 'string') {
    // a liar that claims another app hash and recomputes the header hash: only the signature gives it away
    const appHash = String(j.header?.app_hash ?? '')
    const forged = 'ff'.repeat(appHash.length / 2)
    j.header_cbor = String(j.header_cbor).replace(appHash, forged)
    if (j.header) j.header.app_hash = forged
    j.hash = createHash('sha256').update(Buffer.from(j.header_cbor, 'hex')).digest('hex')
  }
  if (path.startsWith('/v1/validators/') && mode === 'validators' && Array.isArray(j.validators) && j.validators.length) {
    // a validator set with one more unit of power than the real one: its hash is not validators_hash
    j.validators[0].voting_power = String(BigInt(j.validators[0].voting_power) + 1n)
  }
  if (path === '/v1/proof' && mode === 'entry' && typeof j.entry === 'string') {
    // a collector that shows other content for an event than the entry its log holds
    j.entry = j.entry.replace(/root/g, 'toor').replace(/[0-9]/, (d: string) => String((Number(d) + 1) % 10))
  }
  if (path.startsWith('/v1/blocks/') && mode === 'inclusion' && Array.isArray(j.txs)) j.txs = j.txs.map((t: string) => tamperAttestation(t))
  if (path.startsWith('/v1/accounts/') && mode === 'shown' && Array.isArray(j.balances)) {
    for (const b of j.balances) b.amount = (BigInt(b.amount) + 1_000_000n).toString()
  }
  return JSON.stringify(j)
}

/** `fromHeight`: headers and validator sets below it are passed through untouched (default: none are). */
export interface LyingProxy { url: string; mode: LieMode; fromHeight: bigint; close(): Promise<void> }

/** `port`: listen there (a port chosen beforehand, e.g. one the console's CSP already allows); default any free port. */
export async function lyingProxy(target: string, chainId: string, port = 0): Promise<LyingProxy> {
  const t = new URL(target)
  const state: LyingProxy = { url: '', mode: 'none', fromHeight: 0n, close: async () => undefined }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } }, (r) => {
      const chunks: Buffer[] = []
      r.on('data', (c: Buffer) => chunks.push(c))
      r.on('end', () => {
        let body: Buffer | string = Buffer.concat(chunks)
        const json = String(r.headers['content-type'] ?? '').startsWith('application/json') && (r.statusCode ?? 500) < 300
        if (json && path === '/v1/network') {
          const j = JSON.parse(body.toString('utf8')) as { cities: Array<{ name: string; url: string }> }
          for (const c of j.cities) if (c.name === chainId) c.url = state.url
          body = JSON.stringify(j)
        } else if (json) body = tamper(path, body.toString('utf8'), state.mode, state.fromHeight)
        const headers = { ...r.headers }
        delete headers['content-length']
        delete headers['transfer-encoding']
        res.writeHead(r.statusCode ?? 502, headers)
        res.end(body)
      })
    })
    up.on('error', () => {
      res.writeHead(502)
      res.end()
    })
    req.pipe(up)
  })
  const sockets = new Set<{ destroy(): void }>()
  server.on('connection', (c) => {
    sockets.add(c)
    c.on('close', () => sockets.delete(c))
  })
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const up = connect(Number(t.port), t.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`]
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i]!.toLowerCase() === 'host' ? t.host : req.rawHeaders[i + 1]}`)
      up.write(lines.join('\r\n') + '\r\n\r\n')
      up.write(head)
      socket.pipe(up).pipe(socket)
    })
    sockets.add(up)
    up.on('close', () => sockets.delete(up))
    up.on('error', () => socket.destroy())
    socket.on('error', () => up.destroy())
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  state.close = () => new Promise<void>((r) => {
    server.close(() => r())
    for (const c of sockets) c.destroy() // upgraded WebSocket streams too, which closeAllConnections() leaves open
  })
  return state
}
