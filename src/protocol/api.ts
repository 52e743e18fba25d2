// REST request and response schemas (JSON Schema via TypeBox). The server validates every
// request against them, and /docs (OpenAPI) is generated from them.
import { Type } from '@sinclair/typebox';
import { EventEnvelopeSchema } from './events.js';

export const ConsoleParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'Console id' }) });

const Seq = (description: string) => Type.Integer({ minimum: 0, description });
const Time = (description: string) => Type.Union([Type.Number({ minimum: 0 }), Type.String({ format: 'date-time' })], { description });

export const LinesQuery = Type.Object(
  {
    from: Type.Optional(Seq('First seq (inclusive)')),
    to: Type.Optional(Seq('Last seq (inclusive)')),
    since: Type.Optional(Time('Receive time lower bound: ms since the epoch or an ISO 8601 date-time')),
    until: Type.Optional(Time('Receive time upper bound')),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Text search (words in order, case-insensitive)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, default: 1000 })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc', description: "'desc' gives the newest lines first" })),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const RawQuery = Type.Object(
  {
    from: Type.Optional(Seq('First line seq (inclusive); default: oldest kept byte')),
    to: Type.Optional(Seq('Last line seq (inclusive); default: newest byte')),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const EventsQuery = Type.Object(
  {
    kind: Type.Optional(Type.String({ maxLength: 500, description: "Comma-separated kinds; 'xen.*' matches a prefix" })),
    from: Type.Optional(Seq('Events ending at or after this seq')),
    to: Type.Optional(Seq('Events starting at or before this seq')),
    boot: Type.Optional(Type.Integer({ minimum: 0, description: 'Boot id from /boots' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, default: 1000 })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc' })),
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'Only events with a greater id: to page, pass the last id of the previous page (order=asc)' })),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const StreamQuery = Type.Object(
  {
    from: Type.Optional(Seq('Send history from this seq, then live. Omit for live only.')),
    batch: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Boolean()], { description: 'Receive {type:"batch"} frames' })),
    raw: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Boolean()], { description: 'Also receive live raw chunks {type:"raw", off, ts, data (base64)}: for interactive terminals' })),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const NoteBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 2000, description: 'A note to put into the console history (e.g. "flashed new dtb")' }) },
  { additionalProperties: false },
);

export const LineOut = Type.Object({
  seq: Type.Integer(),
  ts: Type.Number(),
  text: Type.String(),
  partial: Type.Optional(Type.Boolean()),
  cont: Type.Optional(Type.Boolean()),
  cut: Type.Optional(Type.Boolean()),
});

export const ConsoleOut = Type.Object({
  id: Type.String(),
  description: Type.Optional(Type.String()),
  source: Type.Object({ type: Type.String(), describe: Type.String() }),
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  reason: Type.String(),
  since: Type.Number(),
  nextSeq: Type.Integer(),
  counters: Type.Object({
    bytesIn: Type.Integer(), lines: Type.Integer(), events: Type.Integer(), reconnects: Type.Integer(), clients: Type.Integer(), queueDrops: Type.Integer(),
  }),
  focus: Type.String({ description: "Where the board's serial input goes: 'xen', 'dom0', 'dom1', ... or 'unknown'" }),
  lease: Type.Union([Type.Object({ name: Type.String(), role: Type.String(), since: Type.Number() }), Type.Null()], { description: 'Who holds the write lease' }),
});

export const EventOut = Type.Intersect([Type.Object({ id: Type.Integer() }), EventEnvelopeSchema]);

/** An event of a block still open (GET .../events/open): not stored yet, so it has no id. */
export const OpenEventOut = EventEnvelopeSchema;

export const BootOut = Type.Object({
  id: Type.Integer(),
  firstSeq: Type.Integer(),
  lastSeq: Type.Union([Type.Integer(), Type.Null()]),
  ts: Type.Number(),
  trigger: Type.String(),
  text: Type.String(),
});

export const ErrorOut = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() });

export const KeysBody = Type.Object(
  {
    keys: Type.String({ minLength: 1, maxLength: 16, pattern: '^[!-~]+$', description: 'Debug keys to press in order, e.g. "q" or "dq0"' }),
    confirm: Type.Optional(Type.Boolean({ description: 'Required (with role admin) for R, C, %, +, -, G, A' })),
  },
  { additionalProperties: false },
);

export const LeaseBody = Type.Object(
  { force: Type.Optional(Type.Boolean({ description: 'Admin only: take the lease over from its holder (who is told)' })) },
  { additionalProperties: false },
);

export const BreakBody = Type.Object(
  {
    ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 250, description: 'How long the BREAK condition lasts (serial devices)' })),
    sysrq: Type.Optional(Type.String({ minLength: 1, maxLength: 1, pattern: '^[!-~]$', description: 'Linux magic SysRq: send BREAK, then this key' })),
  },
  { additionalProperties: false },
);

export const InputBody = Type.Object(
  {
    data: Type.String({ minLength: 1, maxLength: 65536, description: 'Text to type (UTF-8), e.g. "uname -a\\r"' }),
    force: Type.Optional(Type.Boolean({ description: 'Send even while serial input is on Xen (every character is then a debug key)' })),
  },
  { additionalProperties: false },
);

export const LeaseOut = Type.Object({
  holder: Type.Union([Type.Object({ name: Type.String(), role: Type.String(), since: Type.Number() }), Type.Null()]),
  you: Type.Boolean({ description: 'You hold it' }),
});

export const DiagnoseBody = Type.Object(
  {
    seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 120, default: 5, description: 'Seconds between the two q snapshots' })),
    proc: Type.Optional(Type.Boolean({ default: false, description: 'Also type `cat /proc/interrupts` in dom0 before and after (only when a shell prompt is in view)' })),
  },
  { additionalProperties: false },
);
