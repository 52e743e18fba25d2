// The event envelope every decoder event travels in (REST, WebSocket, store). Contract: add
// fields freely, never rename these.
import { Type, type Static } from '@sinclair/typebox';

export const EventEnvelopeSchema = Type.Object(
  {
    kind: Type.String({ description: "Event kind, e.g. 'xen.regs', 'linux.oops' (see docs/events.md)" }),
    console: Type.String({ description: 'Console id' }),
    firstSeq: Type.Integer({ description: 'Seq of the first line the event was decoded from' }),
    lastSeq: Type.Integer({ description: 'Seq of the last line the event was decoded from' }),
    ts: Type.Number({ description: 'Host receive time of the first line, ms since the epoch' }),
    partial: Type.Optional(Type.Boolean({ description: 'The block was cut short or interrupted' })),
    reason: Type.Optional(Type.String({ description: 'Why the event is partial' })),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'Event', additionalProperties: true },
);

export type ConsoleEvent = Static<typeof EventEnvelopeSchema>;

export type EventKind = string;
