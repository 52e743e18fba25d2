// WebSocket /api/v1/consoles/:id/stream?from=SEQ: history from SEQ, then live (docs/protocol.md).
// Browser upgrades must come from an allowed Origin (same host, or server.origins).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Daemon } from '../daemon.js';
import { ConsoleParams, StreamQuery } from '../../protocol/api.js';
import { StreamClient } from '../../hub/hub.js';

export function originAllowed(req: FastifyRequest, extra: string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // not a browser: CLI, scripts
  if (extra.includes(origin) || extra.includes('*')) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function streamRoutes(d: Daemon) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Params: Static<typeof ConsoleParams>; Querystring: Static<typeof StreamQuery> }>('/api/v1/consoles/:id/stream', {
      websocket: true,
      schema: { summary: 'WebSocket: history from ?from=SEQ then live (protocol v1, docs/protocol.md)', params: ConsoleParams, querystring: StreamQuery },
      preValidation: async (req, reply) => {
        if (!originAllowed(req, d.config.server.origins)) {
          return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `WebSocket Origin ${req.headers.origin} is not allowed` });
        }
        if (!d.consoles.has(req.params.id)) {
          return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no console "${req.params.id}"` });
        }
      },
    }, (socket, req) => {
      const hub = d.hubs.get(req.params.id)!;
      const q = req.query;
      const client = new StreamClient(socket, { batch: q.batch === '1' || q.batch === true, role: req.principal.role, token: req.principal.token });
      socket.on('message', (data, isBinary) => {
        // Client -> server messages come with console control; until then, say so.
        let type = 'unknown';
        try { type = String((JSON.parse(isBinary ? '' : data.toString()) as { type?: unknown }).type ?? 'unknown'); } catch { /* not JSON */ }
        client.send({ type: 'error', code: 'unsupported', message: `message type "${type}" is not supported on this stream` });
      });
      hub.add(client, q.from);
    });
  };
}
