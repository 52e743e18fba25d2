// REST routes over one console's history: lines, raw bytes, boots, events, notes.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { Daemon } from '../daemon.js';
import type { ConsoleRuntime } from '../../core/console.js';
import { publicHolder } from '../../control/lease.js';
import { BootOut, ConsoleOut, ConsoleParams, ErrorOut, EventOut, EventsQuery, LineOut, LinesQuery, NoteBody, OpenEventOut, RawQuery } from '../../protocol/api.js';

const EVENTS_OPEN = Buffer.from('{"events":[');
const EVENTS_CLOSE = Buffer.from(']}');
const COMMA = Buffer.from(',');
const EMPTY = Buffer.alloc(0);

type Params = Static<typeof ConsoleParams>;

export function consoleInfo(d: Daemon, rt: ConsoleRuntime): Static<typeof ConsoleOut> {
  const hub = d.hubs.get(rt.id)!;
  const st = rt.status;
  return {
    id: rt.id,
    ...(rt.config.description ? { description: rt.config.description } : {}),
    source: { type: rt.source.type, describe: rt.source.describe() },
    status: st.up ? 'up' : 'down',
    reason: st.reason,
    since: st.since,
    nextSeq: rt.nextSeq,
    counters: { ...pick(rt.counters), clients: hub.size, queueDrops: hub.counters.queueDrops },
    focus: rt.focus,
    lease: publicHolder(d.controls.get(rt.id)?.lease.holder ?? null),
  };
}

function pick(c: ConsoleRuntime['counters']) {
  return { bytesIn: c.bytesIn, lines: c.lines, events: c.events, reconnects: c.reconnects };
}

function parseTime(t: number | string | undefined): number | undefined {
  if (t === undefined) return undefined;
  if (typeof t === 'number') return t;
  return Date.parse(t);
}

export function consoleRoutes(d: Daemon) {
  return async (app: FastifyInstance): Promise<void> => {
    const get = (id: string, reply: FastifyReply): ConsoleRuntime | undefined => {
      const rt = d.consoles.get(id);
      if (!rt) void reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no console "${id}"` });
      return rt;
    };
    const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut };

    app.get('/api/v1/consoles', {
      schema: { summary: 'List consoles', response: { 200: Type.Object({ consoles: Type.Array(ConsoleOut) }), ...errors } },
    }, async () => ({ consoles: [...d.consoles.values()].map((rt) => consoleInfo(d, rt)) }));

    app.get<{ Params: Params }>('/api/v1/consoles/:id', {
      schema: { summary: 'One console', params: ConsoleParams, response: { 200: ConsoleOut, ...errors } },
    }, async (req, reply) => {
      const rt = get(req.params.id, reply);
      return rt ? consoleInfo(d, rt) : reply;
    });

    app.get<{ Params: Params; Querystring: Static<typeof LinesQuery> }>('/api/v1/consoles/:id/lines', {
      schema: {
        summary: 'Lines by seq range, by time, by text search',
        params: ConsoleParams, querystring: LinesQuery,
        response: { 200: Type.Object({ lines: Type.Array(LineOut), nextSeq: Type.Integer(), more: Type.Boolean() }), ...errors },
      },
    }, async (req, reply) => {
      const rt = get(req.params.id, reply);
      if (!rt) return reply;
      const q = req.query;
      const since = parseTime(q.since);
      const until = parseTime(q.until);
      if (since !== undefined && Number.isNaN(since)) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'querystring.since: not a time' });
      if (q.from !== undefined && q.to !== undefined && q.to < q.from) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'querystring.to: must be >= from' });
      const limit = q.limit ?? 1000;
      const lines = rt.store.lines({ from: q.from, to: q.to, since, until, q: q.q, limit: limit + 1, desc: q.order === 'desc' });
      const more = lines.length > limit;
      if (more) lines.pop();
      return { lines: lines.map(({ offset: _o, length: _l, ...l }) => l), nextSeq: rt.nextSeq, more };
    });

    app.get<{ Params: Params; Querystring: Static<typeof RawQuery> }>('/api/v1/consoles/:id/raw', {
      schema: { summary: 'Raw bytes, byte-exact (application/octet-stream)', params: ConsoleParams, querystring: RawQuery },
    }, async (req, reply) => {
      const rt = get(req.params.id, reply);
      if (!rt) return reply;
      const { from, to } = req.query;
      if (from !== undefined && to !== undefined && to < from) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'querystring.to: must be >= from' });
      const buf = rt.store.raw(from, to);
      return reply.type('application/octet-stream').header('content-disposition', `inline; filename="${rt.id}.raw"`).send(buf);
    });

    app.get<{ Params: Params }>('/api/v1/consoles/:id/boots', {
      schema: { summary: 'Boot records', params: ConsoleParams, response: { 200: Type.Object({ boots: Type.Array(BootOut) }), ...errors } },
    }, async (req, reply) => {
      const rt = get(req.params.id, reply);
      return rt ? { boots: rt.store.boots() } : reply;
    });

    app.get<{ Params: Params; Querystring: Static<typeof EventsQuery> }>('/api/v1/consoles/:id/events', {
      schema: {
        summary: 'Decoded events (and status/audit records)',
        params: ConsoleParams, querystring: EventsQuery,
        response: { 200: Type.Object({ events: Type.Array(EventOut) }), ...errors },
      },
    }, async (req, reply) => {
      const rt = get(req.params.id, reply);
      if (!rt) return reply;
      const q = req.query;
      const kind = q.kind?.split(',').map((k) => k.trim()).filter(Boolean);
      // The events as stored (UTF-8 JSON of the EventOut shape) go out as they are: parsing and
      // serialising them again took several times as long as the query (1.4 MB for 1 000 reports).
      if (q.after !== undefined && q.order === 'desc') return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'querystring.after: pages in id order, so it needs order=asc' });
      const json = rt.store.eventsJson({ kind, from: q.from, to: q.to, boot: q.boot, limit: q.limit, desc: q.order === 'desc', afterId: q.after });
      const parts: Buffer[] = [EVENTS_OPEN];
      for (let i = 0; i < json.length; i++) parts.push(i ? COMMA : EMPTY, json[i]);
      parts.push(EVENTS_CLOSE);
      return reply.type('application/json; charset=utf-8').send(Buffer.concat(parts));
    });

    app.get<{ Params: Params }>('/api/v1/consoles/:id/events/open', {
      schema: {
        summary: 'Events of the blocks the decoders hold open now (partial, reason "still open"; no id: they are stored when they close)',
        params: ConsoleParams,
        response: { 200: Type.Object({ events: Type.Array(OpenEventOut) }), ...errors },
      },
    }, async (req, reply) => {
      const rt = get(req.params.id, reply);
      return rt ? { events: rt.openEvents() } : reply;
    });

    app.post<{ Params: Params; Body: Static<typeof NoteBody> }>('/api/v1/consoles/:id/notes', {
      config: { role: 'operator' },
      schema: { summary: 'Put a note into the console history (operator)', params: ConsoleParams, body: NoteBody, response: { 200: EventOut, ...errors } },
    }, async (req, reply) => {
      const rt = get(req.params.id, reply);
      if (!rt) return reply;
      return rt.record('note', { text: req.body.text, by: req.principal.name });
    });
  };
}
