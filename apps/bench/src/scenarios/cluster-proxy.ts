// The cluster scenario's round-robin, in a process of its own so its CPU is measured apart from
// the driver's: the request-by-request RoundRobin of `pnpm start:cluster`
// (apps/server/src/cluster/round-robin.ts) in front of the ports given as arguments. It tells the
// driver its port over IPC and exits when the driver goes away.
import { RoundRobin } from '../../../server/src/cluster/round-robin.ts';

const ports = process.argv.slice(2).map(Number);
const proxy = new RoundRobin(ports.map((port) => ({ host: '127.0.0.1', port })));
const { port } = await proxy.listen(0, '127.0.0.1');
process.send?.({ port });
process.on('disconnect', () => process.exit(0));
