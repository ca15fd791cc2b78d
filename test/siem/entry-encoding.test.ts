/** The fast entry path (native JSON.stringify over sorted events, packed arena, batch leaf hashing) gives the bytes and hashes of the general one. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { parseEvent } from '../../src/siem/parsers.js'
import { canonicalJson, type SiemEvent } from '../../src/siem/ecs.js'
import { canonicalEntryText } from '../../src/siem/entry-encoding.js'
import { EntryArena } from '../../src/siem/entry-arena.js'
import { leafHash, MerkleLog } from '../../src/siem/merkle-log.js'
import { applyDeviceIdentity } from '../../src/siem/identity.js'
import { toHex, utf8 } from '../../src/base/bytes.js'

const ctx = { receivedAt: Date.UTC(2026, 10, 24, 10, 0, 0), observer: { name: 'gw', type: 'collector' } }

test('parsed events: the fast text is the canonical JSON, with and without device identity added afterwards', () => {
  const inputs = [
    '<38>1 2026-11-24T10:00:00.000Z cam-1 sshd 1 - [x@1 b="2" a="1"] Failed password for root from 203.0.113.9 port 4000 ssh2',
    '<34>Nov 24 10:00:01 dvr-1 login[311]: FAILED LOGIN 1 FROM 203.0.113.9 FOR admin, Authentication failure',
    'CEF:0|Acme|IoTGuard|1.2|100|Telnet connection|3|src=203.0.113.9 spt=40000 dst=10.0.0.1 dpt=23 proto=TCP',
    JSON.stringify({ logtype: 6001, node_id: 'c', src_host: '203.0.113.9', dst_port: 23, logdata: { USERNAME: 'root', PASSWORD: 'x' } }),
    JSON.stringify({ src_ip: '203.0.113.9', message: 'm', '10': 'ten', '9': 'nine', zeta: true, 'é': 'ü' }),
    'garbage \u0000',
  ]
  const devices = new Map([['203.0.113.9', 'ab'.repeat(32)], ['10.9.9.9', 'cd'.repeat(32)]])
  for (const line of inputs) {
    const e = parseEvent(line, 'auto', ctx).event
    assert.equal(canonicalEntryText(e), canonicalJson(e), line)
    applyDeviceIdentity(e, { address: '10.9.9.9' }, devices) // host.id and blocksiem.source_device appended out of order
    assert.equal(canonicalEntryText(e), canonicalJson(e), line)
  }
})

test('fuzz (fast-check): any JSON-like value, keys in any order, encodes like canonicalJson', () => {
  const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('0', '1', '10', '9', '@timestamp', 'a', 'B', '__proto__x'), fc.nat(50).map(String))
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), tie('arr'), tie('obj')),
    arr: fc.array(tie('tree').filter((x) => x !== undefined), { maxLength: 4 }),
    obj: fc.array(fc.tuple(key, tie('tree')), { maxLength: 6 }).map((kv) => {
      const o: Record<string, unknown> = {}
      for (const [k, v] of kv) o[k] = v
      return o
    }),
  }))
  fc.assert(
    fc.property(fc.dictionary(key, tree, { maxKeys: 8 }), (o) => {
      assert.equal(canonicalEntryText(o as unknown as SiemEvent), canonicalJson(o))
    }),
    { numRuns: 2000, seed: 9162 },
  )
  // values the native serialiser would write differently take the general encoder
  for (const odd of [{ b: [1, undefined], a: new Date(0) }, JSON.parse('{"z":{"y":1,"__proto__":{"x":2}},"a":0}')]) {
    assert.equal(canonicalEntryText(odd as SiemEvent), canonicalJson(odd))
  }
})

test('entry arena: entries and leaf hashes as written, packed batches checked', () => {
  const a = new EntryArena()
  const texts = ['{"a":1}', '', 'ü€😀', 'x'.repeat(5_000_000)]
  for (const t of texts) a.addText(t)
  const i = a.addBytes(utf8('{"b":2}'))
  const packed = new Uint8Array([0, 0x31, 0, 0x32, 0x33])
  assert.equal(a.addPacked(packed, new Uint32Array([2, 5])), i + 1)
  const all = [...texts, '{"b":2}', '1', '23']
  assert.equal(a.size, all.length)
  all.forEach((t, k) => {
    assert.equal(Buffer.from(a.entry(k)).toString('utf8'), t)
    assert.equal(toHex(a.leafHash(k)), toHex(leafHash(utf8(t))))
  })
  assert.throws(() => a.entry(all.length), RangeError)
  assert.throws(() => a.addPacked(new Uint8Array([1, 0x31]), new Uint32Array([2])), RangeError, 'missing 0x00 prefix')
  assert.throws(() => a.addPacked(new Uint8Array([0, 0x31, 0]), new Uint32Array([2])), RangeError, 'ends do not cover the batch')
  assert.equal(a.size, all.length, 'a refused batch adds nothing')
})

test('merkle log: leaf hashes appended in batches give the roots and proofs of one-by-one appends', () => {
  const one = new MerkleLog()
  const batched = new MerkleLog()
  const leaves = Array.from({ length: 1000 }, (_, i) => leafHash(utf8(`e${i}`)))
  for (const l of leaves) one.appendLeafHash(l)
  for (const [from, to] of [[0, 1], [1, 7], [7, 300], [300, 301], [301, 1000]] as const) {
    const b = new Uint8Array(32 * (to - from))
    leaves.slice(from, to).forEach((l, k) => b.set(l, 32 * k))
    assert.equal(batched.appendLeafHashes(b), from)
  }
  for (const n of [1, 2, 3, 300, 511, 512, 1000]) assert.equal(toHex(batched.root(n)), toHex(one.root(n)))
  assert.deepEqual(batched.inclusionProof(777).map(toHex), one.inclusionProof(777).map(toHex))
  assert.deepEqual(batched.consistencyProof(300, 1000).map(toHex), one.consistencyProof(300, 1000).map(toHex))
})

test('a "__proto__" member of a JSON input is kept as data through normalisation and encoding', () => {
  const e = parseEvent('{"message":"m","__proto__":"x","src_ip":"192.0.2.1"}', 'json', ctx).event
  assert.equal(Object.getPrototypeOf(e.labels), Object.prototype)
  assert.equal(canonicalEntryText(e), canonicalJson(e))
  assert.equal(canonicalEntryText(JSON.parse(canonicalEntryText(e))), canonicalEntryText(e), 'the entry reads back to itself')
})
