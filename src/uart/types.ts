// The UART source interface: moves bytes and status, nothing else (no lines, no events).
// Every source type (serial, tcp, unix, exec, replay) implements it; reconnect with backoff
// lives in the source, so a console never sees a device disappear, only `status` changes.
import type { EventEmitter } from 'node:events';

export interface SourceStatus {
  up: boolean;
  /** Why: 'opened', 'ENOENT: no such file', 'connection reset', 'process exited with code 1', ... */
  reason: string;
}

export interface SourceEventMap {
  /** Bytes as received; `ts` is the host receive time in ms since the epoch (Date.now() based, sub-ms allowed). */
  data: [chunk: Buffer, ts: number];
  status: [status: SourceStatus];
}

export interface Source extends EventEmitter<SourceEventMap> {
  /** 'serial' | 'tcp' | 'unix' | 'exec' | 'replay' */
  readonly type: string;
  /** Human description for the API and logs: '/dev/ttyUSB0 @115200', 'tcp 127.0.0.1:4555', ... */
  describe(): string;
  readonly up: boolean;
  /** Number of times the device was (re)opened after the first open. */
  readonly reconnects: number;
  /** Open, and keep reopening with backoff (about 100 ms growing to 5 s) until close(). Never throws. */
  start(): void;
  /** Stop for good: close the device, cancel reconnect timers. */
  close(): Promise<void>;
  /** Write bytes to the device. Rejects with a clear Error when the device is down. */
  write(data: Buffer): Promise<void>;
  /** Send a BREAK condition (serial: set/clear break; telnet: IAC BRK). Rejects if unsupported. */
  sendBreak(ms: number): Promise<void>;
  readonly canBreak: boolean;
}
