// The HTTP server: fastify with a JSON schema on every route, OpenAPI at /docs, Prometheus at
// /metrics, the WebSocket stream. Bad input gets a 4xx naming the field, never a 500.
import Fastify, { LogController, type FastifyInstance, type FastifyError } from 'fastify';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { readFileSync } from 'node:fs';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import type { Daemon } from './daemon.js';
import { Auth, authHook } from './auth.js';
import { createMetrics } from './metrics.js';
import { consoleRoutes } from './routes/consoles.js';
import { streamRoutes } from './routes/stream.js';
import { webRoutes } from './routes/web.js';
import { controlRoutes, diagnoseRoutes } from './routes/control.js';
import { PROTOCOL_VERSION } from '../protocol/messages.js';

export async function buildApp(d: Daemon): Promise<FastifyInstance> {
  const tls = d.config.server.tls;
  const app = Fastify({
    loggerInstance: d.log.child({ component: 'http' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    ...(tls ? { https: { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } } : {}),
  }) as unknown as FastifyInstance;

  // Query strings and path params are text, so they are coerced ("5" -> 5); JSON bodies are not:
  // {"text": 5} is an error, not "5".
  const ajvOpts: AjvOptions = { useDefaults: true, removeAdditional: false, allErrors: false, strict: false };
  const loose = new Ajv({ ...ajvOpts, coerceTypes: 'array' });
  const strict = new Ajv({ ...ajvOpts, coerceTypes: false });
  for (const a of [loose, strict]) (addFormats as unknown as (a: Ajv) => void)(a);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : loose).compile(schema));

  const auth = new Auth(d.config.auth);
  app.decorateRequest('principal', undefined as never);

  await app.register(swagger, {
    openapi: {
      info: { title: 'xenuart', version: '1', description: `Serial console server for Xen on ARM. WebSocket protocol version ${PROTOCOL_VERSION} (docs/protocol.md).` },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiHooks: {} });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  app.addHook('onRequest', authHook(auth));

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation) {
      const v = err.validation[0];
      const field = `${err.validationContext ?? 'request'}${v?.instancePath ? v.instancePath.replace(/\//g, '.') : ''}`;
      const extra = v?.params && 'additionalProperty' in v.params ? ` '${String(v.params.additionalProperty)}'` : '';
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `${field}: ${v?.message ?? err.message}${extra}` });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'request failed');
    return reply.code(status).send({ statusCode: status, error: status === 500 ? 'Internal Server Error' : 'Bad Request', message: status === 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));

  const metrics = createMetrics(d);
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({
    ok: true,
    uptime: (Date.now() - d.startedAt) / 1000,
    consoles: [...d.consoles.values()].map((c) => ({ id: c.id, up: c.status.up })),
  }));
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type(metrics.contentType);
    return metrics.metrics();
  });

  await app.register(consoleRoutes(d));
  await app.register(streamRoutes(d));
  await app.register(webRoutes(d));
  await app.register(controlRoutes(d));
  await app.register(diagnoseRoutes(d));
  return app;
}
