// Writes test/vectors/tx.json: fixed keys and transactions with their sign bytes and signatures.
// Ed25519 is deterministic, so the file is stable; test/ledger/vectors.test.ts checks against it.
import { writeFileSync } from 'node:fs'
import { keyPairFromSeed } from '../src/crypto/keys.js'
import { encodeBody, signBytes, signTx, txHash, type TxBody } from '../src/app/tx.js'
import { fromHex, toHex } from '../src/base/bytes.js'

const seeds = ['9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb']
const [alice, bob] = seeds.map((s) => keyPairFromSeed(fromHex(s)))
const cases: Array<{ name: string; seed: string; body: TxBody }> = [
  { name: 'bank send, nonce 0', seed: seeds[0]!, body: { chainId: 'city-a', sender: alice!.publicKey, nonce: 0n, msgs: [{ type: 'bank/send', value: { to: bob!.publicKey, amount: 1500n } }] } },
  { name: 'bank send, large amount and nonce, memo', seed: seeds[0]!, body: { chainId: 'city-a', sender: alice!.publicKey, nonce: 4294967296n, memo: 'rent', msgs: [{ type: 'bank/send', value: { to: bob!.publicKey, amount: 18446744073709551615n, denom: 'ucity' } }] } },
  { name: 'two messages', seed: seeds[1]!, body: { chainId: 'city-b', sender: bob!.publicKey, nonce: 7n, msgs: [
    { type: 'identity/register-device', value: { pub_key: alice!.publicKey } },
    { type: 'identity/grant-role', value: { pub_key: alice!.publicKey, role: 'rsu' } },
  ] } },
]
const out = cases.map((c) => {
  const key = keyPairFromSeed(fromHex(c.seed))
  const body = encodeBody(c.body)
  const tx = signTx(c.body, key)
  return {
    name: c.name,
    seed: c.seed,
    public_key: toHex(key.publicKey),
    body: JSON.parse(JSON.stringify(c.body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? toHex(v) : v))),
    body_cbor: toHex(body),
    sign_bytes: toHex(signBytes(body)),
    signature: toHex(tx.subarray(tx.length - 64)),
    tx: toHex(tx),
    tx_hash: toHex(txHash(tx)),
  }
})
writeFileSync(new URL('../test/vectors/tx.json', import.meta.url), JSON.stringify(out, null, 2) + '\n')
console.log(`wrote ${out.length} vectors`)
