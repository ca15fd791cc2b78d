// `npm start`: the default network on this machine (`polis network up`): two city chains, city-a
// and city-b, each a solo node with all its services in its own process, the bridge clients
// between them (created on first start) and a relayer. The network home is ./.polis (or
// $POLIS_HOME), created the first time; the next start continues the same chains. Prints the
// cities' API URLs and the CLI lines for a first cross-city transfer; Ctrl-C / SIGTERM stop
// everything cleanly. Extra arguments go to `polis network up`, e.g. `npm start -- --cities 3`.
// A single city as before: `npx polis start --init --home DIR`.
import { main } from '../src/cli/run.js'

await main(['network', 'up', ...process.argv.slice(2)])
