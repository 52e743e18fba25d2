// Types shared by every decoder family. Decoders are pure: lines in, events out, no I/O.
import type { EventKind } from '../protocol/events.js';
import type { Replay } from './replay.js';

/** A framed console line, as the framer or the store gives it. */
export interface InputLine {
  seq: number;
  /** Host receive time, ms since the epoch (0 when decoding a file with no times). */
  ts: number;
  text: string;
  partial?: boolean;
}

/**
 * Where a line came from.
 * - `xen`: a hypervisor printk, `(XEN) ...`
 * - `guest`: a line of a non-hardware domain relayed by Xen: `(dN) ...`, or `(XEN) DOMN: ...` (vpl011)
 * - `plain`: untagged: dom0 or bare-metal Linux, userspace, Xen's raw banner
 * - `firmware`: TF-A, U-Boot, UEFI/EDK2, GRUB lines recognised by their markers
 */
export type Stream = 'xen' | 'guest' | 'plain' | 'firmware';

export interface TaggedLine {
  seq: number;
  ts: number;
  /** The line's text as framed. */
  text: string;
  stream: Stream;
  /** Domain id for `guest` lines. */
  domain?: number;
  /** The text after prefix, timestamps and log-level markers: what decoders match on. */
  body: string;
  /** Xen `console_timestamps=` value as printed, without brackets: `    1.234567`, `2026-11-23 18:20:14`, `00000000004bfa07`. */
  xenTime?: string;
  /** Seconds since boot for Xen `boot` stamps and Linux `[    1.234567]` stamps. */
  time?: number;
  /** Linux printk caller id: `T123` or `C1`. */
  caller?: string;
  /** Linux syslog level `<N>` when printed. */
  level?: number;
  /** Xen log-level markers that leaked into the text (`<G><3>`), kept for reference. */
  leakedLevel?: string;
  /** The line was split out of another physical line (a `(XEN)` line glued onto a dom0 line). */
  split?: true;
  /** Old output printed again (`w`, `xl dmesg`; replay.ts): no decoder takes it for new. */
  replay?: Replay;
  /** A `'w' pressed` header: the lines after it are the console ring (replay.ts). */
  ringStart?: true;
  partial?: boolean;
}

/** An event before the engine stamps the console id on it. */
export interface DecodedEvent<D = Record<string, unknown>> {
  kind: EventKind | string;
  firstSeq: number;
  lastSeq: number;
  ts: number;
  partial?: boolean;
  /** Why a block is partial: 'cut short', 'interrupted by new boot', 'end of input', 'too long', ... */
  reason?: string;
  data: D;
}

export type Emit = (ev: DecodedEvent) => void;

/**
 * A decoder family: a small state machine over tagged lines. `push` may emit any number of events;
 * `flush` closes whatever block is open (emitting it `partial` with the reason). State must stay
 * bounded whatever the input (cap the lines a block may hold).
 */
export interface Family {
  readonly name: string;
  push(line: TaggedLine, emit: Emit): void;
  flush(reason: string, emit: Emit): void;
  /**
   * The blocks this family holds open that silence does not end (a kernel still setting up its
   * interrupts, a Linux report waiting for its end marker), as the events they would be if
   * closed now (the engine marks them `partial`, reason `still open`). The family keeps them
   * open and unchanged: the events are copies. Live analysis uses them to see a boot that
   * stopped half way.
   */
  peek?(): DecodedEvent[];
}

export type FamilyFactory = () => Family;

/**
 * Flush reasons that start with `idle` are soft: the console has been quiet for a while (or a
 * debug key's answer is complete). A family closes the blocks that silence can end (a register
 * dump, an LR dump) but keeps state that spans long quiet periods (the boot timeline, a Linux
 * report still waiting for its end marker). Any other reason is the end of the input.
 */
export function isIdleFlush(reason: string): boolean {
  return reason.startsWith('idle');
}
