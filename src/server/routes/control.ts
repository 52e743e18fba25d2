// Console control routes: debug keys, write lease, BREAK/SysRq, input (docs/control.md).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Daemon } from '../daemon.js';
import { ControlError, type ConsoleControl } from '../../control/control.js';
import { LeaseError, publicHolder } from '../../control/lease.js';
import { BreakBody, ConsoleParams, DiagnoseBody, ErrorOut, InputBody, KeysBody, LeaseBody, LeaseOut } from '../../protocol/api.js';
import { analyseCurrentBoot, runInterruptDiagnosis } from '../../diagnose/run.js';

type Params = Static<typeof ConsoleParams>;

export function sendControlError(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof ControlError) return reply.code(e.status).send({ statusCode: e.status, error: e.code, message: e.message });
  if (e instanceof LeaseError) return reply.code(e.status).send({ statusCode: e.status, error: e.status === 409 ? 'lease-held' : 'forbidden', message: e.message });
  throw e;
}

/** The console's control, or undefined after sending a 404. */
function controlOf(d: Daemon, id: string, reply: FastifyReply): ConsoleControl | undefined {
  const c = d.controls.get(id);
  if (!c) void reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no console "${id}"` });
  return c;
}

export function controlRoutes(d: Daemon) {
  return async (app: FastifyInstance): Promise<void> => {
    const get = (id: string, reply: FastifyReply) => controlOf(d, id, reply);
    const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut };

    app.post<{ Params: Params; Body: Static<typeof KeysBody> }>('/api/v1/consoles/:id/xen/keys', {
      config: { role: 'operator' },
      schema: { summary: 'Press Xen debug keys and get the decoded answer (operator; R C % + - G A: admin + confirm)', params: ConsoleParams, body: KeysBody },
    }, async (req, reply) => {
      const c = get(req.params.id, reply);
      if (!c) return reply;
      try {
        return await c.keys(req.principal, req.body.keys, { confirm: req.body.confirm });
      } catch (e) {
        return sendControlError(reply, e);
      }
    });

    app.get<{ Params: Params }>('/api/v1/consoles/:id/lease', {
      schema: { summary: 'Who holds the write lease', params: ConsoleParams, response: { 200: LeaseOut, ...errors } },
    }, async (req, reply) => {
      const c = get(req.params.id, reply);
      if (!c) return reply;
      return { holder: publicHolder(c.lease.holder), you: c.lease.heldBy(req.principal) };
    });

    app.post<{ Params: Params; Body: Static<typeof LeaseBody> | undefined }>('/api/v1/consoles/:id/lease', {
      config: { role: 'operator' },
      schema: { summary: 'Take the write lease (operator; force: admin)', params: ConsoleParams, body: LeaseBody, response: { 200: LeaseOut, ...errors } },
    }, async (req, reply) => {
      const c = get(req.params.id, reply);
      if (!c) return reply;
      try {
        c.lease.take(req.principal, req.body?.force ?? false);
        return { holder: publicHolder(c.lease.holder), you: true };
      } catch (e) {
        return sendControlError(reply, e);
      }
    });

    app.delete<{ Params: Params }>('/api/v1/consoles/:id/lease', {
      config: { role: 'operator' },
      schema: { summary: 'Release the write lease (its holder, or an admin)', params: ConsoleParams, response: { 200: LeaseOut, ...errors } },
    }, async (req, reply) => {
      const c = get(req.params.id, reply);
      if (!c) return reply;
      try {
        c.lease.release(req.principal);
        return { holder: publicHolder(c.lease.holder), you: false };
      } catch (e) {
        return sendControlError(reply, e);
      }
    });

    app.post<{ Params: Params; Body: Static<typeof BreakBody> | undefined }>('/api/v1/consoles/:id/break', {
      config: { role: 'operator' },
      schema: { summary: 'Send a BREAK (serial: break condition; telnet: IAC BRK); with sysrq, then that key (lease holder)', params: ConsoleParams, body: BreakBody },
    }, async (req, reply) => {
      const c = get(req.params.id, reply);
      if (!c) return reply;
      try {
        return await c.sendBreak(req.principal, req.body?.ms ?? 250, req.body?.sysrq);
      } catch (e) {
        return sendControlError(reply, e);
      }
    });

    app.post<{ Params: Params; Body: Static<typeof InputBody> }>('/api/v1/consoles/:id/input', {
      config: { role: 'operator' },
      schema: { summary: 'Type into the console (lease holder); refused while input is on Xen unless force', params: ConsoleParams, body: InputBody },
    }, async (req, reply) => {
      const c = get(req.params.id, reply);
      if (!c) return reply;
      try {
        await c.input(req.principal, Buffer.from(req.body.data, 'utf8'), { force: req.body.force });
        return { ok: true, bytes: Buffer.byteLength(req.body.data) };
      } catch (e) {
        return sendControlError(reply, e);
      }
    });
  };
}

export function diagnoseRoutes(d: Daemon) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Params: Params }>('/api/v1/consoles/:id/diagnose/interrupts', {
      schema: { summary: 'Interrupt diagnosis of the current boot from what the history already holds (no keys pressed)', params: ConsoleParams },
    }, async (req, reply) => {
      const c = controlOf(d, req.params.id, reply);
      if (!c) return reply;
      return analyseCurrentBoot(c.rt);
    });

    app.post<{ Params: Params; Body: Static<typeof DiagnoseBody> | undefined }>('/api/v1/consoles/:id/diagnose/interrupts', {
      config: { role: 'operator' },
      schema: { summary: 'Active interrupt diagnosis: presses q and e twice (seconds apart), then d and 0; optionally cat /proc/interrupts; returns findings (operator)', params: ConsoleParams, body: DiagnoseBody },
    }, async (req, reply) => {
      const c = controlOf(d, req.params.id, reply);
      if (!c) return reply;
      try {
        return await runInterruptDiagnosis(c, req.principal, { seconds: req.body?.seconds ?? 5, proc: req.body?.proc ?? false });
      } catch (e) {
        return sendControlError(reply, e);
      }
    });
  };
}
