// WebSocket stream protocol, version 1 (docs/protocol.md). Server -> client messages are JSON
// objects with a `type`. By default each WebSocket frame carries one message; a client that
// connects with `?batch=1` receives `{type:'batch', messages:[...]}` frames instead (one frame per
// chunk received from the UART), which is what high-rate clients should use.
import { Type, type Static } from '@sinclair/typebox';
import { EventEnvelopeSchema } from './events.js';

export const PROTOCOL_VERSION = 1;

export const LineMsg = Type.Object({
  type: Type.Literal('line'),
  seq: Type.Integer(),
  ts: Type.Number({ description: 'Host receive time of the first byte, ms since the epoch' }),
  text: Type.String(),
  partial: Type.Optional(Type.Literal(true)),
  cont: Type.Optional(Type.Literal(true)),
  cut: Type.Optional(Type.Literal(true)),
});

export const StatusMsg = Type.Object({
  type: Type.Literal('status'),
  up: Type.Boolean(),
  reason: Type.String(),
  ts: Type.Number(),
  seq: Type.Integer({ description: 'The status comes after the line with this seq' }),
});

export const GapMsg = Type.Object({
  type: Type.Literal('gap'),
  from: Type.Integer({ description: 'First seq not sent' }),
  to: Type.Integer({ description: 'Last seq not sent; fetch [from, to] with GET /lines or reconnect with ?from=' }),
  reason: Type.String(),
});

export const EventMsg = Type.Intersect([Type.Object({ type: Type.Literal('event'), id: Type.Integer() }), Type.Omit(EventEnvelopeSchema, [])]);

export const HelloMsg = Type.Object({
  type: Type.Literal('hello'),
  protocol: Type.Literal(PROTOCOL_VERSION),
  console: Type.String(),
  nextSeq: Type.Integer({ description: 'Seq the next live line will have' }),
  from: Type.Integer({ description: 'Seq history starts from (nextSeq when no history was asked for)' }),
  up: Type.Boolean(),
  role: Type.String(),
});

export const LiveMsg = Type.Object({ type: Type.Literal('live'), seq: Type.Integer({ description: 'History is complete up to this seq; live from here' }) });
export const ErrorMsg = Type.Object({ type: Type.Literal('error'), code: Type.String(), message: Type.String() });

export type LineMessage = Static<typeof LineMsg>;
export type StatusMessage = Static<typeof StatusMsg>;
export type GapMessage = Static<typeof GapMsg>;
export type EventMessage = { type: 'event'; id: number } & Static<typeof EventEnvelopeSchema>;
export type HelloMessage = Static<typeof HelloMsg>;
export type LiveMessage = Static<typeof LiveMsg>;
export type ErrorMessage = Static<typeof ErrorMsg>;
export type StreamMessage = LineMessage | StatusMessage | GapMessage | EventMessage | HelloMessage | LiveMessage | ErrorMessage;
/** Messages a console publishes (and history replays): the part of the stream with a seq position. */
export type RecordMessage = LineMessage | StatusMessage | EventMessage;
