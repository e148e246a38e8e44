// The round-robin in front of `pnpm start:cluster`: each request to the next
// process, even on one keep-alive connection; bodies and streamed answers pass
// whole; a process that refuses connections is skipped; upgrades go round too.
import { createHash } from 'node:crypto';
import { Agent, createServer, request, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RoundRobin } from '../../src/cluster/round-robin.ts';
import { freePort } from '../helpers/redis.ts';

const servers: Server[] = [];
let proxy: RoundRobin | undefined;

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A stand-in process: answers its name and the body it got; upgrades answer 101 and name themselves. */
async function upstream(name: string): Promise<number> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      res.writeHead(200, { 'x-wirebench-node': name, 'content-type': 'text/plain' });
      res.end(`${name} ${req.method} ${req.url} ${body}`);
    });
  });
  server.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${acceptOf(req.headers['sec-websocket-key'] as string)}\r\n\r\n`);
    // One unmasked text frame: the process's name.
    socket.end(Buffer.concat([Buffer.from([0x81, name.length]), Buffer.from(name)]));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

function acceptOf(key: string): string {
  // RFC 6455 4.2.2: base64 of SHA-1 of the key and the GUID.
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

function get(port: number, path: string, agent: Agent, body?: string): Promise<{ node: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, method: body ? 'POST' : 'GET' }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ node: String(res.headers['x-wirebench-node']), text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

describe('round-robin', () => {
  it('sends each request to the next process, even on one keep-alive connection; bodies pass whole', async () => {
    const ports = [await upstream('a'), await upstream('b'), await upstream('c')];
    proxy = new RoundRobin(ports.map((port) => ({ host: '127.0.0.1', port })));
    const { port } = await proxy.listen(0, '127.0.0.1');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push((await get(port, `/r${i}`, agent)).node);
    expect(seen).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect((await get(port, '/api/messages?x=1', agent, '{"text":"héllo"}')).text).toBe('a POST /api/messages?x=1 {"text":"héllo"}');
    agent.destroy();
  });

  it('skips a process that refuses connections (stopped or killed)', async () => {
    const dead = await freePort();
    const ports = [await upstream('a'), dead, await upstream('c')];
    proxy = new RoundRobin(ports.map((port) => ({ host: '127.0.0.1', port })));
    const { port } = await proxy.listen(0, '127.0.0.1');
    const agent = new Agent({ keepAlive: false });
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await get(port, '/', agent)).node);
    expect(seen).toEqual(['a', 'c', 'c', 'a']);
  });

  it('WebSocket upgrades go round as well', async () => {
    const ports = [await upstream('a'), await upstream('b')];
    proxy = new RoundRobin(ports.map((port) => ({ host: '127.0.0.1', port })));
    const { port } = await proxy.listen(0, '127.0.0.1');
    const names = [];
    for (let i = 0; i < 3; i++) {
      names.push(
        await new Promise<string>((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/lib`);
          ws.once('message', (d: Buffer) => resolve(d.toString()));
          ws.once('error', reject);
        }),
      );
    }
    expect(names).toEqual(['a', 'b', 'a']);
  });
});
