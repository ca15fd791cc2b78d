import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { keyPairFromSeed, verifySignature } from '../../src/crypto/keys.js'
import { decodeTx, encodeBody, signBytes, signTx } from '../../src/app/tx.js'
import { fromHex, toHex } from '../../src/base/bytes.js'
import { encodeCanonical } from '../../src/codec/cbor.js'
import { encode } from 'cborg'

const vectors = JSON.parse(readFileSync(new URL('../vectors/tx.json', import.meta.url), 'utf8')) as Array<Record<string, string>>

test('Ed25519 through node:crypto matches RFC 8032 §7.1 test 1 and 2', () => {
  const k1 = keyPairFromSeed(fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'))
  assert.equal(toHex(k1.publicKey), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
  assert.equal(toHex(k1.sign(new Uint8Array(0))), 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b')
  const k2 = keyPairFromSeed(fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'))
  assert.equal(toHex(k2.publicKey), '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c')
  assert.equal(toHex(k2.sign(fromHex('72'))), '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00')
})

for (const v of vectors) {
  test(`transaction vector: ${v.name}`, () => {
    const key = keyPairFromSeed(fromHex(v.seed!))
    assert.equal(toHex(key.publicKey), v.public_key)
    const tx = decodeTx(fromHex(v.tx!))
    assert.equal(toHex(tx.bodyBytes), v.body_cbor)
    assert.equal(toHex(signBytes(tx.bodyBytes)), v.sign_bytes)
    assert.equal(toHex(tx.signature), v.signature)
    assert.equal(toHex(tx.hash), v.tx_hash)
    assert.ok(verifySignature(key.publicKey, signBytes(tx.bodyBytes), tx.signature))
    // re-encoding the decoded body and re-signing gives the same bytes (deterministic end to end)
    assert.equal(toHex(encodeBody(tx.body)), v.body_cbor)
    assert.equal(toHex(signTx(tx.body, key)), v.tx)
  })
}

test('non-canonical encodings of a valid transaction are refused', () => {
  const v = vectors[0]!
  const tx = decodeTx(fromHex(v.tx!))
  // the same map with keys in insertion (non-canonical) order
  const m = { sender: tx.body.sender, chain_id: tx.body.chainId, nonce: 0, msgs: tx.body.msgs }
  const noncanonical = encode(m, { mapSorter: () => 0 })
  assert.throws(() => decodeTx(encodeCanonical([noncanonical, tx.signature])), /not canonical/)
  // an integer in a longer form than needed: nonce 0 as 0x18 0x00
  const body = Buffer.from(tx.bodyBytes)
  const i = body.indexOf(Buffer.from('656e6f6e636500', 'hex'))
  assert.ok(i >= 0)
  const longNonce = Buffer.concat([body.subarray(0, i + 6), Buffer.from([0x18, 0x00]), body.subarray(i + 7)])
  assert.throws(() => decodeTx(encodeCanonical([new Uint8Array(longNonce), tx.signature])), (e: Error & { code?: number }) => e.code === 2)
})
