// The ceiling for the echo scenario: a TCP echo server with no WebSocket framing at all.
// Runs as its own process, prints its port to the driver over IPC, exits with the driver.
import net from 'node:net';

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'listening', port: server.address().port });
});
process.on('disconnect', () => process.exit(0));
