// The daemon's configuration schema. Key names under server/storage/auth/consoles are a contract
// (docs and acceptance checks rely on them). Every object is strict so that a typo is an error.
import { Type, type Static } from '@sinclair/typebox';
import { SourceConfigSchema } from '../uart/config.js';

const Role = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]);

export const ServerSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'Address to listen on. Loopback by default: expose it on purpose.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 7070 }),
    tls: Type.Optional(
      Type.Object({ cert: Type.String({ description: 'PEM certificate path' }), key: Type.String({ description: 'PEM key path' }) }, { additionalProperties: false }),
    ),
    origins: Type.Array(Type.String(), {
      default: [],
      description: "Extra allowed WebSocket Origins (e.g. 'https://lab.example.org'). Same-host origins are always allowed; requests with no Origin (CLI, scripts) too.",
    }),
    maxClientBufferBytes: Type.Integer({ minimum: 65536, default: 4 * 1024 * 1024, description: 'Per WebSocket client send queue bound; past it the client gets a gap message.' }),
    slowClientCloseMs: Type.Integer({ minimum: 1000, default: 30_000, description: 'A client whose queue has not drained for this long is closed with a reason.' }),
  },
  { additionalProperties: false, default: {} },
);

export const StorageSchema = Type.Object(
  {
    dir: Type.String({ default: './data', description: 'Where raw bytes, the line/event index and boots are kept (one folder per console).' }),
    flushMs: Type.Integer({ minimum: 1, maximum: 10_000, default: 200, description: 'Received data is written to disk at least this often (the kill -9 loss window).' }),
    fsync: Type.Union([Type.Literal('never'), Type.Literal('flush'), Type.Literal('interval')], {
      default: 'interval',
      description: "'never': leave it to the OS; 'flush': fsync on every flush; 'interval': fsync at most every fsyncIntervalMs.",
    }),
    fsyncIntervalMs: Type.Integer({ minimum: 10, default: 1000 }),
    segmentBytes: Type.Integer({ minimum: 4096, default: 16 * 1024 * 1024, description: 'Size of one raw segment file.' }),
    retention: Type.Object(
      {
        maxBytes: Type.Integer({ minimum: 0, default: 2 * 1024 * 1024 * 1024, description: 'Raw bytes kept per console (0 = unlimited); oldest segments go first.' }),
        maxAgeDays: Type.Number({ minimum: 0, default: 90, description: 'Segments older than this are dropped (0 = forever).' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const TokenSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    token: Type.String({ minLength: 8, description: 'Secret sent as `Authorization: Bearer TOKEN` (or ?token= for WebSockets).' }),
    role: Role,
  },
  { additionalProperties: false },
);

export const AuthSchema = Type.Object(
  {
    tokens: Type.Array(TokenSchema, { default: [] }),
    anonymous: Type.Union([Role, Type.Literal('none')], {
      default: 'viewer',
      description: "Role of a request with no token when no tokens are configured. Once tokens exist, every request needs one and this is ignored.",
    }),
  },
  { additionalProperties: false, default: {} },
);

export const ConsoleSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'Console id used in URLs' }),
    description: Type.Optional(Type.String()),
    source: SourceConfigSchema,
    framing: Type.Object(
      {
        idleFlushMs: Type.Integer({ minimum: 10, default: 250, description: 'An unterminated line (a prompt) is flushed as partial after this much silence.' }),
        maxLineBytes: Type.Integer({ minimum: 64, default: 8192, description: 'Longer lines are cut at this length and marked.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    xen: Type.Object(
      {
        conswitch: Type.String({ minLength: 1, maxLength: 2, pattern: '^[a-zA-Z]', default: 'a', description: "Xen's conswitch= letter: input switches with CTRL-<letter> three times." }),
        quietMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 800, description: "A debug key's answer is complete after this much silence from Xen." }),
        answerTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 4000, description: 'Xen must start answering a key or confirm an input switch within this.' }),
        maxCaptureMs: Type.Integer({ minimum: 500, maximum: 600_000, default: 30_000, description: "Upper bound of one key's capture." }),
        keysPerMinute: Type.Integer({ minimum: 1, maximum: 10_000, default: 30, description: 'Debug-key requests allowed per console per minute.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    diagnose: Type.Object(
      {
        watchSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 30, description: 'dom0 silent this long during boot or while a typed command runs: suggest the interrupt diagnosis (0: never).' }),
        auto: Type.Boolean({ default: false, description: 'Also run the active diagnosis then (it presses debug keys).' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export const LogSchema = Type.Object(
  {
    level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
    pretty: Type.Union([Type.Boolean(), Type.Literal('auto')], { default: 'auto', description: 'Readable logs on a terminal, JSON otherwise.' }),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    server: ServerSchema,
    storage: StorageSchema,
    auth: AuthSchema,
    log: LogSchema,
    consoles: Type.Array(ConsoleSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type ConsoleConfig = Static<typeof ConsoleSchema>;
export type Role = Static<typeof Role>;
