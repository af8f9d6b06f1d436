// A process that starts anvil, prints its own pid and anvil's RPC URL and never stops it: tooling.test.ts kills this
// process with SIGKILL and checks that anvil goes with it.
import { startAnvil } from '../../protocol/chain/anvil.js';

const anvil = await startAnvil({ accounts: 1 });
process.stdout.write(`${process.pid} ${anvil.rpcUrl}\n`);
setInterval(() => undefined, 1 << 30);
