// The built dashboard (apps/web/dist) served as a production site: compressed when the
// browser accepts it, hashed files cached for good, index.html revalidated on every load.
//
// Compression lives in this plugin's scope only. The API is left alone: a poll answer's
// bytes are what the dashboard measures and teaches (its headers per message), and an
// event stream hijacks its reply, so no compressor could buffer it anyway.
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { sep } from 'node:path';

/** Vite names every built file under assets/ by its content hash: a new build is a new name. */
export const HASHED_DIR = 'assets';
export const CACHE_FOREVER = 'public, max-age=31536000, immutable';
/** Cached, but asked again each time (an ETag makes that a 304): index.html names the current hashes. */
export const CACHE_REVALIDATE = 'no-cache';

/** Text types worth compressing; images and fonts arrive compressed already. */
const COMPRESSIBLE = /^(text\/(html|css|javascript|plain)|application\/(javascript|json|manifest\+json)|image\/svg\+xml)\b/;

export interface StaticSiteOptions {
  root: string;
}

export const staticSite: FastifyPluginAsync<StaticSiteOptions> = async (app, { root }) => {
  const hashed = `${root.endsWith(sep) ? root : root + sep}${HASHED_DIR}${sep}`;
  await app.register(fastifyCompress, {
    // Either saves about 2/3 of the dashboard's scripts (main bundle 529 kB → 173 kB gzip, 175 kB br);
    // brotli at the plugin's default quality (4) is quick enough per request, and no better than gzip.
    encodings: ['br', 'gzip'],
    customTypes: COMPRESSIBLE,
    // Nothing here takes a compressed request body.
    globalDecompression: false,
  });
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: true,
    index: 'index.html',
    cacheControl: false,
    setHeaders: (reply: FastifyReply, path: string) => {
      void reply.header('cache-control', path.startsWith(hashed) ? CACHE_FOREVER : CACHE_REVALIDATE);
    },
  });
};
