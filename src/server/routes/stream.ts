// WebSocket /api/v1/consoles/:id/stream?from=SEQ: history from SEQ, then live (docs/protocol.md).
// Browser upgrades must come from an allowed Origin (same host, or server.origins).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Daemon } from '../daemon.js';
import { ConsoleParams, StreamQuery } from '../../protocol/api.js';
import { StreamClient } from '../../hub/hub.js';
import { ControlError, type ConsoleControl } from '../../control/control.js';
import { LeaseError } from '../../control/lease.js';
import type { Principal } from '../auth.js';

/**
 * Client -> server messages (docs/protocol.md): `input`, `keys`, `lease`. Errors come back as
 * `{type:'error'}`; nothing is written to the board for a refused message.
 */
async function handleClientMessage(control: ConsoleControl, p: Principal, client: StreamClient, text: string | undefined): Promise<void> {
  let m: Record<string, unknown>;
  try {
    const v = text === undefined ? undefined : JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    m = v as Record<string, unknown>;
  } catch {
    client.send({ type: 'error', code: 'bad-message', message: 'messages must be JSON objects with a type' });
    return;
  }
  const id = typeof m.id === 'string' || typeof m.id === 'number' ? m.id : undefined;
  const fail = (code: string, message: string) => client.send({ type: 'error', code, message, ...(id !== undefined ? { id } : {}) } as never);
  try {
    if (m.type === 'input') {
      if (typeof m.data !== 'string' || m.data.length === 0 || m.data.length > 65536) return fail('bad-message', 'input: data must be a non-empty string (at most 64 KiB)');
      await control.input(p, Buffer.from(m.data, 'utf8'), { force: m.force === true });
    } else if (m.type === 'keys') {
      if (typeof m.keys !== 'string') return fail('bad-message', 'keys: keys must be a string');
      const r = await control.keys(p, m.keys, { confirm: m.confirm === true });
      client.send({ type: 'keys.result', ...(id !== undefined ? { id } : {}), ...r } as never);
    } else if (m.type === 'lease') {
      if (m.action === 'take') control.lease.take(p, m.force === true);
      else if (m.action === 'release') control.lease.release(p);
      else return fail('bad-message', "lease: action must be 'take' or 'release'");
    } else {
      return fail('unsupported', `message type ${JSON.stringify(m.type)} is not supported`);
    }
  } catch (e) {
    if (e instanceof ControlError) return fail(e.code, e.message);
    if (e instanceof LeaseError) return fail(e.status === 409 ? 'lease-held' : 'forbidden', e.message);
    return fail('internal', 'internal error');
  }
}


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
      const client = new StreamClient(socket, { batch: q.batch === '1' || q.batch === true, raw: q.raw === '1' || q.raw === true, role: req.principal.role, token: req.principal.token });
      const control = d.controls.get(req.params.id)!;
      const principal = req.principal;
      socket.on('message', (data, isBinary) => {
        void handleClientMessage(control, principal, client, isBinary ? undefined : data.toString());
      });
      hub.add(client, q.from);
    });
  };
}
