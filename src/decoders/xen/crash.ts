// The Xen crash family: register dumps (`xen.regs`), panics (`xen.panic`), BUG/WARN/ASSERT
// (`xen.bug`, `xen.warn`, `xen.assert`), unexpected and guest-induced traps (`xen.trap`),
// hypervisor aborts with their page-table walk (`xen.abort`) and domain crashes
// (`xen.domain.crash`). Formats: xen-console-reference §1 and §2.
//
// A crash line (BUG, Unexpected Trap, Data Abort Trap, Domain crashed...) is held as "pending"
// until the register dump that follows it closes, so the crash event can carry the dump's CPU, PC
// and ESR, and the dump knows what triggered it. A panic links to the crash event right before it.
import type { DecodedEvent, Emit, Family, TaggedLine } from '../types.js';
import { classify, isAccessDesc, mayMatter, parseBadModeEsr, parseGuestTrap, parseWalkLine, splitGuestPrefix, type Start } from './crash-lines.js';
import { Panic } from './crash-panic.js';
import { Unwrapper, type Unwrapped } from './crash-unwrap.js';
import { decodeEsr, decodeIss, type EsrInfo } from './esr.js';
import { CALL_TRACE, CPU_LINE, XEN_STACK } from './regs-lines.js';
import { Dump, type DumpInit, type DumpTrigger, type XLine } from './regs.js';
import { code } from '../util.js';

export const XEN_CRASH_KINDS = [
  'xen.regs', 'xen.panic', 'xen.bug', 'xen.warn', 'xen.assert', 'xen.trap', 'xen.abort', 'xen.domain.crash',
] as const;

/** A crash event waiting for the register dump that follows it. */
interface Pending {
  kind: string;
  firstSeq: number;
  lastSeq: number;
  ts: number;
  data: Record<string, unknown>;
  /** The abort is still reading its page-table walk. */
  walking?: boolean;
  /** A bad-mode trap waiting for its `ESR=` line. */
  wantsEsr?: boolean;
}

const MAX_PENDING = 8;
/** A crash line and its dump are adjacent; a panic comes within a few lines of the dump's end. */
const PANIC_LINK_GAP = 5;
const CAUSE_KINDS = new Set(['xen.bug', 'xen.assert', 'xen.trap', 'xen.abort', 'xen.domain.crash']);

const PLAIN_BOOT = /^(?: __ {2}__ {2,}| ?Xen \d+\.\d+[\w.+~-]*\s*$)/;

export function xenCrashFamily(): Family {
  const unwrap = new Unwrapper();
  let dump: Dump | undefined;
  let panic: Panic | undefined;
  let pending: Pending[] = [];
  /** The last crash event (or dump) and the count of Xen lines seen when it ended. */
  let lastCrash: { kind: string; seq: number; endCount: number } | undefined;
  /** Xen lines seen so far: gaps are counted in Xen lines, not seqs (dom0 output interleaves). */
  let xenCount = 0;
  let panicLink: { after: string; afterSeq: number } | undefined;
  let lastAccess: { seq: number; domain: number; vcpu: number; text: string } | undefined;

  const mayWrap = (l: TaggedLine): boolean => {
    if (dump || panic) return true;
    const b = l.body;
    return b.startsWith('Xen BUG at') || b.startsWith('Xen WARN at') || b.startsWith("Assertion '");
  };

  function ev(kind: string, firstSeq: number, lastSeq: number, ts: number, data: Record<string, unknown>, reason?: string): DecodedEvent {
    const e: DecodedEvent = { kind, firstSeq, lastSeq, ts, data };
    if (reason) { e.partial = true; e.reason = reason; }
    return e;
  }

  // ---- pending crash lines ------------------------------------------------------------------

  /** The last pending crash line (no `[-1]` read on an empty array: that is a slow property lookup). */
  function lastPending(): Pending | undefined {
    return pending.length !== 0 ? pending[pending.length - 1] : undefined;
  }

  function emitPending(emit: Emit): void {
    if (!pending.length) return;
    const list = pending;
    pending = [];
    emitCauses(list, emit);
  }

  /** Emit crash events; `d` is the dump that followed them (its CPU, PC and ESR are copied in). */
  function emitCauses(list: Pending[], emit: Emit, d?: Dump): void {
    for (const p of list) {
      if (d) {
        const r = d.data;
        p.data.regsSeq = d.firstSeq;
        if (p.data.cpu === undefined && r.cpu !== undefined) p.data.cpu = r.cpu;
        if (r.regs.PC !== undefined) p.data.pc = r.regs.PC;
        if (r.pcSymbol !== undefined) p.data.pcSymbol = r.pcSymbol;
        if ((p.kind === 'xen.trap' || p.kind === 'xen.abort') && r.esr && p.data.esr === undefined) p.data.esr = r.esr;
        if (p.kind === 'xen.abort') {
          // arm32 Xen: the ISS uses the HSR layout (SRT is 4 bits, no SF/AR).
          if (r.xen?.arch === 'arm32' && typeof p.data.syndrome === 'string') {
            p.data.iss = decodeIss(p.data.fault === 'Data Abort' ? 0x25 : 0x21, parseInt(p.data.syndrome, 16), true);
          }
          const far = r.regs.FAR_EL2 ?? (p.data.fault === 'Instruction Abort' ? r.regs.HIFAR : r.regs.HDFAR);
          if (far !== undefined) p.data.far = far;
        }
      }
      emit(ev(p.kind, p.firstSeq, p.lastSeq, p.ts, p.data));
      if (CAUSE_KINDS.has(p.kind)) lastCrash = { kind: p.kind, seq: p.firstSeq, endCount: xenCount };
    }
  }

  function addPending(p: Pending, emit: Emit): void {
    const last = lastPending();
    // A crash line chains onto the previous one only when adjacent (abort → Unexpected Trap).
    if (last && (p.firstSeq - last.lastSeq > 2 || pending.length >= MAX_PENDING)) emitPending(emit);
    pending.push(p);
  }

  function triggerOf(): DumpTrigger {
    const p = lastPending();
    if (!p) return 'unknown';
    if (pending.some((x) => x.kind === 'xen.abort')) return 'abort';
    switch (p.kind) {
      case 'xen.bug': return 'bug';
      case 'xen.warn': return 'warn';
      case 'xen.assert': return 'assert';
      case 'xen.abort': return 'abort';
      case 'xen.domain.crash': return 'domain-crash';
      case 'xen.trap': return p.data.type === 'bad-mode' ? 'bad-mode' : 'trap';
      default: return 'unknown';
    }
  }

  // ---- closing blocks -----------------------------------------------------------------------

  function closeDump(emit: Emit, reason?: string): void {
    const d = dump;
    if (!d) return;
    dump = undefined;
    const data = d.finish();
    const causes = dumpCauses.get(d) ?? [];
    if (causes.length) {
      const c = causes[causes.length - 1];
      (data as unknown as Record<string, unknown>).causeSeq = c.firstSeq;
    }
    emitCauses(causes, emit, d);
    if (!causes.some((c) => CAUSE_KINDS.has(c.kind))) lastCrash = { kind: 'xen.regs', seq: d.firstSeq, endCount: xenCount };
    const why = reason ?? (d.startedMid ? 'started mid-dump' : undefined);
    emit(ev('xen.regs', d.firstSeq, d.lastSeq, d.ts, data as unknown as Record<string, unknown>, why));
  }

  /** The crash lines a dump was printed for (at most one dump is open, so this stays tiny). */
  const dumpCauses = new WeakMap<Dump, Pending[]>();

  function openDump(l: XLine, init: DumpInit, emit: Emit, attachPending: boolean): void {
    if (!attachPending || !pending.length) {
      emitPending(emit);
      dump = new Dump(l, init);
      return;
    }
    const last = pending[pending.length - 1];
    const full: DumpInit = { ...init, trigger: triggerOf() };
    if (last.kind === 'xen.domain.crash') {
      // __domain_crash(): show_execution_state(guest_cpu_user_regs()) — a guest-mode dump.
      full.context = 'guest';
      if (typeof last.data.domain === 'number') full.domain = last.data.domain;
      if (typeof last.data.vcpu === 'number') full.vcpu = last.data.vcpu;
    }
    const d = new Dump(l, full);
    dumpCauses.set(d, pending);
    pending = [];
    dump = d;
  }

  function closePanic(emit: Emit, reason?: string): void {
    const p = panic;
    if (!p) return;
    panic = undefined;
    const data = p.finish();
    if (panicLink) { data.after = panicLink.after; data.afterSeq = panicLink.afterSeq; }
    panicLink = undefined;
    emit(ev('xen.panic', p.firstSeq, p.lastSeq, p.ts, data as unknown as Record<string, unknown>, reason));
  }

  function closeAll(emit: Emit, reason: string): void {
    if (dump) closeDump(emit, dump.canEndHere() ? undefined : reason);
    if (panic) closePanic(emit, reason);
    emitPending(emit);
  }

  // ---- line processing ----------------------------------------------------------------------

  function process(l: Unwrapped, emit: Emit): void {
    const line = l.line;
    if (line.stream === 'firmware') {
      if (dump || panic) closeAll(emit, 'interrupted by firmware output');
      else emitPending(emit);
      return;
    }
    if (line.stream === 'plain') {
      const c = code(l.body, 0);
      if ((c === 0x20 || c === 0x58 /* X */) && (dump || panic || pending.length) && PLAIN_BOOT.test(l.body)) closeAll(emit, 'interrupted by new boot');
      return; // dom0 / untagged output interleaves with Xen's: never part of, nor an end of, a block
    }
    if (line.stream === 'guest') {
      // `(XEN) DOM%d: DEBUG` (§2.8, hvc #0xffff) is followed by a guest-mode dump; demux tags it
      // as the domain's vpl011 output.
      if (line.body === 'DEBUG' && line.domain !== undefined && line.text.includes('(XEN)')) {
        if (dump) closeDump(emit, dump.canEndHere() ? undefined : 'interrupted by a new dump');
        if (panic) closePanic(emit, panic.closed ? undefined : 'interrupted by a new dump');
        openDump(l, { trigger: 'debug-hvc', context: 'guest', header: `DOM${line.domain}: DEBUG`, domain: line.domain, first: 'header' }, emit, false);
      }
      return;
    }
    xenLine(l, emit, 0);
  }

  function xenLine(l: Unwrapped, emit: Emit, depth: number): void {
    if (depth > 3) return; // a line is re-offered at most after closing each open block
    const body = l.body;
    const s = classify(body);
    const isBoot = s?.t === 'boot';

    if (panic) {
      const r = panic.feed(l, isBoot);
      if (r === 'ok') return;
      if (r === 'done') { closePanic(emit); return; }
      if (r === 'abandon') panic = undefined; // stars without `Panic on CPU`: not a panic
      else closePanic(emit, r === 'break' ? (isBoot ? 'interrupted by new boot' : 'too long') : undefined);
      xenLine(l, emit, depth + 1);
      return;
    }

    if (dump) {
      dumpLine(dump, l, s, emit, depth);
      return;
    }

    if (!s) {
      plainXenLine(l, emit);
      return;
    }
    startLine(l, s, emit);
  }

  /** A Xen line while a dump is open (`s`: what classify() made of it). */
  function dumpLine(d: Dump, l: Unwrapped, s: Start | undefined, emit: Emit, depth: number): void {
    const r = d.feed(l, s !== undefined, s?.t === 'banner');
    if (r === 'ok') return;
    if (r === 'foreign') { guestTrap(l, emit); return; }
    if (r === 'done') { closeDump(emit); return; }
    if (r === 'done-before') closeDump(emit);
    else closeDump(emit, reasonFor(s));
    xenLine(l, emit, depth + 1);
  }

  function reasonFor(s: Start | undefined): string {
    if (!s) return 'interrupted by unrelated Xen lines';
    switch (s.t) {
      case 'boot': return 'interrupted by new boot';
      case 'panic-stars': case 'panic-cpu': return 'interrupted by panic';
      default: return 'interrupted by a new dump';
    }
  }

  /** A Xen line that starts nothing: it may continue a pending crash line, or be a guest trap. */
  function plainXenLine(l: Unwrapped, emit: Emit): void {
    const body = l.body;
    const last = lastPending();
    if (last?.walking) {
      const w = parseWalkLine(body);
      if (w) {
        const d = last.data;
        if (w.t === 'head') { d.va = w.va; d.cpu = w.cpu; d.ttbr = w.ttbr; }
        else if (w.t === 'row') (d.walk as unknown[]).length < 8 && (d.walk as unknown[]).push({ level: w.level, index: w.index, entry: w.entry });
        else (d.notes as string[]).push(w.text);
        last.lastSeq = l.endSeq;
        return;
      }
    }
    if (last?.wantsEsr) {
      const e = parseBadModeEsr(body);
      last.wantsEsr = false;
      if (e) {
        last.data.esrValue = e.esr;
        const dec = decodeEsr(e.esr.replace(/^0x/, '') || '0');
        if (dec) last.data.esr = dec;
        last.lastSeq = l.endSeq;
        return;
      }
    }
    // Anything else ends the chain of crash lines: emit them without a dump.
    if (pending.length) emitPending(emit);
    guestTrap(l, emit);
    // Orphan dump lines: the capture started in the middle of a dump.
    const c = code(body, 0);
    if ((c === 0x58 /* X */ && (body.startsWith(CALL_TRACE) || XEN_STACK.test(body))) || (c === 0x43 /* C */ && CPU_LINE.test(body))) {
      openDump(l, { trigger: 'unknown', first: 'orphan' }, emit, false);
    }
  }

  function guestTrap(l: Unwrapped, emit: Emit): void {
    const body = l.body;
    const p = splitGuestPrefix(body);
    if (p && isAccessDesc(p)) { lastAccess = { seq: l.endSeq, domain: p.domain, vcpu: p.vcpu, text: p.rest.trim() }; return; }
    const g = parseGuestTrap(body, p);
    if (!g) return;
    let first = l.seq;
    if ((g.type === 'unhandled-sysreg' || g.type === 'unhandled-cp') && lastAccess && l.seq - lastAccess.seq <= 1 &&
        lastAccess.domain === g.domain && lastAccess.vcpu === g.vcpu) {
      g.instruction = lastAccess.text;
      first = lastAccess.seq;
    }
    lastAccess = undefined;
    if (typeof g.hsr === 'string') {
      const e = decodeEsr(g.hsr.replace(/^0x/, '') || '0');
      if (e) g.esr = e;
    }
    emit(ev('xen.trap', first, l.endSeq, l.ts, { trap: g.message, guest: true, ...g }));
  }

  function startLine(l: Unwrapped, s: Start, emit: Emit): void {
    const seq = l.seq, end = l.endSeq, ts = l.ts;
    switch (s.t) {
      case 'boot':
        emitPending(emit);
        return;
      case 'dump-header':
        openDump(l, { trigger: s.h.trigger, context: s.h.context, header: l.body.trim(), cpu: s.h.cpu, domain: s.h.domain, vcpu: s.h.vcpu, pv: s.h.pv, first: 'header' }, emit, false);
        return;
      case 'banner':
        openDump(l, { trigger: 'unknown', first: 'banner' }, emit, true);
        return;
      case 'panic-stars': case 'panic-cpu':
        emitPending(emit);
        panic = new Panic(l, s.t === 'panic-cpu' ? s.cpu : undefined);
        // The panic reports the crash printed just before it (its dump ends a few lines earlier).
        panicLink = lastCrash && xenCount - lastCrash.endCount <= PANIC_LINK_GAP ? { after: lastCrash.kind, afterSeq: lastCrash.seq } : undefined;
        lastCrash = undefined;
        return;
      case 'bug': case 'warn': {
        const data: Record<string, unknown> = { file: s.file };
        if (s.line !== undefined) data.line = s.line;
        if (s.file.startsWith('...')) data.pathTruncated = true;
        addPending({ kind: s.t === 'bug' ? 'xen.bug' : 'xen.warn', firstSeq: seq, lastSeq: end, ts, data }, emit);
        return;
      }
      case 'assert': {
        const data: Record<string, unknown> = { condition: s.condition, file: s.file };
        if (s.line !== undefined) data.line = s.line;
        if (s.file.startsWith('...')) data.pathTruncated = true;
        addPending({ kind: 'xen.assert', firstSeq: seq, lastSeq: end, ts, data }, emit);
        return;
      }
      case 'trap': {
        const last = lastPending();
        // `Hypervisor Trap. HSR=...` is followed by `CPUn: Unexpected Trap: Hypervisor`: one event.
        if (last && last.kind === 'xen.trap' && last.data.type === 'hypervisor' && s.trap === 'Hypervisor' && seq - last.lastSeq <= 1) {
          last.data.cpu = s.cpu;
          last.lastSeq = end;
          return;
        }
        const data: Record<string, unknown> = { type: 'unexpected', trap: s.trap, cpu: s.cpu };
        if (last && last.kind === 'xen.abort' && seq - last.lastSeq <= 1) data.abortSeq = last.firstSeq;
        if (last) last.walking = false;
        addPending({ kind: 'xen.trap', firstSeq: seq, lastSeq: end, ts, data }, emit);
        return;
      }
      case 'abort': {
        const syn = parseInt(s.syndrome, 16);
        const ec = s.fault === 'Data Abort' ? 0x25 : 0x21;
        const data: Record<string, unknown> = {
          fault: s.fault, syndrome: s.syndrome, iss: { ...decodeIss(ec, syn) }, walk: [], notes: [],
        };
        addPending({ kind: 'xen.abort', firstSeq: seq, lastSeq: end, ts, data, walking: true }, emit);
        return;
      }
      case 'hyp-trap': {
        const e: EsrInfo | undefined = decodeEsr(s.hsr.replace(/^0x/, '') || '0');
        const data: Record<string, unknown> = { type: 'hypervisor', trap: 'Hypervisor', hsr: s.hsr, ec: parseInt(s.ec, 16), il: parseInt(s.il, 16), syndrome: s.syndrome };
        if (e) data.esr = e;
        addPending({ kind: 'xen.trap', firstSeq: seq, lastSeq: end, ts, data }, emit);
        return;
      }
      case 'bad-mode':
        addPending({ kind: 'xen.trap', firstSeq: seq, lastSeq: end, ts, data: { type: 'bad-mode', trap: `Bad mode in ${s.handler} handler`, handler: s.handler }, wantsEsr: true }, emit);
        return;
      case 'domain-crash': {
        const last = lastPending();
        if (last && last.kind === 'xen.domain.crash' && last.data.domain === undefined && seq - last.lastSeq <= 1) {
          Object.assign(last.data, { domain: s.domain, vcpu: s.vcpu, cpu: s.cpu });
          last.lastSeq = end;
          return;
        }
        addPending({ kind: 'xen.domain.crash', firstSeq: seq, lastSeq: end, ts, data: { domain: s.domain, vcpu: s.vcpu, cpu: s.cpu, reason: 'crash' } }, emit);
        return;
      }
      case 'domain-crash-reported': {
        const last = lastPending();
        const data = { domain: s.domain, reportedBy: s.by, cpu: s.cpu, reason: 'reported' };
        if (last && last.kind === 'xen.domain.crash' && last.data.domain === undefined && seq - last.lastSeq <= 1) {
          Object.assign(last.data, data);
          last.lastSeq = end;
          emitPending(emit);
          return;
        }
        emitPending(emit);
        emit(ev('xen.domain.crash', seq, end, ts, data));
        return;
      }
      case 'domain-crash-called':
        addPending({ kind: 'xen.domain.crash', firstSeq: seq, lastSeq: end, ts, data: { calledFrom: { file: s.file, line: s.line }, reason: 'crash' } }, emit);
        return;
      case 'hwdom': {
        emitPending(emit);
        const data: Record<string, unknown> = { domain: s.domain, hardware: true, reason: s.reason, action: s.action };
        if (s.code !== undefined) data.code = s.code;
        emit(ev('xen.domain.crash', seq, end, ts, data));
        return;
      }
    }
  }

  // One callback for the unwrapper, allocated once (push runs for every console line).
  let curEmit: Emit = () => {};
  const out = (l: Unwrapped): void => process(l, curEmit);

  return {
    name: 'xen-crash',
    push(line, emit) {
      const st = line.stream;
      // Old output printed again (`w`, `xl dmesg`; replay.ts): the dumps, WARNs and traps in it
      // had their events when they were printed.
      if (line.replay) return;
      if (st === 'xen') {
        xenCount++;
        if (line.ringStart) {
          // `w` pressed: what was open ends here (its lines, if any more, are in the ring).
          curEmit = emit;
          unwrap.flush(out);
          closeAll(emit, "interrupted by key 'w'");
          return;
        }
      }
      // Fast path inside a dump: most of its lines are indented (register pairs, stack rows, call
      // trace) or blank. Such a line starts nothing (every start classify() knows begins with a
      // visible character) and the unwrapper would pass it on as is (it holds only lines ending in
      // a space and rewrites only lines starting with `[`): it goes straight to the dump.
      if (dump !== undefined && panic === undefined && st === 'xen' && !unwrap.holding) {
        const b = line.body;
        if (b.length === 0 || (b.charCodeAt(0) === 0x20 && b.charCodeAt(b.length - 1) !== 0x20)) {
          dumpLine(dump, { seq: line.seq, endSeq: line.seq, ts: line.ts, body: b, line }, undefined, emit, 0);
          return;
        }
      }
      // Fast path: with nothing open, most lines cannot start anything of ours.
      if (dump === undefined && panic === undefined && pending.length === 0 && !unwrap.holding) {
        if (st === 'plain' || st === 'firmware') return;
        if (st === 'guest') { if (line.body !== 'DEBUG') return; }
        else if (!mayMatter(line.body)) return;
      }
      curEmit = emit;
      unwrap.push(line, mayWrap, out);
    },
    flush(reason, emit) {
      curEmit = emit;
      unwrap.flush(out);
      closeAll(emit, reason);
    },
  };
}
