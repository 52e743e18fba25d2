// The web page (web/, built by Vite into web/dist): served at / with @fastify/static. The static
// files are public (the page asks for a token itself); every /api route keeps its auth. The page
// gets a strict Content-Security-Policy: scripts only from this origin, no inline scripts.
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Daemon } from '../daemon.js';

export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

// xterm.js writes <style> elements for its theme, hence 'unsafe-inline' for styles only.
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html><html><head><meta charset="utf-8"><title>xenuart</title></head><body>
<h1>xenuart</h1><p>The web page is not built. Run <code>npm run build:web</code> (or <code>npm install</code>,
which builds it) in the xenuart folder, then reload. The API is at <a href="/docs">/docs</a>.</p></body></html>`;

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', WEB_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

export function webRoutes(d: Daemon, dist = WEB_DIST) {
  return async (app: FastifyInstance): Promise<void> => {
    // Static files need no token: mark every route of this plugin public for the auth hook.
    app.addHook('onRoute', (r) => {
      r.config = { ...(r.config as object | undefined), public: true } as typeof r.config;
    });
    await app.register(fastifyStatic, { root: dist, serve: false, decorateReply: true, index: false, cacheControl: false });

    const index = async (_req: unknown, reply: FastifyReply) => {
      secure(reply);
      if (!existsSync(path.join(dist, 'index.html'))) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
      return reply.header('cache-control', 'no-cache').sendFile('index.html', dist);
    };
    app.get('/', { schema: { hide: true } }, index);
    app.get('/index.html', { schema: { hide: true } }, index);
    // Hashed build output: cache for long.
    app.get<{ Params: { '*': string } }>('/assets/*', { schema: { hide: true } }, async (req, reply) => {
      secure(reply);
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(req.params['*'], path.join(dist, 'assets'));
    });
    // What the page must know before its first API call: whether to ask for a token (so it never
    // makes a request that fails with 401) and each console's input switch character.
    app.get('/web/config.json', { schema: { hide: true } }, async () => ({
      tokens: d.config.auth.tokens.length > 0,
      anonymous: d.config.auth.anonymous,
      conswitch: Object.fromEntries(d.config.consoles.map((c) => [c.id, c.xen.conswitch])),
    }));
    app.get('/favicon.svg', { schema: { hide: true } }, async (_req, reply) => secure(reply).sendFile('favicon.svg', dist));
  };
}
