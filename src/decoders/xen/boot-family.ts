// The xen-platform family: Xen's own view of the platform and its consoles. Kinds:
// `xen.boot` + `xen.milestone` (boot timeline), `xen.gic.init`, `xen.timer`, `xen.uart`,
// `xen.irq.route`, `xen.vgic.unhandled`, `xen.focus`, and the debug-key kinds `xen.debugkey`,
// `xen.handlers`, `xen.domain`, `xen.gic.lrs`. The sub-decoders share a PlatformContext (GIC
// version for LR decoding, the open key so a version line printed by `h`/`?` is not a new boot).
// Formats: docs/xen-console-reference.md §3 (GIC), §4 (keys), §5.5 (focus), §5.8 + §6 (boot).
import type { Emit, Family, TaggedLine } from '../types.js';
import { PlatformContext, lineEvent } from './boot-context.js';
import { BootTimeline } from './boot-timeline.js';
import { parseTimer, parseUart } from './boot-devices.js';
import { GicInitParser } from './gic-init.js';
import { mayBeVgic, parseVgic } from './gic-vgic.js';
import { mayBeGicCpu, parseGicCpu } from './gic-cpu.js';
import { KEY_LINE_FIRST_CHARS, KeyTracker } from './keys.js';
import { PRINTS_VERSION } from './keys-shapes.js';
import { parseFocus } from './focus.js';
import { mayBeIrqRoute, parseIrqRoute } from './irq-route.js';
import { code, hasSourcePrefix } from '../util.js';

export const XEN_PLATFORM_KINDS = [
  'xen.boot', 'xen.milestone', 'xen.gic.init', 'xen.gic.lrs', 'xen.domain', 'xen.focus', 'xen.debugkey',
  'xen.handlers', 'xen.vgic.unhandled', 'xen.timer', 'xen.uart', 'xen.irq.route', 'xen.evtchn', 'xen.gic.cpu',
] as const;

// What a Xen line's first character may start, so each line runs only the sub-decoders that can
// use it (the decoder must stay fast: most lines are register dumps and dom0 output).
// (vGIC, per-CPU GIC and IRQ routing messages have their own gates, beside their parsers:
// gic-vgic.ts mayBeVgic, gic-cpu.ts mayBeGicCpu, irq-route.ts mayBeIrqRoute.)
const F_BOOT = 1, F_KEYS = 2, F_GIC = 4, F_MISC = 32;
const XEN_FIRST = new Uint8Array(128);
const flag = (chars: string, f: number) => { for (const ch of chars) XEN_FIRST[ch.charCodeAt(0)] |= f; };
flag('CXLbPBSGUI*F3RA', F_BOOT);
flag(KEY_LINE_FIRST_CHARS, F_KEYS);
flag('G', F_GIC);
flag('GTCL', F_MISC);

const RE_CONSOLE_ARG = /(?:^|\s)console=(\S+)/;
const RE_DTUART_ARG = /(?:^|\s)dtuart=(\S+)/;

export function xenPlatformFamily(): Family {
  const ctx = new PlatformContext();
  const keys = new KeyTracker(ctx);
  let gic: GicInitParser;
  const boot = new BootTimeline(ctx, {
    onNewBoot(emit) {
      keys.closeAll(emit, 'interrupted by new boot');
      gic.reset(emit);
      uartFromStdout = false;
    },
  });
  let pendingEmit: Emit | undefined;
  gic = new GicInitParser(ctx, (version, seq, ts) => {
    if (pendingEmit) boot.gicUp(version, seq, ts, pendingEmit);
  });
  let uartFromStdout = false;
  let commandLine: string | undefined;

  // The parsers below return fresh objects: they go into the events as they are (no copies).
  function misc(line: TaggedLine, b: string, c: number, emit: Emit): void {
    switch (c) {
      case 0x47: { // G
        const t = parseTimer(b);
        if (t) emit(lineEvent('xen.timer', line.seq, line.ts, t as Record<string, unknown>));
        return;
      }
      case 0x54: // T
        if (b.startsWith('Taking dtuart configuration from')) uartFromStdout = true;
        return;
      case 0x43: // C
        if (b.startsWith('Command line: ')) commandLine = b.slice(14);
        return;
      case 0x4c: { // L
        const u = parseUart(b);
        if (u) {
          if (uartFromStdout) u.fromStdoutPath = true;
          if (commandLine) {
            const con = RE_CONSOLE_ARG.exec(commandLine);
            if (con) u.consoleArg = con[1];
            const dt = RE_DTUART_ARG.exec(commandLine);
            if (dt) u.dtuartArg = dt[1];
          }
          emit(lineEvent('xen.uart', line.seq, line.ts, u as unknown as Record<string, unknown>));
          uartFromStdout = false;
        }
        return;
      }
      default:
    }
  }

  function xenLine(line: TaggedLine, emit: Emit): void {
    const b = line.body;
    const c = code(b, 0);
    const f = c < 128 ? XEN_FIRST[c] : 0;
    if (c === 0x2a /* * */ && b.startsWith('*** Serial input ')) {
      const fo = parseFocus(b);
      if (fo) {
        keys.closeAll(emit);
        if (gic.busy) gic.push(line, emit);
        const atBoot = boot.startOfDay;
        boot.focus(line, fo.target, emit);
        const data = fo as unknown as Record<string, unknown>;
        data.atBoot = atBoot;
        emit(lineEvent('xen.focus', line.seq, line.ts, data));
        return;
      }
    }
    let versionAllowed = true;
    if (c === 0x58 /* X */ && b.startsWith('Xen version ')) {
      // A version line inside `h` (4.21/4.22) or `?` (master) output is not a new boot.
      const k = keys.openKey;
      versionAllowed = k === undefined || !PRINTS_VERSION.has(k);
      if (versionAllowed) keys.closeAll(emit, 'interrupted by new boot');
    }
    if (keys.busy || (f & F_KEYS)) keys.pushXen(line, emit);
    if (f & F_BOOT) boot.pushXen(line, emit, versionAllowed);
    // gdprintk/dprintk's `file.c:NN:` in front: looked for once, for both gates that accept it.
    const source = hasSourcePrefix(b, c);
    const inGicBlock = (gic.busy || (f & F_GIC) !== 0) && gic.push(line, emit);
    if (!inGicBlock && mayBeGicCpu(b, c, source)) {
      const g = parseGicCpu(b);
      if (g) { emit(lineEvent('xen.gic.cpu', line.seq, line.ts, g as unknown as Record<string, unknown>)); return; }
    }
    if (f & F_MISC) misc(line, b, c, emit);
    if (mayBeVgic(c, source)) {
      const v = parseVgic(b);
      if (v) { emit(lineEvent('xen.vgic.unhandled', line.seq, line.ts, v as unknown as Record<string, unknown>)); return; }
    }
    if (mayBeIrqRoute(b, c)) {
      const r = parseIrqRoute(b);
      if (r) emit(lineEvent('xen.irq.route', line.seq, line.ts, r as unknown as Record<string, unknown>));
    }
  }

  return {
    name: 'xen-platform',
    push(line, emit) {
      pendingEmit = emit;
      if (line.seq !== ctx.seq) { ctx.prevSeq = ctx.seq; ctx.seq = line.seq; }
      // Old output printed again (replay.ts): skipped, except that `w`'s ring lines count in its event.
      if (line.replay === 'dmesg') return;
      if (line.replay) { keys.ringLine(line, emit); return; }
      if (keys.inReplay) keys.ringEnded(emit);
      const stream = line.stream;
      if (stream === 'xen') { xenLine(line, emit); return; }
      if (stream === 'plain') {
        boot.pushPlain(line, emit);
        if (gic.busy) gic.push(line, emit);
      } else if (stream === 'firmware') boot.pushFirmware(line, emit);
      if (keys.busy) keys.pushOther(line, emit);
    },
    flush(reason, emit) {
      pendingEmit = emit;
      gic.flush(emit, reason);
      keys.closeAll(emit, reason);
      boot.flush(reason, emit);
    },
  };
}
