/**
 * A small client of CometBFT's JSON-RPC (HTTP POST), for the tests, the benchmark, the light
 * client's fetcher and the node service. Byte parameters are base64 in JSON-RPC bodies.
 */
export class RpcError extends Error {
  constructor(message: string, readonly code?: number, readonly data?: string) {
    super(message)
    this.name = 'RpcError'
  }
}

export interface NodeStatus {
  node_info: { id: string; network: string; moniker: string; listen_addr: string }
  sync_info: { latest_block_hash: string; latest_app_hash: string; latest_block_height: string; latest_block_time: string; catching_up: boolean }
  validator_info: { address: string; pub_key: { type: string; value: string }; voting_power: string }
}

export interface BroadcastResult { code: number; data: string; log: string; codespace: string; hash: string }

export class CometRpc {
  private id = 0
  constructor(readonly url: string, private readonly timeoutMs = 10_000) {}

  async call<T = any>(method: string, params: Record<string, unknown> = {}, timeoutMs = this.timeoutMs): Promise<T> {
    const ctl = new AbortController()
    const t = setTimeout(() => ctl.abort(), timeoutMs)
    let res: Response
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }),
        signal: ctl.signal,
      })
    } catch (e) {
      throw new RpcError(`${method}: ${(e as Error).name === 'AbortError' ? 'timed out' : (e as Error).message}`)
    } finally {
      clearTimeout(t)
    }
    const body = (await res.json()) as { result?: T; error?: { code: number; message: string; data?: string } }
    if (body.error) throw new RpcError(`${method}: ${body.error.message}${body.error.data ? ` (${body.error.data})` : ''}`, body.error.code, body.error.data)
    return body.result as T
  }

  status(): Promise<NodeStatus> {
    return this.call('status')
  }

  async height(): Promise<bigint> {
    return BigInt((await this.status()).sync_info.latest_block_height)
  }

  block(height?: bigint): Promise<any> {
    return this.call('block', height === undefined ? {} : { height: height.toString() })
  }

  commit(height?: bigint): Promise<any> {
    return this.call('commit', height === undefined ? {} : { height: height.toString() })
  }

  validators(height?: bigint, page = 1, perPage = 100): Promise<any> {
    return this.call('validators', { ...(height === undefined ? {} : { height: height.toString() }), page: String(page), per_page: String(perPage) })
  }

  blockResults(height?: bigint): Promise<any> {
    return this.call('block_results', height === undefined ? {} : { height: height.toString() })
  }

  broadcastTxSync(tx: Uint8Array): Promise<BroadcastResult> {
    return this.call('broadcast_tx_sync', { tx: Buffer.from(tx).toString('base64') })
  }

  broadcastTxAsync(tx: Uint8Array): Promise<BroadcastResult> {
    return this.call('broadcast_tx_async', { tx: Buffer.from(tx).toString('base64') })
  }

  /** The committed transaction by its CometBFT hash (SHA-256 of the bytes, as Polis' tx hash). */
  tx(hash: Uint8Array): Promise<any> {
    return this.call('tx', { hash: Buffer.from(hash).toString('base64'), prove: false })
  }

  txSearch(query: string, page = 1, perPage = 100): Promise<any> {
    return this.call('tx_search', { query, prove: false, page: String(page), per_page: String(perPage), order_by: 'asc' })
  }

  abciInfo(): Promise<any> {
    return this.call('abci_info')
  }

  abciQuery(path: string, data: Uint8Array, height?: bigint, prove = false): Promise<any> {
    return this.call('abci_query', { path, data: Buffer.from(data).toString('hex'), height: (height ?? 0n).toString(), prove })
  }

  numUnconfirmedTxs(): Promise<{ n_txs: string; total: string; total_bytes: string }> {
    return this.call('num_unconfirmed_txs')
  }
}
