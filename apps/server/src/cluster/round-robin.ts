// A request-by-request round-robin in front of several processes of one room
// (`pnpm start:cluster`). Every HTTP request and every WebSocket upgrade goes
// to the next process in turn, over a connection of its own: no keep-alive
// connection to a process carries a client's next request to the same process,
// so what a client sees is what no stickiness means. A process that refuses
// the connection (stopped, killed) is skipped for the next one.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

export interface RoundRobinOptions {
  /** A request body larger than this is refused (413) before any process sees it. */
  maxBodyBytes?: number;
}

/** Headers that belong to one connection (RFC 9110 7.6.1), not to the request passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function problem(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  res.end(JSON.stringify({ error: { code, message } }));
}

export class RoundRobin {
  readonly server: Server;
  private turn = 0;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly upstreams: Upstream[],
    private readonly options: RoundRobinOptions = {},
  ) {
    if (upstreams.length === 0) throw new Error('a round-robin needs at least one process');
    this.server = createServer((req, res) => void this.forward(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** The processes in turn, starting with the next one: each request tries them in this order. */
  private order(): Upstream[] {
    const start = this.turn++ % this.upstreams.length;
    return [...this.upstreams.slice(start), ...this.upstreams.slice(0, start)];
  }

  // #region forward
  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await this.readBody(req, res);
    if (body === undefined) return;
    const headers = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    if (body.length > 0) headers['content-length'] = String(body.length);
    for (const upstream of this.order()) {
      const sent = await new Promise<boolean>((resolve) => {
        // agent: false — a new connection for this request alone, closed after it.
        const up = httpRequest({ ...upstream, method: req.method, path: req.url, headers, agent: false }, (answer) => {
          const out = { ...answer.headers };
          for (const name of HOP_BY_HOP) delete out[name];
          res.writeHead(answer.statusCode ?? 502, out);
          // Event streams and held polls: bytes go on as they come.
          res.flushHeaders();
          answer.pipe(res);
          answer.once('error', () => res.destroy());
          resolve(true);
        });
        up.once('error', (err: NodeJS.ErrnoException) => {
          // Refused: this process is down, try the next. Any other failure ends the answer.
          if (err.code === 'ECONNREFUSED' && !res.headersSent) return resolve(false);
          res.destroy();
          resolve(true);
        });
        res.once('close', () => up.destroy());
        up.end(body);
      });
      if (sent) return;
    }
    problem(res, 502, 'NO_PROCESS', 'no process of the room answered');
  }
  // #endregion forward

  private readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    const limit = this.options.maxBodyBytes ?? 1024 * 1024;
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          problem(res, 413, 'BODY_TOO_LARGE', `request body over the ${limit}-byte limit`);
          req.destroy();
          return resolve(undefined);
        }
        chunks.push(chunk);
      });
      req.once('end', () => resolve(Buffer.concat(chunks)));
      req.once('error', () => resolve(undefined));
    });
  }

  /** An upgrade goes to the next process as the request head it came as; then bytes flow both ways. */
  private upgrade(req: IncomingMessage, client: Socket, head: Buffer): void {
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    const requestHead = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    const tries = this.order();
    client.on('error', () => {});
    const attempt = (): void => {
      const upstream = tries.shift();
      if (!upstream) return void client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      const up = connect(upstream);
      up.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED' && up.bytesRead === 0 && !client.destroyed) return attempt();
        client.destroy();
      });
      up.once('connect', () => {
        up.write(requestHead);
        if (head.length > 0) up.write(head);
        up.pipe(client);
        client.pipe(up);
        this.sockets.add(up);
        up.once('close', () => {
          this.sockets.delete(up);
          client.destroy();
        });
        client.once('close', () => up.destroy());
      });
    };
    attempt();
  }

  listen(port: number, host: string): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const address = this.server.address() as { address: string; port: number };
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /** Stops listening and drops every connection it holds (both sides). */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
