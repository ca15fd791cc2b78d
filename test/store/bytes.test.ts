/** Low-level pieces of the store: byte order, varints, pages, the cache. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compare, ownBytes } from '../../src/store/bytes.js'
import { Lru } from '../../src/store/lru.js'
import { PAGE_SLOTS, PageBuilder, slotRange, nextPageStart } from '../../src/store/page.js'
import { Node } from '../../src/store/node.js'
import { putUvarint, Reader, uvarintSize } from '../../src/store/varint.js'

test('compare orders bytes like Buffer.compare, for short and long arrays', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100, max: 3 }), fc.uint8Array({ maxLength: 100, max: 3 }), (a, b) => {
      assert.equal(Math.sign(compare(a, b)), Buffer.compare(a, b))
    }),
    { numRuns: 2000 },
  )
})

test('ownBytes copies, also from Buffers (whose slice is a view)', () => {
  const src = Buffer.from('hello world, this is a longer buffer of more than sixty-four bytes....')
  for (const [s, e] of [[0, 5], [6, src.length]] as const) {
    const c = ownBytes(src, s, e)
    assert.deepEqual([...c], [...src.subarray(s, e)])
    c[0] = 0
    assert.notEqual(src[s], 0)
  }
})

test('uvarints round-trip up to 2^53 - 1', () => {
  fc.assert(
    fc.property(fc.maxSafeNat(), (n) => {
      const buf = new Uint8Array(10)
      const end = putUvarint(buf, 0, n)
      assert.equal(end, uvarintSize(n))
      const r = new Reader(buf.subarray(0, end), 'test')
      assert.equal(r.uvarint(), n)
      r.end()
    }),
  )
  assert.throws(() => new Reader(Uint8Array.of(0x80), 'x').uvarint())
  assert.throws(() => new Reader(new Uint8Array(9).fill(0xff), 'x').uvarint())
})

test('pages: each slot is found, others are not', () => {
  const b = new PageBuilder()
  const first = 3 * PAGE_SLOTS + 5
  b.start(first)
  const leaves: Node[] = []
  for (let i = 0; i < 10; i++) {
    const n = new Node(Uint8Array.of(i + 1), new Uint8Array(i + 1).fill(i), 7, 0, 1)
    leaves.push(n)
    b.add(n)
  }
  const page = b.finish()
  for (let i = 0; i < 10; i++) {
    const at = slotRange(page, 5 + i, 'p')!
    const r = new Reader(page, 'node', at[0], at[1])
    assert.equal(r.uvarint(), 0)
    assert.equal(r.uvarint(), 7)
    assert.deepEqual([...r.bytes(r.uvarint())], [i + 1])
    assert.equal(r.rest().length, i + 1)
  }
  assert.equal(slotRange(page, 4, 'p'), undefined)
  assert.equal(slotRange(page, 15, 'p'), undefined)
  assert.equal(nextPageStart(first), 4 * PAGE_SLOTS)
  assert.equal(nextPageStart(4 * PAGE_SLOTS), 4 * PAGE_SLOTS)
})

test('the cache keeps at most its capacity and prefers recently used entries', () => {
  const c = new Lru<number, string>(3)
  c.set(1, 'a')
  c.set(2, 'b')
  c.set(3, 'c')
  c.demote(2)
  c.set(4, 'd') // 2 was demoted: it goes first
  assert.equal(c.get(2), undefined)
  assert.equal(c.size, 3)
  for (let i = 5; i < 100; i++) {
    c.get(4)
    c.set(i, String(i))
    assert.ok(c.size <= 3)
  }
  assert.equal(c.get(99), '99')
  const none = new Lru<number, string>(0)
  none.set(1, 'a')
  assert.equal(none.get(1), undefined)
})
