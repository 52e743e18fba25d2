// Configuration of a byte source: one TypeBox schema per source type, joined into a union
// discriminated on `type`. Objects are strict (additionalProperties: false) so a misspelt key
// is reported instead of silently ignored. Keys with a `default` are optional in the type;
// fillDefaults()/parseSourceConfig() put the defaults in.
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const strict = { additionalProperties: false } as const;

export const SerialConfigSchema = Type.Object(
  {
    type: Type.Literal('serial'),
    path: Type.String({ minLength: 1, description: 'Device path: /dev/ttyUSB0, /dev/serial/by-id/..., a PTY' }),
    baudRate: Type.Optional(Type.Integer({ minimum: 1, default: 115200, description: 'Line speed in bit/s' })),
    dataBits: Type.Optional(
      Type.Union([Type.Literal(5), Type.Literal(6), Type.Literal(7), Type.Literal(8)], { default: 8, description: 'Data bits per character' }),
    ),
    parity: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('even'), Type.Literal('odd'), Type.Literal('mark'), Type.Literal('space')], {
        default: 'none',
        description: 'Parity bit',
      }),
    ),
    stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(1.5), Type.Literal(2)], { default: 1, description: 'Stop bits' })),
    rtscts: Type.Optional(Type.Boolean({ default: false, description: 'Hardware flow control (RTS/CTS)' })),
    xon: Type.Optional(Type.Boolean({ default: false, description: 'Software flow control (XON/XOFF), both directions' })),
  },
  { ...strict, description: 'A local serial device' },
);

export const TcpConfigSchema = Type.Object(
  {
    type: Type.Literal('tcp'),
    host: Type.Optional(Type.String({ minLength: 1, default: '127.0.0.1', description: 'Host name or address' })),
    port: Type.Integer({ minimum: 1, maximum: 65535, description: 'TCP port (QEMU -serial tcp:...,server=on, ser2net)' }),
    telnet: Type.Optional(
      Type.Boolean({ default: false, description: 'Speak telnet (RFC 854): ser2net telnet ports, QEMU telnet=on. Enables IAC BRK for BREAK' }),
    ),
  },
  { ...strict, description: 'A TCP client of a raw or telnet console port' },
);

export const UnixConfigSchema = Type.Object(
  {
    type: Type.Literal('unix'),
    path: Type.String({ minLength: 1, description: 'Unix socket path (QEMU -chardev socket,path=...,server=on)' }),
  },
  { ...strict, description: 'A unix socket client' },
);

export const ExecConfigSchema = Type.Object(
  {
    type: Type.Literal('exec'),
    command: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
      description: 'argv array, or a string run by /bin/sh -c. Its stdout is the console output, its stdin the input',
    }),
    restart: Type.Optional(
      Type.Union([Type.Literal('always'), Type.Literal('on-failure'), Type.Literal('never')], {
        default: 'always',
        description: 'Restart the command when it exits: always, only on a non-zero exit or signal, or never',
      }),
    ),
    cwd: Type.Optional(Type.String({ description: 'Working directory (relative to the config file)' })),
    env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Extra environment variables (added to the daemon\'s)' })),
    stderr: Type.Optional(
      Type.Union([Type.Literal('merge'), Type.Literal('ignore')], { default: 'merge', description: 'Merge stderr into the output, or drop it' }),
    ),
  },
  { ...strict, description: 'A command whose stdio is the console' },
);

export const ReplayConfigSchema = Type.Object(
  {
    type: Type.Literal('replay'),
    file: Type.String({ minLength: 1, description: 'A plain log, or a timed recording named *.xrec.jsonl' }),
    speed: Type.Optional(Type.Number({ minimum: 0, default: 1, description: 'Pace multiplier; 0 plays everything at once' })),
    loop: Type.Optional(Type.Boolean({ default: false, description: 'Start over after the end' })),
    baudRate: Type.Optional(
      Type.Integer({ minimum: 1, default: 115200, description: 'Pace of a plain log: that of a UART at this speed (baudRate/10 bytes/s)' }),
    ),
    loopGapMs: Type.Optional(Type.Integer({ minimum: 0, default: 2000, description: 'Pause between two loops, in ms' })),
    answers: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Demo board: recorded Xen logs whose debug-key answers the console plays back when CTRL-a x3 and keys are sent',
      }),
    ),
  },
  { ...strict, description: 'Plays a recorded console log' },
);

export const SourceConfigSchema = Type.Union(
  [SerialConfigSchema, TcpConfigSchema, UnixConfigSchema, ExecConfigSchema, ReplayConfigSchema],
  { description: 'Where the console bytes come from (discriminated on `type`)' },
);

export type SerialConfig = Static<typeof SerialConfigSchema>;
export type TcpConfig = Static<typeof TcpConfigSchema>;
export type UnixConfig = Static<typeof UnixConfigSchema>;
export type ExecConfig = Static<typeof ExecConfigSchema>;
export type ReplayConfig = Static<typeof ReplayConfigSchema>;
export type SourceConfig = Static<typeof SourceConfigSchema>;
export type SourceType = SourceConfig['type'];

/** T with the keys K (the ones that have a schema default) filled in. */
export type Filled<T, K extends keyof T> = T & { [P in K]-?: Exclude<T[P], undefined> };
export type SerialSettings = Filled<SerialConfig, 'baudRate' | 'dataBits' | 'parity' | 'stopBits' | 'rtscts' | 'xon'>;
export type TcpSettings = Filled<TcpConfig, 'host' | 'telnet'>;
export type UnixSettings = UnixConfig;
export type ExecSettings = Filled<ExecConfig, 'restart' | 'stderr'>;
export type ReplaySettings = Filled<ReplayConfig, 'speed' | 'loop' | 'baudRate' | 'loopGapMs'>;

const schemaByType: Record<SourceType, TObject> = {
  serial: SerialConfigSchema,
  tcp: TcpConfigSchema,
  unix: UnixConfigSchema,
  exec: ExecConfigSchema,
  replay: ReplayConfigSchema,
};

export class SourceConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid source config: ${problems.join('; ')}`);
    this.name = 'SourceConfigError';
  }
}

/**
 * Validate an untrusted source config and fill its defaults. Errors name the offending key
 * ('/baudRate: Expected integer', '/buadRate: Unexpected property'), not just "no union
 * member matched". Throws SourceConfigError.
 */
export function parseSourceConfig(input: unknown): SourceConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new SourceConfigError(['expected an object']);
  const type = (input as { type?: unknown }).type;
  const schema = typeof type === 'string' && Object.hasOwn(schemaByType, type) ? schemaByType[type as SourceType] : undefined;
  if (!schema) {
    throw new SourceConfigError([`/type: expected one of ${Object.keys(schemaByType).join(', ')}, got ${JSON.stringify(type)}`]);
  }
  const value = Value.Default(schema, structuredClone(input));
  const problems = [...Value.Errors(schema, value)].map((e) => `${e.path || '/'}: ${e.message}`);
  if (problems.length > 0) throw new SourceConfigError(problems);
  return value as SourceConfig;
}

/** The config with its schema defaults filled in (no validation: for configs typed by TS). */
export function fillDefaults<C extends SourceConfig>(cfg: C): C {
  return Value.Default(schemaByType[cfg.type], structuredClone(cfg)) as C;
}
