// `npm start`: a city node on this machine. Initialises ./.polis (or $POLIS_HOME) if it has no
// polis.yaml (an authority, a validator and 3 sample citizens with balances), then starts the
// node with the embedded solo engine, printing where its API listens and a CLI line to try.
// Ctrl-C / SIGTERM stop it cleanly (the block in progress is finished first).
// Extra arguments go to `polis start`, e.g. `npm start -- --port 8080`.
import { main } from '../src/cli/run.js'

await main(['start', '--init', ...process.argv.slice(2)])
