// Preloaded into the bench's server process (node --expose-gc --require this file): answers the
// driver's memory questions over the IPC channel, since the server has no heap endpoint, and ends
// the server when the driver goes away. It does not touch the server's code or its sockets.
'use strict';
process.on('message', (msg) => {
  if (!msg || msg.type !== 'mem') return;
  if (msg.gc && typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  const m = process.memoryUsage();
  process.send({ type: 'mem', id: msg.id, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers });
});
process.on('disconnect', () => process.exit(0));
