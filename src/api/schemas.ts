/**
 * JSON schemas of the API, shared by validation (ajv in fastify), serialization
 * (fast-json-stringify) and the OpenAPI document (src/api/openapi.ts), so the three cannot drift.
 * Schemas made with `named()` become `components.schemas` entries in the OpenAPI document.
 */
export type Schema = Record<string, unknown>

const names = new WeakMap<object, string>()
export function named<T extends Schema>(name: string, schema: T): T {
  names.set(schema, name)
  return schema
}
export const nameOf = (s: object): string | undefined => names.get(s)

// ------------------------------------------------------------------ scalars

export const Hex = named('Hex', { type: 'string', pattern: '^([0-9a-fA-F]{2})*$', description: 'bytes as hex' })
export const Hash = named('Hash', { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: '32 bytes as hex' })
export const Uint = named('Uint', { type: 'string', pattern: '^(0|[1-9][0-9]{0,19})$', description: 'unsigned integer as a decimal string' })
/** Query-string booleans (the query string is text; types are not coerced). */
export const Flag = { type: 'string', enum: ['true', 'false', '1', '0'] }
export const flag = (v: string | undefined) => v === 'true' || v === '1'

/** Hex of one transaction's canonical CBOR (at most 64 KiB of bytes). */
export const TxHex = named('TxHex', { type: 'string', minLength: 2, maxLength: 2 * 65_536 + 2, pattern: '^([0-9a-fA-F]{2})+$', description: "hex of a transaction's canonical CBOR (docs/ENCODING.md)" })

// ------------------------------------------------------------------ shared objects

export const Event = named('Event', {
  type: 'object',
  required: ['type', 'attributes'],
  additionalProperties: false,
  properties: {
    type: { type: 'string' },
    attributes: {
      type: 'array',
      items: { type: 'object', required: ['key', 'value'], additionalProperties: false, properties: { key: { type: 'string' }, value: { type: 'string' } } },
    },
  },
})

export const Problem = named('Problem', {
  type: 'object',
  description: 'RFC 9457 problem details, with the ledger error code and name',
  required: ['type', 'title', 'status', 'detail', 'code', 'error'],
  additionalProperties: false,
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'integer', description: 'numeric code of src/base/errors.ts' },
    error: { type: 'string', description: 'name of the code, e.g. bad_nonce' },
    instance: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', required: ['path', 'message'], additionalProperties: false, properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
})

export const TxStatus = named('TxStatus', {
  type: 'object',
  required: ['hash', 'status'],
  additionalProperties: false,
  properties: {
    hash: Hash,
    status: { type: 'string', enum: ['committed', 'pending', 'unknown'] },
    height: Uint,
    index: { type: 'integer' },
    code: { type: 'integer', description: '0 = executed; otherwise the refusal, recorded (the nonce is consumed)' },
    log: { type: 'string' },
    events: { type: 'array', items: Event },
  },
})

export const SubmitAccepted = named('SubmitAccepted', {
  type: 'object',
  required: ['hash', 'code', 'status'],
  additionalProperties: false,
  properties: { hash: Hash, code: { type: 'integer', enum: [0] }, status: { type: 'string', enum: ['pending'] } },
})

export const BatchResult = named('BatchResult', {
  type: 'object',
  required: ['hash', 'code', 'log'],
  additionalProperties: false,
  properties: { hash: Hash, code: { type: 'integer' }, log: { type: 'string' } },
})

export const HeaderFields = named('HeaderFields', {
  type: 'object',
  required: ['chain_id', 'height', 'time', 'prev_hash', 'app_hash', 'txs_hash', 'results_hash', 'validators_hash', 'proposer', 'hash_alg'],
  additionalProperties: false,
  properties: {
    chain_id: { type: 'string' }, height: Uint, time: Uint, prev_hash: Hash, app_hash: Hash, txs_hash: Hash, results_hash: Hash,
    validators_hash: Hash, proposer: Hash, hash_alg: { type: 'string' },
  },
})

const signedHeaderProps = {
  height: Uint,
  hash: Hash,
  header: HeaderFields,
  header_cbor: { ...Hex, description: 'the canonical CBOR that is hashed (hash_alg) and signed' },
  signature: { ...Hex, description: 'Ed25519 by the proposer over "polis/header/v1" || 0x00 || hash' },
}

export const SignedHeader = named('SignedHeader', {
  type: 'object',
  required: ['height', 'hash', 'header', 'header_cbor', 'signature'],
  additionalProperties: false,
  properties: signedHeaderProps,
})

export const Block = named('Block', {
  type: 'object',
  required: ['height', 'hash', 'header', 'header_cbor', 'signature', 'txs', 'results'],
  additionalProperties: false,
  properties: { ...signedHeaderProps, txs: { type: 'array', items: Hex }, results: { type: 'array', items: BatchResult } },
})

export const NodeStatus = named('NodeStatus', {
  type: 'object',
  required: ['chain_id', 'height', 'app_hash', 'time', 'hash_alg', 'validator', 'mempool_size', 'engine'],
  additionalProperties: false,
  properties: {
    chain_id: { type: 'string' }, height: Uint, app_hash: Hash, time: Uint, hash_alg: { type: 'string' }, validator: Hash,
    mempool_size: { type: 'integer' }, engine: { type: 'string', enum: ['solo'] },
  },
})

export const StoreEntry = named('StoreEntry', {
  type: 'object',
  required: ['key', 'value', 'height'],
  additionalProperties: false,
  properties: {
    key: Hex,
    value: { type: ['string', 'null'], pattern: '^([0-9a-f]{2})*$' },
    height: Uint,
    proof: { ...Hex, description: 'protobuf ics23 CommitmentProof (existence, or non-existence when value is null); spec iavlSpec; root = app_hash of header `height`' },
  },
})

export const Account = named('Account', {
  type: 'object',
  required: ['address', 'height', 'roles', 'nonce', 'created_at', 'revoked_at', 'revoke_reason', 'meta', 'balances'],
  additionalProperties: false,
  properties: {
    address: Hash,
    height: Uint,
    roles: { type: 'array', items: { type: 'string' } },
    nonce: Uint,
    created_at: Uint,
    revoked_at: { type: ['string', 'null'] },
    revoke_reason: { type: ['string', 'null'] },
    meta: { type: ['string', 'null'] },
    balances: { type: 'array', items: { type: 'object', required: ['denom', 'amount'], additionalProperties: false, properties: { denom: { type: 'string' }, amount: Uint } } },
  },
})

/** Any JSON object (module query results, the genesis document). */
export const AnyObject = { type: 'object', additionalProperties: true }

/** Responses every route may give. */
export const errorResponses = { '4xx': Problem, '5xx': Problem }

export const HeightParam = { type: 'object', required: ['height'], additionalProperties: false, properties: { height: Uint } }
export const HeightQuery = { type: 'object', additionalProperties: false, properties: { height: Uint } }

// The OpenAPI keywords the routes add to their fastify schemas.
declare module 'fastify' {
  interface FastifySchema {
    summary?: string
    description?: string
    tags?: string[]
  }
}
