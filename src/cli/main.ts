/** Entry of the `polis` command: bin/polis registers tsx, then imports this. */
import { main } from './run.js'

await main()
