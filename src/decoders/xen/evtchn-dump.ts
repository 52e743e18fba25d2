// The body of debug key `e` (`dump_evtchn_info` / `domain_dump_evtchn_info`,
// xen/common/event_channel.c; reference §4): one `xen.evtchn` event per
// `Event channel information for domain N:` section, with every port the section lists.
//
//   Event channel information for domain %d:
//   Polling vCPUs: {%*pbl}
//       port [p/m/s]
//       %4u [%d/%d/<s>]: s=%d n=%d x=%d[ d=%d | d=%d p=%d | p=%d i=%d | v=%d][ Z=%s]
//       %4u in flux                     (a port whose lock was held, in some releases)
//
// `p`/`m` are the port's pending and masked bits. `<s>` is printed by the event-channel ABI:
// the 2-level ABI prints its selector bit (`0`/`1`); the FIFO ABI (what Linux uses when Xen offers
// it) prints `?     ` when the port has no event word yet, else a busy flag (`B` or a space) and
// the LINK field when the event is linked on a queue (`  -   ` when it is not). `s` is the state
// (ECS_*), `n` the vCPU notified, `x` a Xen-internal consumer; the tail depends on the state.
import type { DecodedEvent, TaggedLine } from '../types.js';

const MAX_PORTS = 4096;
const NO_EVENTS: DecodedEvent[] = [];

/** ECS_* (xen/include/xen/sched.h); ECS_FREE ports are not printed. */
const STATES = ['free', 'reserved', 'unbound', 'interdomain', 'pirq', 'virq', 'ipi'];
/** VIRQ_* (xen/include/public/xen.h); 11 was VIRQ_XC_RESERVED before 4.13. */
const VIRQS: Record<number, string> = {
  0: 'timer', 1: 'debug', 2: 'console', 3: 'dom-exc', 4: 'tbuf', 6: 'debugger', 7: 'xenoprof',
  8: 'con-ring', 9: 'pcpu-state', 10: 'mem-event', 11: 'argo', 12: 'enomem', 13: 'xenpmu',
};

export interface EvtchnPort {
  port: number;
  pending: boolean;
  masked: boolean;
  /** ECS state name (`unbound`, `interdomain`, `pirq`, `virq`, `ipi`, `reserved`), or `s=N`. */
  state: string;
  /** vCPU the event is delivered to (`n=`). */
  vcpu: number;
  /** Xen-internal consumer (`x=`; 0: the guest). */
  consumer: number;
  /** 2-level ABI: the port's selector bit. */
  selector?: number;
  /** FIFO ABI: the port has an event word (false: `?`). */
  fifoWord?: boolean;
  /** FIFO ABI: BUSY bit. */
  busy?: boolean;
  /** FIFO ABI: LINKED (the event is on a queue), and its LINK field. */
  linked?: boolean;
  link?: number;
  /** `unbound`: the domain allowed to bind; `interdomain`: the remote end. */
  remoteDomain?: number;
  remotePort?: number;
  /** `pirq`: the guest's PIRQ and Xen's IRQ. */
  pirq?: number;
  irq?: number;
  /** `virq`: the VIRQ number and its name. */
  virq?: number;
  virqName?: string;
  /** XSM label (`Z=`). */
  label?: string;
  /** `%4u in flux`: the port was being changed; nothing else is known. */
  inFlux?: boolean;
}

interface Section {
  firstSeq: number;
  lastSeq: number;
  ts: number;
  domain: number;
  polling?: string;
  ports: EvtchnPort[];
  more: number;
}

const RE_DOMAIN = /^Event channel information for domain (-?\d+):/;
const RE_POLLING = /^Polling vCPUs: \{(.*)\}/;
const RE_PORT = /^\s+(\d+) \[([01])\/([01])\/([^\]]*)\]: s=(\d+) n=(-?\d+) x=(-?\d+)(.*)$/;
const RE_FLUX = /^\s+(\d+) in flux\s*$/;
/** A tail field: `d=`, `p=`, `i=`, `v=` and a whole number (a garbled value is left out). */
const RE_TAIL = / ([dpiv])=(-?\d+)(?= |$)/g;

/** Parse one port row (`RE_PORT`'s text), or undefined; exported for the property test. */
export function parsePortRow(body: string): EvtchnPort | undefined {
  const m = RE_PORT.exec(body);
  if (!m) {
    const f = RE_FLUX.exec(body);
    return f ? { port: Number(f[1]), pending: false, masked: false, state: 'unknown', vcpu: -1, consumer: 0, inFlux: true } : undefined;
  }
  const s = Number(m[5]);
  const p: EvtchnPort = { port: Number(m[1]), pending: m[2] === '1', masked: m[3] === '1', state: STATES[s] ?? `s=${s}`, vcpu: Number(m[6]), consumer: Number(m[7]) };
  abiState(p, m[4]);
  const tail = m[8];
  const zi = tail.indexOf(' Z=');
  const fields = zi >= 0 ? tail.slice(0, zi) : tail;
  if (zi >= 0) p.label = tail.slice(zi + 3).trimEnd();
  const kv: Record<string, number> = {};
  RE_TAIL.lastIndex = 0;
  for (let t = RE_TAIL.exec(fields); t; t = RE_TAIL.exec(fields)) kv[t[1]] = Number(t[2]);
  switch (p.state) {
    case 'unbound': if (kv.d !== undefined) p.remoteDomain = kv.d; break;
    case 'interdomain': if (kv.d !== undefined) p.remoteDomain = kv.d; if (kv.p !== undefined) p.remotePort = kv.p; break;
    case 'pirq': if (kv.p !== undefined) p.pirq = kv.p; if (kv.i !== undefined) p.irq = kv.i; break;
    case 'virq':
      if (kv.v !== undefined) { p.virq = kv.v; const n = VIRQS[kv.v]; if (n) p.virqName = n; }
      break;
    default:
  }
  return p;
}

/** The ABI-specific third field of `[p/m/s]`. */
function abiState(p: EvtchnPort, s: string): void {
  // 2-level: `%d`, one digit and nothing else. FIFO prints six characters at least, so a linked
  // event whose LINK is 0 or 1 (`  0   `) is not a selector bit.
  if (s === '0' || s === '1') { p.selector = Number(s); return; }
  if (s.trim() === '?') { p.fifoWord = false; return; }
  // FIFO: `%c %-4u` (linked) or `%c -   ` (not linked); %c is `B` or a space.
  p.fifoWord = true;
  p.busy = s.charAt(0) === 'B';
  const rest = s.slice(1).trim();
  if (rest === '-') p.linked = false;
  else if (/^\d+$/.test(rest)) { p.linked = true; p.link = Number(rest); }
}

export class EvtchnDumpParser {
  private cur?: Section;
  private readonly events: DecodedEvent[] = [];
  /** Domains seen (sections opened). */
  domains = 0;
  /** Key `e` prints no end marker: only silence or the next response ends it. */
  readonly complete = false;

  /** Feed one line of the `e` response (header excluded). Returns true when the line was understood. */
  push(line: TaggedLine): boolean {
    const b = line.body;
    if (b.startsWith('Event channel information for domain ')) {
      const m = RE_DOMAIN.exec(b);
      if (!m) return false;
      this.close();
      this.domains++;
      this.cur = { firstSeq: line.seq, lastSeq: line.seq, ts: line.ts, domain: Number(m[1]), ports: [], more: 0 };
      return true;
    }
    const cur = this.cur;
    if (!cur) return false;
    if (b.startsWith('Polling vCPUs: ')) {
      const m = RE_POLLING.exec(b);
      if (m) { cur.polling = m[1]; cur.lastSeq = line.seq; return true; }
      return false;
    }
    if (b.trim() === 'port [p/m/s]') { cur.lastSeq = line.seq; return true; }
    const p = parsePortRow(b);
    if (!p) return false;
    if (cur.ports.length < MAX_PORTS) cur.ports.push(p);
    else cur.more++;
    cur.lastSeq = line.seq;
    return true;
  }

  /** Close the open section; `partial` marks it cut short. */
  finish(partial?: string): DecodedEvent[] {
    this.close(partial);
    return this.events.splice(0);
  }

  /** Events completed so far. */
  take(): DecodedEvent[] {
    return this.events.length === 0 ? NO_EVENTS : this.events.splice(0);
  }

  private close(partial?: string): void {
    const s = this.cur;
    if (!s) return;
    this.cur = undefined;
    const pending: number[] = [];
    const masked: number[] = [];
    for (const p of s.ports) {
      if (p.pending) pending.push(p.port);
      if (p.masked) masked.push(p.port);
    }
    const data: Record<string, unknown> = { domain: s.domain, ports: s.ports, pendingPorts: pending, maskedPorts: masked };
    if (s.polling !== undefined) data.polling = s.polling;
    if (s.more) data.morePorts = s.more;
    const ev: DecodedEvent = { kind: 'xen.evtchn', firstSeq: s.firstSeq, lastSeq: s.lastSeq, ts: s.ts, data };
    if (partial) { ev.partial = true; ev.reason = partial; }
    this.events.push(ev);
  }
}
