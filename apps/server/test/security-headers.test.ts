// Security headers as a browser receives them: the whole set on pages (the dashboard, its
// files, a page that is not there), nosniff alone on API answers, and never HSTS.
// Needs a built dashboard: `pnpm --filter @wirebench/web build` (the root `pnpm test` builds).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, SseReader, start, testApp, type Answer } from './helpers/contract.ts';

const dist = fileURLToPath(new URL('../../web/dist', import.meta.url));

const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self';script-src 'self';style-src 'self' 'unsafe-inline';img-src 'self' data:;connect-src 'self';" +
    "object-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};
const API_HEADERS = { 'x-content-type-options': 'nosniff' };

// What every answer carries for HTTP itself; everything else is a header this test names.
const HTTP_HEADERS = new Set([
  'accept-ranges',
  'cache-control',
  'connection',
  'content-length',
  'content-type',
  'date',
  'etag',
  'keep-alive',
  'last-modified',
  'sec-websocket-version',
  'transfer-encoding',
  'upgrade',
  'x-accel-buffering',
  'x-wirebench-node', // which process answered (CONTRACT v2, several processes)
]);

function securityHeaders(headers: Answer['headers']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HTTP_HEADERS.has(name)));
}

/** The policy as directive → sources. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((d) => {
      const [name = '', ...sources] = d.trim().split(/\s+/);
      return [name, sources];
    }),
  );
}

let app: FastifyInstance;

beforeAll(async () => {
  if (!existsSync(`${dist}/index.html`)) throw new Error('apps/web/dist is missing: run `pnpm --filter @wirebench/web build`');
  app = testApp({ staticDir: dist });
  await app.ready();
});
afterAll(() => app?.close());

describe('pages', () => {
  it('the dashboard gets the whole set', async () => {
    const page = await call(app, 'GET', '/');
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
    expect(securityHeaders(page.headers)).toEqual(PAGE_HEADERS);
  });

  it('so does a script the dashboard loads (a worker would take its policy from it)', async () => {
    const src = (await call(app, 'GET', '/')).raw.match(/<script[^>]+src="([^"]+)"/)?.[1];
    expect(src).toBeDefined();
    const script = await call(app, 'GET', src!);
    expect(script.status).toBe(200);
    expect(securityHeaders(script.headers)).toEqual(PAGE_HEADERS);
  });

  it('a page that is not there: the 404 gets the whole set too', async () => {
    const missing = await call(app, 'GET', '/no-such-page.html');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    expect(securityHeaders(missing.headers)).toEqual(PAGE_HEADERS);
  });

  it('a request refused before any route (a foreign Origin) still gets the whole set', async () => {
    const refused = await call(app, 'GET', '/', undefined, { origin: 'http://evil.example' });
    expect(refused.status).toBe(403);
    expect(securityHeaders(refused.headers)).toEqual(PAGE_HEADERS);
  });

  it('the policy: scripts from this server only, no eval, no HSTS, no upgrade to https', async () => {
    const page = await call(app, 'GET', '/');
    const csp = directives(String(page.headers['content-security-policy']));
    expect(csp.get('script-src')).toEqual(["'self'"]);
    for (const [name, sources] of csp) {
      if (name !== 'style-src') expect(sources, name).not.toContain("'unsafe-inline'");
      expect(sources, name).not.toContain("'unsafe-eval'");
      expect(sources, name).not.toContain('*');
    }
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
    expect(csp.has('block-all-mixed-content')).toBe(false);
    expect(page.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('API answers', () => {
  it('a JSON answer gets nosniff only', async () => {
    const stats = await call(app, 'GET', '/api/stats');
    expect(stats.status).toBe(200);
    expect(securityHeaders(stats.headers)).toEqual(API_HEADERS);
    const joined = await call(app, 'POST', '/api/join', { name: 'headers' });
    expect(joined.status).toBe(201);
    expect(securityHeaders(joined.headers)).toEqual(API_HEADERS);
  });

  it('an API 404, an error answer and the WebSocket path without an upgrade: nosniff only', async () => {
    const missing = await call(app, 'GET', '/api/no-such-route');
    expect(missing.status).toBe(404);
    expect(securityHeaders(missing.headers)).toEqual(API_HEADERS);
    const invalid = await call(app, 'POST', '/api/messages', '{not json');
    expect(invalid.status).toBe(400);
    expect(securityHeaders(invalid.headers)).toEqual(API_HEADERS);
    const noUpgrade = await call(app, 'GET', '/ws/raw');
    expect(noUpgrade.status).toBe(426);
    expect(securityHeaders(noUpgrade.headers)).toEqual(API_HEADERS);
  });

  it('an event stream (a hijacked reply that writes its own head) keeps nosniff', async () => {
    const server = await start({ staticDir: dist });
    const stream = new SseReader(`${server.url}/api/events`);
    try {
      const res = await stream.response;
      expect(res.statusCode).toBe(200);
      expect(securityHeaders(res.headers)).toEqual(API_HEADERS);
    } finally {
      stream.req.destroy();
      const closing = server.app.close();
      server.app.server.closeAllConnections();
      await closing;
    }
  });
});
