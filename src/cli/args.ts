/** Parsers of command-line option values, shared by the command groups. */
import { PolisError } from '../app/errors.js'

/** An integer option in [min, max], refused with a clear message otherwise. */
export const intArg = (what: string, min: number, max: number) => (v: string): number => {
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN
  if (!Number.isInteger(n) || n < min || n > max) throw new PolisError('invalid_request', `${what} must be an integer from ${min} to ${max} (got "${v}")`)
  return n
}
