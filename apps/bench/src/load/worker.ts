// A load worker: a separate process that holds bench clients (echo clients, one receiver per
// transport, a sender, the slow-readers peers, the dashboard's students) and does what the driver asks over IPC. It
// exits when the driver goes away.
import type { Command } from '../protocol.ts';
import { cpu } from './clock.ts';
import { collect, resetDeliveries } from './deliveries.ts';
import { runEcho } from './echo.ts';
import { renewAgent } from './http.ts';
import { closeReceivers } from './receiver.ts';
import { openMany } from './receivers.ts';
import { runSend } from './sender.ts';
import { closePeers, drivePeers, echoProbe, openPeers, peersStatus } from './slow-peers.ts';
import { closeStudents, driveStudents, openStudents } from './students.ts';
import { closeCompression, deflateEcho, deflateSend, deflateWire, openDeflateReceivers, openIdleEchoes } from './compression.ts';

async function handle(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'echo':
      return runEcho(c);
    case 'open':
      return openMany(c);
    case 'reset':
      resetDeliveries();
      return null;
    case 'collect':
      return collect(c.tag, c.withLatencies);
    case 'close':
      closeReceivers();
      renewAgent();
      closePeers();
      closeStudents();
      closeCompression();
      return null;
    case 'send':
      return runSend(c);
    case 'cpu':
      return cpu();
    case 'peers-open':
      return openPeers(c);
    case 'peers-drive':
      return drivePeers(c);
    case 'peers-status':
      return peersStatus();
    case 'echo-probe':
      return echoProbe(c);
    case 'students-open':
      return openStudents(c);
    case 'students-drive':
      return driveStudents(c);
    case 'deflate-echo':
      return deflateEcho(c);
    case 'deflate-open':
      return openDeflateReceivers(c);
    case 'deflate-wire':
      return deflateWire();
    case 'deflate-send':
      return deflateSend(c);
    case 'deflate-idle':
      return openIdleEchoes(c);
  }
}

process.on('message', (msg: { id: number } & Command) => {
  handle(msg).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (err: Error) => process.send?.({ id: msg.id, ok: false, error: err?.stack ?? String(err) }),
  );
});
// The driver is gone (finished, crashed or interrupted): nothing here may outlive it.
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ok: true, result: 'ready' });
