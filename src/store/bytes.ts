/**
 * Byte copies that really copy: `Buffer#slice` (and the Buffers the database returns) share memory,
 * so `.slice()` is not a copy for them. Everything the store hands out or takes in goes through these.
 */
export const copy = (u: Uint8Array): Uint8Array => new Uint8Array(u)

export const copyOf = (u: Uint8Array | undefined): Uint8Array | undefined => (u === undefined ? undefined : new Uint8Array(u))
