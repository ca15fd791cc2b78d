/**
 * SIEM alert ids as people type them: all 64 hex digits, a unique prefix (`b44093e4`), or the
 * shortened form the CLI and README print (`b44093e4…0d51`, also with `...`). A prefix that
 * several alerts share is refused naming them; one that no alert has is refused as not found.
 */
import { PolisError } from '../base/errors.js'
import type { PolisClient } from '../sdk/polis-client.js'

const SHOWN = 10

/** The full id of the one alert `text` designates. */
export async function resolveAlertId(client: Pick<PolisClient, 'query'>, text: string): Promise<string> {
  const t = text.trim().toLowerCase()
  const m = /^([0-9a-f]+)(?:(?:…|\.\.\.)([0-9a-f]*))?$/.exec(t)
  if (!m || m[1]!.length > 64 || (m[2] ?? '').length > 64) throw new PolisError('invalid_request', `alert id must be hex: all 64 digits, a unique prefix, or PREFIX…SUFFIX as listed (got ${JSON.stringify(text)})`)
  const [, prefix, suffix = ''] = m as unknown as [string, string, string | undefined]
  if (prefix.length === 64 && suffix === '') return prefix
  // with a suffix, every id of the prefix is checked against it: ask for all of them (the query's maximum)
  const limit = suffix ? 100 : SHOWN + 1
  const { ids } = await client.query<{ ids: string[] }>('siem', 'alert-ids', { prefix, limit: String(limit) })
  const found = ids.filter((id) => id.endsWith(suffix))
  const shown = suffix ? `${prefix}…${suffix}` : prefix
  if (found.length === 0) throw new PolisError('not_found', `no alert id starts with ${shown}`)
  if (found.length > 1) {
    const more = found.length > SHOWN || ids.length === limit ? ' and more' : ''
    throw new PolisError('invalid_request', `alert id ${shown} is ambiguous: it matches ${found.slice(0, SHOWN).join(', ')}${more}; give more digits`)
  }
  return found[0]!
}
