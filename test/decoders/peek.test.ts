// ConsoleDecoder.peek(): the blocks the families hold open, as events, without closing them. Live
// analysis needs them for a boot that stopped half way (a kernel hung before its CPUs came up
// never ends its interrupt setup; an oops whose kernel died never prints its end marker).
import { describe, expect, it } from 'vitest';
import { ConsoleDecoder, decodeText, STILL_OPEN } from '../../src/decoders/engine.js';
import { frameAll } from '../../src/framing/framer.js';
import type { ConsoleEvent } from '../../src/protocol/events.js';
import { listFixtures, readFixture } from '../helpers/fixtures.js';

const GICV3 = 'qemu/xen417-arm64-gicv3-smp2-keys.log';
const OOPS = 'public/026-rpi4-dom0-linux61-swiotlb-bug-oops-xen-netback.txt';

/** Decode the first `n` lines of a fixture; returns the decoder (not flushed) and what it emitted. */
function decodeFirst(rel: string, n: number): { dec: ConsoleDecoder; events: ConsoleEvent[]; text: (seq: number) => string } {
  const lines = frameAll(readFixture(rel));
  const dec = new ConsoleDecoder('t');
  const events: ConsoleEvent[] = [];
  for (const l of lines.slice(0, n)) events.push(...dec.push(l));
  return { dec, events, text: (seq) => lines[seq - 1].text };
}

describe('peek', () => {
  it('a kernel hung before its secondary CPUs came up: its interrupt setup so far, still open', () => {
    // Line 193 is `smp: Bringing up secondary CPUs ...`; line 199 `smp: Brought up` would end the setup.
    const { dec, events, text } = decodeFirst(GICV3, 195);
    expect(events.filter((e) => e.kind === 'linux.irq.setup')).toEqual([]);
    const open = dec.peek().filter((e) => e.kind === 'linux.irq.setup');
    expect(open).toHaveLength(1);
    const [ev] = open;
    expect(ev).toMatchObject({ console: 't', partial: true, reason: STILL_OPEN });
    expect(text(ev.firstSeq)).toBe('[    0.000000] Xen 4.17 support found');
    expect(text(ev.lastSeq)).toBe('[    0.268848] Xen: initializing cpu0');
    expect(ev.data).toMatchObject({
      stream: 'plain',
      gic: { version: 3, redistributors: [{ cpu: 0, mpidr: '0x0', region: 0, address: '0x00000000080a0000' }] },
      timer: { mhz: 62.5, mode: 'virt' },
      xen: { version: '4.17', eventsAbi: 'fifo' },
      cpus: { booted: [], failed: [] },
    });
    // Peeking closed nothing: the flush emits the setup, and a second peek sees the same.
    expect(dec.peek()).toEqual(dec.peek());
    const flushed = dec.flush('end of input').filter((e) => e.kind === 'linux.irq.setup');
    expect(flushed).toHaveLength(1);
    expect(flushed[0].data).toEqual(ev.data);
  });

  it('the peeked event is a copy: lines after it do not change it', () => {
    const { dec } = decodeFirst(GICV3, 195);
    const [before] = dec.peek().filter((e) => e.kind === 'linux.irq.setup');
    const snapshot = structuredClone(before);
    const lines = frameAll(readFixture(GICV3));
    const done = lines.slice(195, 199).flatMap((l) => dec.push(l)).filter((e) => e.kind === 'linux.irq.setup');
    expect(done).toHaveLength(1);
    expect((done[0].data as { cpus: { online: number } }).cpus.online).toBe(2);
    expect(before).toEqual(snapshot);
    expect(dec.peek().filter((e) => e.kind === 'linux.irq.setup')).toEqual([]);
  });

  it('an oops whose end marker never came: the report as it stands', () => {
    // Line 44 is the `Call trace:` header; the report ends at line 85 (`---[ end trace`).
    const { dec, events } = decodeFirst(OOPS, 60);
    expect(events.filter((e) => e.kind.startsWith('linux.'))).toEqual([]);
    const open = dec.peek().filter((e) => e.kind === 'linux.bug');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ partial: true, reason: STILL_OPEN, data: { message: 'kernel BUG at kernel/dma/swiotlb.c:666!', file: 'kernel/dma/swiotlb.c', line: 666 } });
    expect((open[0].data as { callTrace: unknown[] }).callTrace.length).toBeGreaterThan(5);
  });

  it('peeking after every line of every fixture changes no event the decoders emit', () => {
    for (const rel of listFixtures()) {
      const text = readFixture(rel);
      const dec = new ConsoleDecoder('file');
      const got: ConsoleEvent[] = [];
      let peeked = 0;
      for (const l of frameAll(text)) {
        got.push(...dec.push(l));
        peeked += dec.peek().length;
      }
      got.push(...dec.flush('end of input'));
      expect(got, rel).toEqual(decodeText(text));
      expect(dec.stats.familyErrors, rel).toBe(0);
      if (rel === GICV3) expect(peeked).toBeGreaterThan(0);
    }
  });
});
