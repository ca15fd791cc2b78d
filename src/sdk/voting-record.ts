/**
 * Exporting an election record from a node without holding it in memory: the pages of its
 * ballots, all read at one height, written into the documented JSON (format polis-voting-record/1,
 * docs/VOTING.md §9) between the head's fields, one ballot a line. The file is the same document
 * `VotingReader.record` returns, so `polis voting verify` reads either.
 */
import { PolisError } from '../base/errors.js'
import type { VotingReader } from './voting.js'

export interface RecordExport {
  height: bigint
  ballots: number
}

/** The head's JSON split where its (empty) ballot list goes: the only top-level "ballots" key. */
function splitHead(head: Record<string, unknown>): [string, string] {
  const text = JSON.stringify({ ...head, ballots: [] }, null, 2)
  const marker = '\n  "ballots": []'
  const at = text.indexOf(marker)
  if (at < 0) throw new PolisError('invalid_state', 'the record head has no ballot list')
  return [text.slice(0, at) + '\n  "ballots": [', text.slice(at + marker.length)]
}

/**
 * Writes the record of election `id` through `write`, page by page; `onProgress(written, total)`
 * after each page. Every page is read at the height of the first, so the record is one state.
 */
export async function writeElectionRecord(
  reader: VotingReader,
  id: string,
  write: (text: string) => void | Promise<void>,
  opts: { pageSize?: number; onProgress?: (written: number, total: number) => void } = {},
): Promise<RecordExport> {
  let page = await reader.recordBallots(id, 0, { limit: opts.pageSize })
  const height = BigInt(page.height)
  const [before, after] = splitHead(await reader.recordHead(id, height))
  await write(before)
  let written = 0
  for (;;) {
    if (page.ballots.length) await write(page.ballots.map((b) => (written++ === 0 ? '\n    ' : ',\n    ') + JSON.stringify(b)).join(''))
    opts.onProgress?.(written, page.ballots_cast)
    if (page.next === null) break
    page = await reader.recordBallots(id, page.next, { limit: opts.pageSize, height })
  }
  await write((written ? '\n  ]' : ']') + after + '\n')
  return { height, ballots: written }
}
