// Turns a closed report block into event data: the fields common to every report (CPU line,
// registers, call trace, modules, Code:, end marker; linux-console-reference §2.1, §3.1, §4) and the
// fields of each kind (§4.1-§4.7).
import type { DecodedEvent } from '../types.js';
import {
  BOGUS_RETURN, HARD_LOCKUP, HUNG_TASK, NOBODY_CARED, RCU_HEADER, SOFT_LOCKUP, SPURIOUS, UNEXPECTED_IRQ, WARN_NEW, WARN_OLD,
  detectHeader,
} from './headers.js';
import type { LLine } from './line.js';
import { archOf, hasRegs, newRegs, regsLine } from './regs.js';
import type { ReportBlock } from './report.js';
import { TraceCollector, type TraceEntry } from './trace.js';

type Data = Record<string, unknown>;

const CPU_LINE = /^CPU: (\d+) (?:UID: (\d+) )?PID: (\d+) Comm: (.*?) (?:Kdump: loaded )?(Not tainted|Tainted: [A-Z ]*?)\s+(\S+)(?: (.*))?$/;
const CPU_LINE_LOOSE = /^CPU: (\d+)(?: (?:UID: \d+ )?PID: (\d+)(?: Comm: (\S+))?)?/;
const INTERNAL = /^Internal error: (.*?): ([0-9a-f]+) \[#(\d+)\](.*)$/;
const FAULT = /^Unable to handle kernel (.*?) at virtual address ([0-9a-f]+)(?: when (read|write|execute))?/;
const UNHANDLED = /^Unhandled (fault|prefetch abort): (.*) \((0x[0-9a-f]+)\) at (0x[0-9a-f]+)/;
const SERROR = /^SError Interrupt on CPU(\d+), code (0x[0-9a-f]+) -- (.*)$/;
const BUG_AT = /^[kK]ernel BUG at (.*?):(\d+)!/;
const BUG_AT_PB = /^Kernel BUG at (\S+)/;
const END_TRACE = /^---\[ end trace ([0-9a-f]+) \]---/;
const END_PANIC = /^---\[ end Kernel panic - not syncing: ?(.*?)\s*\]---/;
const KV = /^\s*([A-Za-z][A-Za-z0-9 ]*?) = (.*?)\s*$/;
const KV_DESC = /^(0x[0-9a-f]+|\d+): (.*)$/;
const REBOOT = /^Rebooting in (\d+) seconds/;
const HANDLER = /^\[<([^>]*)>\] (\S+)(?: threaded \[<([^>]*)>\] (\S+))?/;
const RCU_CPU = /^(?:rcu: )?\s+(\d+)-([^\s:]{4,6}): \((.*?)\)(.*)$/;
const RCU_DETECTED = /\((?:detected by (\d+), )?t=(\d+) jiffies,? g=(-?\d+),? q=(\d+)(?: ncpus=(\d+))?\)/;
const RCU_EXP = /\{([^}]*)\}\s*(\d+) jiffies/;
const RCU_TASKS = /\bP(\d+)\b/g;

export interface ReportEvent {
  kind: string;
  data: Data;
}

function splitMods(s: string, out: string[]): void {
  for (const m of s.trim().split(/\s+/)) if (m && out.length < 512) out.push(m);
}

/** Common fields from a report's lines. */
function common(lines: LLine[], data: Data): TraceCollector {
  const regs = newRegs();
  const trace = new TraceCollector();
  const modules: string[] = [];
  let inModules = false;
  let cpuLineSeen = false;
  let section: 'mem' | 'data' | null = null;
  const memAbort: Record<string, string> = {};
  const dataAbort: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const b = lines[i].body;
    if (trace.line(b)) { inModules = false; continue; }
    trace.end();
    if (section && (b.startsWith(' ') || b.startsWith('\t'))) {
      const dst = section === 'mem' ? memAbort : dataAbort;
      for (const part of b.split(', ')) {
        const m = KV.exec(part);
        if (!m) continue;
        const k = m[1].trim();
        const v = KV_DESC.exec(m[2]); // `EC = 0x25: DABT (current EL)`
        if (v) { dst[k] = v[1]; dst[`${k}Desc`] = v[2]; } else dst[k] = m[2];
      }
      continue;
    }
    section = null;
    if (regsLine(b, regs)) { inModules = false; continue; }
    if (b.startsWith('Modules linked in:')) {
      inModules = true;
      let rest = b.slice(18);
      const lu = /\[last unloaded: ([^\]]+)\]/.exec(rest);
      if (lu) { data.lastUnloaded = lu[1]; rest = rest.replace(lu[0], ''); }
      splitMods(rest, modules);
      continue;
    }
    if (b.startsWith('CPU: ')) {
      inModules = false;
      if (cpuLineSeen) continue; // the first CPU: line is the report's (later ones belong to other dumps)
      cpuLineSeen = true;
      const m = CPU_LINE.exec(b);
      if (m) {
        data.cpu = Number(m[1]);
        if (m[2] !== undefined) data.uid = Number(m[2]);
        data.pid = Number(m[3]);
        data.comm = m[4];
        data.tainted = m[5] !== 'Not tainted';
        if (data.tainted) data.taintFlags = m[5].slice(9).trim();
        data.release = m[6];
        if (m[7]) data.kernelVersion = m[7].trim();
      } else {
        const l = CPU_LINE_LOOSE.exec(b);
        if (l) {
          data.cpu = Number(l[1]);
          if (l[2]) data.pid = Number(l[2]);
          if (l[3]) data.comm = l[3];
        }
      }
      continue;
    }
    inModules = inModules && modules.length > 0 && !b.includes(':') && /^[\w\-() ]+$/.test(b);
    if (inModules) { splitMods(b, modules); continue; } // a pr_cont'ed module list split across lines (§1.2)
    if (b.startsWith('Hardware name: ')) { data.hardware ??= b.slice(15).trim(); continue; }
    if (b.startsWith('Workqueue: ')) { data.workqueue ??= b.slice(11).trim(); continue; }
    if (b.startsWith('Code: ')) { data.code ??= b.slice(6).trim(); continue; }
    if (b.startsWith('Mem abort info:')) { section = 'mem'; continue; }
    if (b.startsWith('Data abort info:')) { section = 'data'; continue; }
    if (b.startsWith('Internal error: ')) {
      const m = INTERNAL.exec(b);
      if (m && data.internalError === undefined) {
        const flags = m[4].trim().split(/\s+/).filter(Boolean);
        data.internalError = { text: b.trim(), type: m[1], code: m[2], count: Number(m[3]), flags };
        data.dieCount = Number(m[3]);
      }
      continue;
    }
    if (b.startsWith('Unable to handle kernel ')) {
      const m = FAULT.exec(b);
      if (m && data.fault === undefined) {
        const f: Data = { text: b.trim(), type: m[1], address: m[2] };
        if (m[3]) f.access = m[3];
        data.fault = f;
      }
      continue;
    }
    if (b.startsWith('Unhandled ')) {
      const m = UNHANDLED.exec(b);
      if (m && data.fault === undefined) data.fault = { text: b.trim(), type: m[2], fsr: m[3], address: m[4], unhandled: m[1] };
      continue;
    }
    if (b.startsWith('---[ end trace')) {
      const m = END_TRACE.exec(b);
      if (m) data.endTrace = m[1];
      continue;
    }
  }
  if (modules.length) data.modules = modules;
  if (Object.keys(memAbort).length) data.memAbort = memAbort;
  if (Object.keys(dataAbort).length) data.dataAbort = dataAbort;
  if (hasRegs(regs)) {
    data.regs = regs.regs;
    if (regs.pcSymbol) data.pcSymbol = regs.pcSymbol;
    if (regs.lrSymbol) data.lrSymbol = regs.lrSymbol;
    if (regs.pstateFlags) data.pstateFlags = regs.pstateFlags;
    if (regs.flags) data.flags = regs.flags;
    if (regs.control) data.control = regs.control;
    if (regs.pcIsAt) data.pcIsAt = regs.pcIsAt;
    if (regs.lrIsAt) data.lrIsAt = regs.lrIsAt;
  }
  let arch = archOf(regs);
  const ie = data.internalError as { flags: string[]; code: string } | undefined;
  if (!arch && ie && (ie.flags.includes('ARM') || ie.flags.includes('THUMB2'))) arch = 'arm';
  if (!arch && data.memAbort) arch = 'arm64';
  if (arch) data.arch = arch;
  if (ie && arch !== 'arm' && (data.arch === 'arm64' || ie.code.length === 16)) data.esr = ie.code;
  data.callTrace = trace.traces[0] ?? [];
  if (trace.traces.length > 1) data.traces = trace.traces;
  return trace;
}

/** The event(s) a closed report gives; empty for a `cut here` that never became a WARN or BUG. */
export function buildReport(r: ReportBlock): ReportEvent[] {
  const lines = r.lines;
  const data: Data = {};
  const out: ReportEvent[] = [];
  const first = lines[0];
  data.stream = first.stream;
  if (first.domain !== undefined) data.domain = first.domain;
  if (first.caller !== undefined) data.caller = first.caller;
  if (first.time !== undefined) data.time = first.time;
  if (r.droppedMessages) data.droppedMessages = r.droppedMessages;
  switch (r.type) {
    case 'pending-cut':
    case 'pending-cut8':
      return out;
    case 'oops': {
      const h = lines.find((l) => { const t = detectHeader(l.body); return t === 'fault' || t === 'unhandled' || t === 'internal' || t === 'serror' || t === 'stack'; });
      data.message = (h ?? first).body.trim();
      const se = SERROR.exec(data.message as string);
      if (se) data.serror = { cpu: Number(se[1]), code: se[2], text: se[3] };
      if (data.message === 'Insufficient stack space to handle exception!') data.stackOverflow = true;
      common(lines, data);
      if (data.cpu === undefined && se) data.cpu = Number(se[1]);
      out.push({ kind: 'linux.oops', data });
      return out;
    }
    case 'bug': {
      const h = lines.find((l) => detectHeader(l.body) === 'bug') ?? first;
      data.message = h.body.trim();
      const m = BUG_AT.exec(h.body);
      if (m) { data.file = m[1]; data.line = Number(m[2]); } else {
        const p = BUG_AT_PB.exec(h.body);
        if (p) data.location = p[1];
      }
      common(lines, data);
      out.push({ kind: 'linux.bug', data });
      return out;
    }
    case 'warn': {
      const idx = lines.findIndex((l) => detectHeader(l.body) === 'warn');
      const h = lines[idx >= 0 ? idx : 0];
      data.message = h.body.trim();
      const o = WARN_OLD.exec(h.body);
      if (o) {
        data.cpu = Number(o[1]);
        data.pid = Number(o[2]);
        if (o[3]) { data.file = o[3]; data.line = Number(o[4]); }
        setFunction(data, o[5]);
      } else {
        const n = WARN_NEW.exec(h.body.trim());
        if (n) {
          if (n[1]) { data.file = n[1]; data.line = Number(n[2]); }
          setFunction(data, n[3]);
          data.cpu = Number(n[4]);
          data.comm = n[5];
          data.pid = Number(n[6]);
        }
      }
      // Text between `cut here` and `WARNING:` is the WARN() message on trap-based arches (§4.1).
      const msg = lines.slice(1, Math.max(1, idx)).map((l) => l.body.trim()).filter(Boolean);
      if (msg.length) data.warnText = msg.join('\n');
      const cpu = data.cpu, pid = data.pid, comm = data.comm;
      common(lines, data);
      if (cpu !== undefined) data.cpu = cpu;
      if (pid !== undefined) data.pid = pid;
      if (comm !== undefined) data.comm = comm;
      out.push({ kind: 'linux.warn', data });
      return out;
    }
    case 'panic': {
      const m0 = first.body.indexOf(':');
      let message = m0 >= 0 ? first.body.slice(m0 + 1).trim() : '';
      // PREEMPT_RT (5.10-rt) prints the message on the next line (§4.2).
      if (!message && lines.length > 1 && !lines[1].body.startsWith('CPU: ')) message = lines[1].body.trim();
      data.message = message;
      for (const l of lines) {
        const b = l.body;
        if (b.startsWith('---[ end Kernel panic')) { const m = END_PANIC.exec(b); if (m) data.endMessage = m[1]; }
        else if (b.startsWith('Kernel Offset: ')) data.kernelOffset = b.slice(15).trim();
        else if (b.startsWith('Rebooting in ')) { const m = REBOOT.exec(b); if (m) data.rebootSeconds = Number(m[1]); }
        else if (b.startsWith('SMP: failed to stop secondary CPUs')) data.cpusNotStopped = b.slice(34).trim();
      }
      common(lines, data);
      out.push({ kind: 'linux.panic', data });
      return out;
    }
    case 'rcu': {
      const m = RCU_HEADER.exec(first.body);
      data.message = first.body.trim();
      data.flavor = m ? m[1] : 'unknown';
      const what = m ? m[2] : '';
      data.stallType = what.startsWith('self') ? 'self' : what.includes('expedited') ? 'expedited' : what.includes('on tasks') ? 'tasks' : 'cpus';
      const cpus: Data[] = [];
      const tasks: number[] = [];
      const headerAndMore = [first.body, ...lines.slice(1, 40).map((l) => l.body)];
      for (let i = 0; i < headerAndMore.length; i++) {
        const b = headerAndMore[i];
        const c = i > 0 ? RCU_CPU.exec(b) : null;
        if (c && cpus.length < 256) {
          const e: Data = { cpu: Number(c[1]), flags: c[2], text: b.replace(/^rcu: /, '').trim() };
          const t = /(\d+) ticks this GP/.exec(c[3]);
          if (t) e.ticks = Number(t[1]);
          const g = /(\d+) GPs behind/.exec(c[3]);
          if (g) e.gpsBehind = Number(g[1]);
          const f = /fqs=(\d+)/.exec(c[4]);
          if (f) e.fqs = Number(f[1]);
          cpus.push(e);
          continue;
        }
        const d = RCU_DETECTED.exec(b);
        if (d && data.jiffies === undefined) {
          if (d[1] !== undefined) data.detectedBy = Number(d[1]);
          data.jiffies = Number(d[2]);
          data.gp = Number(d[3]);
          data.q = Number(d[4]);
          if (d[5] !== undefined) data.ncpus = Number(d[5]);
        }
        if (data.stallType === 'expedited' && cpus.length === 0) {
          const e = RCU_EXP.exec(headerAndMore.slice(0, i + 1).join(' '));
          if (e) {
            data.jiffies = Number(e[2]);
            for (const tok of e[1].trim().split(/\s+/)) {
              const cm = /^(\d+)-(\S+)$/.exec(tok);
              if (cm && cpus.length < 256) cpus.push({ cpu: Number(cm[1]), flags: cm[2], text: tok });
            }
          }
        }
        if (b.includes('Tasks blocked on') || data.stallType === 'tasks' || (i > 0 && /^\s*rcu:\s*\{?\s*P\d/.test(b))) {
          RCU_TASKS.lastIndex = 0;
          let tm: RegExpExecArray | null;
          while ((tm = RCU_TASKS.exec(b)) !== null) if (tasks.length < 256) tasks.push(Number(tm[1]));
        }
      }
      data.selfDetected = data.stallType === 'self';
      data.expedited = data.stallType === 'expedited';
      data.cpus = cpus;
      if (tasks.length) data.tasks = tasks;
      if (data.stallType === 'self' && cpus.length === 1) data.cpu = cpus[0].cpu;
      const ownCpu = data.cpu;
      common(lines, data);
      if (ownCpu !== undefined && data.stallType === 'self') data.cpu = ownCpu;
      out.push({ kind: 'linux.rcu_stall', data });
      return out;
    }
    case 'lockup': {
      data.message = first.body.trim();
      const s = SOFT_LOCKUP.exec(first.body);
      let cpu: number | undefined;
      if (s) {
        data.type = 'soft';
        cpu = Number(s[1]);
        data.seconds = Number(s[2]);
        data.comm = s[3];
        data.pid = Number(s[4]);
      } else {
        const h = HARD_LOCKUP.exec(first.body);
        data.type = 'hard';
        if (h) {
          cpu = Number(h[2]);
          if (h[1] !== undefined) data.reporterCpu = Number(h[1]);
        }
      }
      const util: string[] = [];
      const top: Data[] = [];
      let inTop = false;
      for (const l of lines.slice(1, 40)) {
        const b = l.body;
        if (/^CPU#\d+ Utilization/.test(b)) { inTop = false; continue; }
        if (/^CPU#\d+ Detect HardIRQ/.test(b)) { inTop = true; continue; }
        const t = /^\s*#(\d+):\s+(\d+)\s+irq#(\d+)/.exec(b);
        if (inTop && t) { top.push({ rank: Number(t[1]), count: Number(t[2]), irq: Number(t[3]) }); continue; }
        if (/^\s*#\d+:\s+\d+% system/.test(b)) util.push(b.trim());
      }
      if (util.length) data.utilization = util;
      if (top.length) data.topIrqs = top;
      const comm = data.comm, pid = data.pid;
      common(lines, data);
      if (cpu !== undefined) data.cpu = cpu; // the stuck CPU, not the one printing the dump
      if (data.type === 'soft') { data.comm = comm; data.pid = pid; }
      out.push({ kind: 'linux.lockup', data });
      return out;
    }
    case 'hung': {
      const m = HUNG_TASK.exec(first.body);
      data.message = first.body.trim();
      if (m) {
        data.comm = m[1];
        data.pid = Number(m[2]);
        if (m[3]) data.ioWait = true;
        data.seconds = Number(m[4]);
      }
      for (const l of lines.slice(1, 12)) {
        const b = l.body.trim();
        if (b.startsWith('task:')) {
          data.taskLine = b;
          const st = /state:(\S)/.exec(b);
          if (st) data.state = st[1];
          break;
        }
      }
      const comm = data.comm, pid = data.pid;
      common(lines, data);
      data.comm = comm;
      data.pid = pid;
      out.push({ kind: 'linux.hung_task', data });
      return out;
    }
    case 'nobody': {
      const m = NOBODY_CARED.exec(first.body);
      data.message = first.body.trim();
      data.irq = m ? Number(m[1]) : -1;
      data.handlers = handlers(lines);
      const dis = lines.find((l) => l.body.startsWith('Disabling IRQ #'));
      data.disabled = dis !== undefined;
      if (dis) data.disabledIrq = Number(/#(\d+)/.exec(dis.body)?.[1] ?? -1);
      common(lines, data);
      out.push({ kind: 'linux.irq.nobody_cared', data });
      return out;
    }
    case 'bogus': {
      const m = BOGUS_RETURN.exec(first.body);
      data.irq = m ? Number(m[1]) : -1;
      data.text = first.body.trim();
      data.source = 'bogus-return';
      if (m) data.returnValue = m[2];
      data.handlers = handlers(lines);
      common(lines, data);
      out.push({ kind: 'linux.irq.spurious', data });
      return out;
    }
  }
  return out;
}

function setFunction(data: Data, loc: string): void {
  data.location = loc;
  const plus = loc.indexOf('+');
  data.function = plus > 0 ? loc.slice(0, plus) : loc;
}

function handlers(lines: LLine[]): Data[] {
  const out: Data[] = [];
  let inH = false;
  for (const l of lines) {
    const b = l.body.trim();
    if (b.startsWith('handlers:')) { inH = true; continue; }
    if (!inH) continue;
    const m = HANDLER.exec(b);
    if (!m) { if (!b.startsWith('[<')) inH = false; continue; }
    const h: Data = { handler: m[2], addr: m[1] };
    if (m[4]) { h.thread = m[4]; h.threadAddr = m[3]; }
    if (out.length < 64) out.push(h);
  }
  return out;
}

/** Single-line spurious-interrupt events: GICv3 `Unexpected interrupt (irqnr N)` and `Spurious ...` (§4.7). */
export function spuriousEvent(l: LLine): DecodedEvent | undefined {
  const data: Data = { stream: l.stream, text: l.body.trim() };
  if (l.domain !== undefined) data.domain = l.domain;
  if (l.time !== undefined) data.time = l.time;
  const u = UNEXPECTED_IRQ.exec(l.body);
  if (u) {
    data.irq = Number(u[2]);
    data.hwirq = Number(u[2]);
    data.source = u[1] === 'interrupt' ? 'gicv3-unexpected' : 'gicv3-unexpected-nmi';
  } else {
    const s = SPURIOUS.exec(l.body);
    if (!s) return undefined;
    data.irq = Number(s[1]);
    data.source = 'spurious';
  }
  return { kind: 'linux.irq.spurious', firstSeq: l.seq, lastSeq: l.endSeq, ts: l.ts, data };
}

export type { TraceEntry };
