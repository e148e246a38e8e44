// Security headers (issue 10), sent with @fastify/helmet. Pages get a content
// security policy and the headers that only mean something to a document;
// API answers get nosniff alone, because the dashboard counts every byte a
// poll answer carries (GET /api/stats): the page set is 527 bytes, more than
// twice an empty short-poll answer, and would teach the wrong overhead.
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** Paths whose answers are JSON, event streams or WebSocket handshakes, never a page. */
const API_PREFIXES = ['/api/', '/ws/'];

/**
 * The dashboard's policy, one reason per directive. Everything it loads is its own
 * built files; nothing is inlined in index.html.
 */
export const PAGE_CSP = {
  // Anything not named below (fonts, workers, frames, media): this server only.
  'default-src': ["'self'"],
  // Built modules only: no inline script, no eval. Named although default-src says the same,
  // so that widening default-src for anything else can never widen scripts.
  'script-src': ["'self'"],
  // Stylesheets from this server only, but inline styles allowed: mermaid (the docs' diagrams)
  // puts a <style> element in every SVG it draws and sets style attributes through d3, with no
  // nonce option. Without this every diagram loses its theme. Styles cannot run code, and any
  // url() in an injected one still reaches this server only (img-src, default-src).
  'style-src': ["'self'", "'unsafe-inline'"],
  // index.html's icon is `data:,` (no request for /favicon.ico).
  'img-src': ["'self'", 'data:'],
  // fetch, EventSource and WebSocket to this server. CSP 3 "'self'" also matches ws: and wss:
  // on the page's own host and port (checked in Chromium by apps/web/test/csp.browser.test.ts).
  'connect-src': ["'self'"],
  // No plugins at all (default-src would still allow them from this server).
  'object-src': ["'none'"],
  // Does not fall back to default-src: an injected <base> could otherwise move every relative URL.
  'base-uri': ["'none'"],
  // Does not fall back either: no form may post to another origin.
  'form-action': ["'self'"],
  // No other site may frame the dashboard (clickjacking its teacher controls).
  'frame-ancestors': ["'none'"],
} as const;

export function installSecurityHeaders(app: FastifyInstance): void {
  // global: false: helmet only decorates reply.helmet(); the hook below chooses who gets what.
  void app.register(fastifyHelmet, {
    global: false,
    contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP },
    // The URLs carry nothing secret (the teacher key rides in the fragment, which is never sent),
    // but the pages need no Referer either: links out to RFCs and MDN tell nobody the class's
    // LAN address. no-referrer rather than strict-origin-when-cross-origin, which would.
    referrerPolicy: { policy: 'no-referrer' },
    // The classroom server is plain http on a LAN. HSTS from it (over a TLS proxy, say) would make
    // browsers refuse the plain address for a year, and upgrade-insecure-requests (left out of
    // PAGE_CSP) would rewrite its own requests to an https that does not exist.
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
  });
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url;
    if (API_PREFIXES.some((prefix) => path.startsWith(prefix))) {
      // On the raw response: event streams hijack the reply and write their own head.
      reply.raw.setHeader('x-content-type-options', 'nosniff');
      return;
    }
    reply.helmet();
  });
}
