// `xenuart decode`: a saved log read in chunks, framed and decoded as it streams, so a log of any
// size (also over the 2 GiB a single read allows) decodes in bounded memory; with --json each
// event is written as soon as it is complete, with the output's back-pressure respected.
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { ConsoleDecoder } from '../decoders/engine.js';
import { LineFramer } from '../framing/framer.js';
import type { ConsoleEvent } from '../protocol/events.js';

/**
 * Decode `input` (the same events as decodeText on the whole text: seq is the line number from 1,
 * no receive times) and hand each event to `onEvent`, which may return a promise to pause reading.
 */
export async function decodeStream(input: Readable, name: string, onEvent: (e: ConsoleEvent) => void | Promise<void>): Promise<void> {
  const dec = new ConsoleDecoder(name);
  const ready: ConsoleEvent[] = [];
  const framer = new LineFramer({ nextSeq: 1, offset: 0, onLine: (l) => { for (const e of dec.push(l)) ready.push(e); } });
  const drain = async (): Promise<void> => {
    for (const e of ready.splice(0)) await onEvent(e);
  };
  for await (const chunk of input) {
    framer.push(chunk as Buffer, 0);
    await drain();
  }
  framer.flushPartial();
  for (const e of dec.flush('end of input')) ready.push(e);
  await drain();
}

/** Open a log file, or standard input for '-'. */
export function openLog(file: string): Readable {
  return file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
}

/** A writer of JSON Lines that batches small writes and waits when `out` is full. */
export function jsonLines(out: Writable): { write(e: unknown): void | Promise<void>; end(): Promise<void> } {
  let buf = '';
  const flush = (): Promise<void> | void => {
    if (!buf) return;
    const ok = out.write(buf);
    buf = '';
    if (!ok) return new Promise<void>((r) => out.once('drain', r));
  };
  return {
    write(e) {
      buf += JSON.stringify(e) + '\n';
      if (buf.length >= 1 << 16) return flush();
    },
    async end() { await flush(); },
  };
}
