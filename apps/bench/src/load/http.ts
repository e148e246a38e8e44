// The load process's HTTP side: one keep-alive agent shared by receivers and the sender,
// renewed when the driver closes everything.
import http from 'node:http';

const newAgent = (): http.Agent => new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: Infinity, scheduling: 'fifo' });

let current = newAgent();

export const agent = (): http.Agent => current;

/** Drops every pooled socket and starts a fresh pool. */
export function renewAgent(): void {
  current.destroy();
  current = newAgent();
}

export function wsBase(base: string): string {
  return base.replace(/^http/, 'ws');
}

export function getText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: current }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export function postJson(url: string, body: unknown): Promise<{ status: number; body: string }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent: current, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** A poll answer's lastSeq, or `fallback` when the body has none. */
export function lastSeqOf(body: string, fallback: number): number {
  const m = /"lastSeq":(\d+)/.exec(body);
  return m ? Number(m[1]) : fallback;
}
