/** Shared test helpers for the store: temporary LevelDB instances and byte shorthands. */
import { ClassicLevel } from 'classic-level'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IavlStore, type IavlStoreOptions } from '../../src/store/index.js'

export type Db = ClassicLevel<Uint8Array, Uint8Array>

export const b = (s: string): Uint8Array => new TextEncoder().encode(s)
export const str = (u: Uint8Array | undefined): string | undefined => (u === undefined ? undefined : new TextDecoder().decode(u))
export const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex')

/** A temporary directory holding LevelDB databases; `cleanup()` closes them and removes it. */
export class TempDbs {
  readonly dir = mkdtempSync(join(tmpdir(), 'polis-store-'))
  private readonly open = new Set<Db>()
  private n = 0

  /** Opens (or reopens, by name) a database with byte keys and values. */
  async db(name = `db${this.n++}`, encoding: 'view' | 'buffer' = 'view'): Promise<Db> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(join(this.dir, name), { keyEncoding: encoding, valueEncoding: encoding })
    await db.open()
    this.open.add(db)
    return db
  }

  async close(db: Db): Promise<void> {
    this.open.delete(db)
    await db.close()
  }

  async cleanup(): Promise<void> {
    for (const db of this.open) await db.close()
    this.open.clear()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Commits and writes the batch, as the App does. */
export async function commitTo(db: Db, store: IavlStore): Promise<{ version: number; rootHash: Uint8Array }> {
  const { version, rootHash, ops } = store.commit()
  await db.batch(ops, { sync: false })
  return { version, rootHash }
}

export function openStore(db: Db, opts?: IavlStoreOptions): IavlStore {
  return IavlStore.open(db, opts)
}
