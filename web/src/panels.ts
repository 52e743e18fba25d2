// Renderers of decoded events (docs/events/*.md): register dumps, GIC list registers, the `h`
// list, /proc/interrupts differences, boot timelines, crash summaries, diagnosis findings.
import type { Ev } from './api';
import { fmtClock, fmtTime, h, plural, str, table } from './util';
import { CRASH_KINDS } from '../../src/protocol/crash-kinds';

export type Jump = (from: number, to?: number) => void;

export function seqLink(jump: Jump, from: number, to = from, label?: string): HTMLElement {
  return h('button', {
    class: 'link', type: 'button', 'data-testid': 'seq-link', title: `Show lines ${from}${to !== from ? `-${to}` : ''} in the console`,
    onclick: () => jump(from, to),
  }, label ?? (to !== from ? `lines ${from}-${to}` : `line ${from}`));
}

const CRASH = new Set(CRASH_KINDS);

export function isCrash(e: Ev): boolean {
  if (!CRASH.has(e.kind)) return false;
  if (e.kind === 'xen.trap' && e.data.guest) return false;
  return true;
}

export function severityOf(kind: string): 'error' | 'warning' {
  return /panic|oops|bug|assert|abort|crash|trap|lockup/.test(kind) ? 'error' : 'warning';
}

export function crashTitle(e: Ev): string {
  const d = e.data;
  const msg = d.message ?? d.condition ?? (d.file ? `${d.file}:${d.line}` : undefined) ?? d.fault ?? d.type ?? d.reason ?? '';
  return String(msg).split('\n')[0];
}

export function crashItem(e: Ev, jump: Jump, onDetail?: (e: Ev) => void): HTMLElement {
  const d = e.data;
  const where = [d.cpu !== undefined ? `CPU ${d.cpu}` : '', d.comm ? `${d.comm} (pid ${d.pid})` : '', d.domain !== undefined ? `d${d.domain}${d.vcpu !== undefined ? `v${d.vcpu}` : ''}` : '', d.pcSymbol ? `at ${d.pcSymbol}` : '']
    .filter(Boolean).join(' · ');
  return h('li', { class: `crash sev-${severityOf(e.kind)}`, 'data-testid': 'crash-item', 'data-kind': e.kind, 'data-seq': String(e.firstSeq) },
    h('button', { class: 'crash-main', type: 'button', title: 'Show its lines in the console', onclick: () => { jump(e.firstSeq, e.lastSeq); onDetail?.(e); } },
      h('span', { class: 'kind' }, e.kind),
      h('span', { class: 'msg' }, crashTitle(e) || '(no message)'),
      h('span', { class: 'meta' }, `${fmtTime(e.ts)} · lines ${e.firstSeq}-${e.lastSeq}${e.partial ? ` · ${e.reason === 'still open' ? 'still open' : 'partial'}` : ''}${where ? ` · ${where}` : ''}`)));
}

/** Call trace of a Xen (addr, symbol, kind) or Linux (symbol+offset/size [module]) report. */
export function callTrace(trace: any[] | undefined): HTMLElement | null {
  if (!Array.isArray(trace) || trace.length === 0) return null;
  return h('ol', { class: 'trace' }, trace.map((t) => {
    if (typeof t === 'string') return h('li', null, t);
    const sym = t.symbol ? `${t.symbol}${t.offset ? `+${t.offset}` : ''}${t.size ? `/${t.size}` : ''}${t.module ? ` [${t.module}]` : ''}` : '';
    return h('li', null, t.kind ? h('span', { class: 'tag' }, t.kind) : null, t.addr ? h('code', null, t.addr) : null, ' ', sym);
  }));
}

function kv(pairs: Array<[string, unknown]>): HTMLElement {
  return h('dl', { class: 'kv' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').flatMap(([k, v]) => [h('dt', null, k), h('dd', null, str(v))]));
}

/** A register dump (xen.regs): header, ESR and CPSR decoded, registers, call trace. */
export function regsView(e: Ev, jump: Jump): HTMLElement {
  const d = e.data;
  const esr = d.esr;
  const cpsr = d.cpsr;
  const regs: Record<string, string> = d.regs ?? {};
  return h('div', { class: 'regs', 'data-testid': 'regs-view' },
    h('div', { class: 'row' }, h('strong', null, `${d.context ?? ''} registers`), ' ', d.trigger ? h('span', { class: 'tag' }, d.trigger) : null, ' ', seqLink(jump, e.firstSeq, e.lastSeq)),
    kv([['CPU', d.cpu], ['domain', d.domain !== undefined ? `d${d.domain}${d.vcpu !== undefined ? `v${d.vcpu}` : ''}` : undefined], ['mode', d.modeString ?? d.mode], ['PC', regs.PC ? `${regs.PC}${d.pcSymbol ? ` ${d.pcSymbol}` : ''}` : undefined], ['Xen', d.xen ? `${d.xen.version} ${d.xen.arch}${d.xen.debug ? ' debug' : ''}${d.xen.tainted ? ` tainted ${d.xen.taintFlags}` : ''}` : undefined]]),
    esr ? h('div', { class: 'decoded' }, h('h4', null, `ESR ${esr.value}`), kv([['class', `${esr.ecHex} ${esr.ecName}`], ['ISS', esr.issHex], ['fault', esr.dfscName ?? esr.ifscName], ['access', esr.access], ['size', esr.accessSize ? `${esr.accessSize} bytes` : undefined], ['register', esr.srt !== undefined && esr.isv ? `x${esr.srt}` : undefined], ['imm16', esr.imm16]])) : null,
    cpsr ? h('div', { class: 'decoded' }, h('h4', null, `CPSR ${cpsr.value}`), kv([['mode', `${cpsr.modeBits}${cpsr.aarch32 ? ' (AArch32)' : ''}`], ['flags', cpsr.flags || '-'], ['masked', cpsr.masks || 'none'], ['IL', cpsr.il || undefined], ['SS', cpsr.ss || undefined]])) : null,
    Object.keys(regs).length ? h('div', { class: 'reggrid' }, Object.entries(regs).map(([k, v]) => h('div', { class: 'reg' }, h('span', { class: 'rn' }, k), h('code', null, String(v))))) : null,
    d.callTrace?.length ? h('div', null, h('h4', null, 'Call trace'), callTrace(d.callTrace)) : null,
    d.guestStackNote ? h('p', { class: 'note' }, `guest stack: ${d.guestStackNote}`) : null);
}

/** GIC list registers of one vCPU (xen.gic.lrs). */
export function lrsView(e: Ev, jump: Jump): HTMLElement {
  const d = e.data;
  const lrs: any[] = d.lrs ?? [];
  return h('div', { class: 'lrs', 'data-testid': 'lrs-view' },
    h('div', { class: 'row' }, h('strong', null, `${d.domain !== undefined ? `d${d.domain}` : ''}v${d.vcpu}`), ` GICv${d.gic}${d.gicGuessed ? '?' : ''} mask=${d.mask ?? ''}`, ' ', seqLink(jump, e.firstSeq, e.lastSeq)),
    table('lr-table', ['LR', 'state', 'vIRQ', 'pIRQ', 'HW', 'prio', 'grp', 'raw'], lrs.map((l) => [
      String(l.index), h('span', { class: `st st-${String(l.state).replace('+', '-')}` }, l.state), String(l.virq), l.pirq !== undefined ? String(l.pirq) : '', l.hw ? 'HW' : '', String(l.priority), String(l.group), h('code', null, l.raw),
    ]), (i) => (lrs[i].state === 'invalid' ? 'dim' : undefined)),
    d.inflight?.length ? h('p', { class: 'note' }, `inflight: ${d.inflight.map((x: any) => `${x.irq}${x.lr === 255 ? ' (not in an LR)' : `→LR${x.lr}`}`).join(', ')}`) : null,
    d.pending?.length ? h('p', { class: 'note' }, `pending: ${d.pending.join(', ')}`) : null);
}

export function handlersView(e: Ev): HTMLElement {
  return table('handlers', ['key', 'handler'], (e.data.handlers ?? []).map((x: any) => [h('code', null, x.key), x.description]));
}

export function domainView(e: Ev, jump: Jump): HTMLElement {
  const d = e.data;
  return h('div', { class: 'domain' },
    h('div', { class: 'row' }, h('strong', null, `domain ${d.domain}`), ` ${plural(d.pages ?? 0, 'page')}, interrupts {${d.interrupts ?? ''}}`, ' ', seqLink(jump, e.firstSeq, e.lastSeq)),
    table('vcpus', ['vCPU', 'pCPU', 'running', 'upcall pend/mask', 'LR mask', 'inflight', 'pending'], (d.vcpus ?? []).map((v: any) => [
      String(v.vcpu), str(v.cpu), v.running ? 'yes' : 'no', `${str(v.upcallPending)}/${str(v.upcallMask)}`, str(v.lrMask), str(v.inflight), str(v.pending),
    ])));
}

/** Event channels of one domain (key e, xen.evtchn): pending ports highlighted. */
export function evtchnView(e: Ev, jump: Jump): HTMLElement {
  const d = e.data;
  const ports: any[] = d.ports ?? [];
  const bound = (p: any): string => {
    switch (p.state) {
      case 'virq': return `VIRQ ${p.virq}${p.virqName ? ` ${p.virqName}` : ''}`;
      case 'interdomain': return `d${p.remoteDomain} port ${p.remotePort}`;
      case 'unbound': return `for d${p.remoteDomain}`;
      case 'pirq': return `PIRQ ${p.pirq}${p.irq !== undefined ? ` (IRQ ${p.irq})` : ''}`;
      default: return '';
    }
  };
  const pending: number[] = d.pendingPorts ?? [];
  return h('div', { class: 'evtchn', 'data-testid': 'evtchn-view' },
    h('div', { class: 'row' }, h('strong', null, `domain ${d.domain} event channels`), ` ${plural(ports.length, 'port')}${pending.length ? `, pending: ${pending.join(', ')}` : ', none pending'}`, ' ', seqLink(jump, e.firstSeq, e.lastSeq)),
    ports.length ? table('evtchn-table', ['port', 'state', 'bound to', 'vCPU', 'pending', 'masked'], ports.map((p) => [
      String(p.port), p.inFlux ? 'in flux' : str(p.state), bound(p), p.vcpu >= 0 ? String(p.vcpu) : '', p.pending ? 'yes' : '', p.masked ? 'yes' : '',
    ]), (i) => (ports[i].pending ? 'changed' : undefined)) : null);
}

/** How a kernel set up interrupts at boot (linux.irq.setup): its GIC (the vGIC under Xen), timer, event channels, CPUs. */
export function irqSetupView(e: Ev, jump: Jump): HTMLElement {
  const d = e.data;
  const who = d.domain !== undefined ? `d${d.domain} Linux` : d.xen ? 'dom0 Linux' : 'Linux';
  const g = d.gic;
  const gic = g ? [
    `GICv${g.version ?? '?'}`,
    g.spis !== undefined ? `${g.spis} SPIs` : '',
    g.ppis !== undefined ? `${g.ppis} PPIs` : '',
    g.its ? `ITS: ${g.its}` : '',
    ...(g.v2m ?? []).map((v: any) => `v2m SPIs ${v.firstSpi}-${v.lastSpi}`),
    g.redistributors?.length ? `redistributors for CPU ${g.redistributors.map((r: any) => r.cpu).join(', ')}` : '',
  ].filter(Boolean).join(' · ') : 'no GIC line';
  const x = d.xen;
  const problems: string[] = [
    ...(x?.noEventIrq ? ['no event-channel interrupt'] : []),
    ...(g?.noRedistributor ?? []).map((r: any) => `CPU${r.cpu}: no redistributor`),
    ...(d.cpus?.failed ?? []).map((f: any) => `CPU${f.cpu} failed to come online`),
  ];
  return h('div', { class: 'irq-setup', 'data-testid': 'irq-setup' },
    h('div', { class: 'row' }, h('strong', null, `${who} interrupt setup`), e.partial ? ` (${e.reason === 'still open' ? 'still open: its CPUs are not up yet' : e.reason ?? 'cut short'})` : '', ' ', seqLink(jump, e.firstSeq, e.lastSeq)),
    kv([
      ['GIC', gic],
      ['timer', d.timer ? `${d.timer.mhz} MHz (${d.timer.mode})` : ''],
      ['Xen', x ? [x.version ? `Xen ${x.version}` : '', x.eventsAbi ? `${x.eventsAbi === 'fifo' ? 'FIFO' : '2-level'} event channels` : '', x.grantTableVersion ? `grant tables v${x.grantTableVersion}` : ''].filter(Boolean).join(' · ') : 'not under Xen'],
      ['CPUs', d.cpus?.online !== undefined ? `${d.cpus.online} online` : ''],
    ]),
    problems.length ? h('p', { class: 'error' }, problems.join('; ')) : null);
}

/** /proc/interrupts: snapshot b with the counts that changed since a highlighted. */
export function interruptsDiff(a: Ev | undefined, b: Ev, onlyChanged: boolean): HTMLElement {
  const cpus: number[] = b.data.cpuIds ?? [];
  const before = new Map<string, any>((a?.data.rows ?? []).map((r: any) => [String(r.irq), r]));
  const rows: any[] = (b.data.rows ?? []).map((r: any) => {
    const old = before.get(String(r.irq));
    const delta = (r.counts as number[]).map((c, i) => (old ? c - (old.counts?.[i] ?? 0) : 0));
    return { r, old, delta, changed: !!a && (!old || delta.some((x) => x !== 0)) };
  });
  const shown = onlyChanged ? rows.filter((x) => x.changed) : rows;
  const head = ['IRQ', ...cpus.map((c) => `CPU${c}`), ...(a ? cpus.map((c) => `Δ${c}`) : []), 'hwirq', 'name'];
  return h('div', null,
    table('irq-table', head, shown.map(({ r, old, delta }) => [
      String(r.irq),
      ...(r.counts as number[]).map((c) => String(c)),
      ...(a ? delta.map((x: number) => h('span', { class: x ? 'delta' : 'dim' }, old ? (x > 0 ? `+${x}` : String(x)) : 'new')) : []),
      r.hwirq !== undefined ? String(r.hwirq) : '',
      r.name ?? '',
    ]), (i) => (shown[i].changed ? 'changed' : undefined)),
    a && !shown.some((x) => x.changed) ? h('p', { class: 'note' }, 'No interrupt count changed between these snapshots.') : null);
}

/** Boot timeline: milestones as dots on a time axis, one row each. */
export function timelineView(ms: any[], jump: Jump): HTMLElement {
  if (ms.length === 0) return h('p', { class: 'note' }, 'No milestones.');
  const t0 = ms[0].ts;
  const span = Math.max(1, ms[ms.length - 1].ts - t0);
  return h('div', { class: 'timeline', 'data-testid': 'timeline' },
    ms.map((m) => {
      const dt = m.ts - t0;
      const bar = h('span', { class: 'tl-bar' });
      bar.style.width = `${Math.max(0.5, (dt / span) * 100)}%`;
      const dot = h('span', { class: `tl-dot ${/panic|reboot/.test(m.name) ? 'bad' : ''}` });
      dot.style.left = `${(dt / span) * 100}%`;
      return h('button', { class: 'tl-row', type: 'button', title: `line ${m.seq}: show it`, onclick: () => jump(m.seq) },
        h('span', { class: 'tl-name' }, m.name),
        h('span', { class: 'tl-track' }, bar, dot),
        h('span', { class: 'tl-t' }, `+${(dt / 1000).toFixed(3)} s`));
    }),
    h('p', { class: 'note' }, `started ${fmtClock(t0)}; ${ms.length} milestones over ${(span / 1000).toFixed(2)} s`));
}

export interface Finding { severity: 'error' | 'warning' | 'info'; title: string; explanation: string; irq?: number; domain?: number; vcpu?: number; evidence?: Array<{ firstSeq: number; lastSeq: number }> }

export function findingView(f: Finding, jump: Jump): HTMLElement {
  const where = [f.irq !== undefined ? `IRQ ${f.irq}` : '', f.domain !== undefined ? `d${f.domain}${f.vcpu !== undefined ? `v${f.vcpu}` : ''}` : ''].filter(Boolean).join(' · ');
  return h('li', { class: `finding sev-${f.severity}`, 'data-testid': 'finding' },
    h('div', { class: 'row' }, h('span', { class: `badge ${f.severity}` }, f.severity), ' ', h('strong', null, f.title), where ? h('span', { class: 'meta' }, ` ${where}`) : null),
    h('p', null, f.explanation),
    f.evidence?.length ? h('div', { class: 'evidence' }, 'evidence: ', f.evidence.map((ev) => seqLink(jump, ev.firstSeq, ev.lastSeq))) : null);
}

/** The decoded answer of one debug key. */
export function keyAnswer(k: any, jump: Jump): HTMLElement {
  const evs: Ev[] = k.events ?? [];
  const parts: HTMLElement[] = [];
  for (const e of evs) {
    if (e.kind === 'xen.handlers') parts.push(handlersView(e));
    else if (e.kind === 'xen.gic.lrs') parts.push(lrsView(e, jump));
    else if (e.kind === 'xen.regs') parts.push(regsView(e, jump));
    else if (e.kind === 'xen.domain') parts.push(domainView(e, jump));
    else if (e.kind === 'xen.evtchn') parts.push(evtchnView(e, jump));
    else if (e.kind === 'xen.debugkey' || e.kind === 'xen.focus') continue;
    else parts.push(h('details', { class: 'raw-ev' }, h('summary', null, `${e.kind} · lines ${e.firstSeq}-${e.lastSeq}`), h('pre', null, JSON.stringify(e.data, null, 1))));
  }
  return h('div', { class: 'key-answer-one', 'data-key': k.key },
    h('div', { class: 'row' }, h('code', { class: 'keycap' }, k.key), ' ', h('strong', null, k.description ?? '(no description)'), ' ', seqLink(jump, k.firstSeq, k.lastSeq), k.timedOut ? h('span', { class: 'badge warning' }, 'timed out') : null),
    parts.length ? parts : h('details', { class: 'raw-lines' }, h('summary', null, plural(k.lines?.length ?? 0, 'line')), h('pre', null, (k.lines ?? []).map((l: any) => l.text).join('\n'))));
}
