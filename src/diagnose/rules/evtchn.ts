// Event channels that stay pending: what a guest never received, seen from Xen's side.
//
// When Xen raises an event on a port (a VIRQ, an interdomain notify, a PIRQ), it sets the port's
// pending bit and, unless the guest masked the port, marks the notified vCPU's upcall pending and
// injects the event-channel upcall PPI (`Allocating PPI N for event channel interrupt`; `events` in
// dom0's /proc/interrupts). The guest's upcall handler then clears the pending bits. So:
// - a port pending and unmasked in two `e` dumps: the guest never ran its upcall handler for it;
//   the upcall is not getting through (the PPI is disabled at the vGIC, the vCPU has interrupts
//   masked or is stuck in a handler) — the consequence of a missing interrupt, named by port;
// - a port pending and masked in two dumps: the guest masked it and stopped listening;
// - without `e` dumps: a blocked vCPU whose `upcall_pend` stays set in two `q` dumps.
// Formats: key `e` (docs/events/xen-platform.md, xen.evtchn), key `q` vCPU lines (§4.4).
import { heldInNoLr, vcpuSeries, vcpuName, type Ctx, type Evidence, type RankedFinding } from '../analyze-context.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Data = Record<string, any>;
type VcpuSeries = ReturnType<typeof vcpuSeries>;

interface EDump { firstSeq: number; lastSeq: number; ts: number; domains: Map<number, { firstSeq: number; lastSeq: number; ports: Data[] }> }

/** What dom0 Linux uses a VIRQ for (public/xen.h; drivers/xen, drivers/tty/hvc/hvc_xen.c). */
const VIRQ_USE: Record<string, string> = {
  console: "the Xen console's input to the domain on hvc0, the keys typed to it",
  'dom-exc': 'domain exceptions (xenstored, xl)',
  timer: "the guest's Xen timer",
  debug: 'debug requests (key q notifies it)',
};

function portLabel(p: Data): string {
  switch (p.state) {
    case 'virq': {
      const use = p.virqName ? VIRQ_USE[p.virqName] : undefined;
      const name = p.virqName ? `VIRQ_${String(p.virqName).toUpperCase().replace(/-/g, '_')}` : `VIRQ ${p.virq}`;
      return use ? `${name}, ${use}` : name;
    }
    case 'interdomain': return `interdomain, to d${p.remoteDomain} port ${p.remotePort}: a PV driver ring or xenstore`;
    case 'pirq': return `PIRQ ${p.pirq}${p.irq !== undefined ? `, Xen IRQ ${p.irq}` : ''}`;
    case 'ipi': return 'an event-channel IPI';
    default: return String(p.state);
  }
}

/** The `e` dumps of the boot, each with its domains' sections (xen.evtchn inside a key-e response). */
function eDumps(ctx: Ctx): EDump[] {
  const out: EDump[] = [];
  const sections = ctx.byKind('xen.evtchn');
  if (sections.length === 0) return out;
  for (const k of ctx.byKind('xen.debugkey')) {
    if ((k.data as Data).key !== 'e') continue;
    const d: EDump = { firstSeq: k.firstSeq, lastSeq: k.lastSeq, ts: k.ts, domains: new Map() };
    for (const s of sections) {
      if (s.firstSeq < k.firstSeq || s.firstSeq > k.lastSeq) continue;
      const data = s.data as Data;
      if (Array.isArray(data.ports)) d.domains.set(Number(data.domain), { firstSeq: s.firstSeq, lastSeq: s.lastSeq, ports: data.ports });
    }
    if (d.domains.size) out.push(d);
  }
  return out;
}

export function evtchnPending(ctx: Ctx): RankedFinding[] {
  const out: RankedFinding[] = [];
  const dumps = eDumps(ctx);
  const covered = new Set<string>();
  const domains = new Set<number>();
  for (const d of dumps) for (const dom of d.domains.keys()) domains.add(dom);
  // Each vCPU's snapshots in the q dumps, worked out once for both kinds of finding.
  const vcpus = vcpuSeries(ctx);
  for (const domain of domains) {
    const having = dumps.filter((d) => d.domains.has(domain));
    if (having.length < 2) continue;
    const [a, b] = having.slice(-2);
    // Two dumps less than a second apart say nothing about a port staying pending.
    if (ctx.hasTimes && a.ts > 0 && b.ts - a.ts < 1000) continue;
    const pa = a.domains.get(domain)!;
    const pb = b.domains.get(domain)!;
    // Ports pending in both dumps, grouped by the vCPU they notify and by masked / not masked.
    const groups = new Map<string, { vcpu: number; masked: boolean; ports: Data[] }>();
    const earlier = new Map(pa.ports.map((x) => [x.port, x]));
    for (const p of pb.ports) {
      if (!p.pending) continue;
      const before = earlier.get(p.port);
      if (!before?.pending || before.masked !== p.masked) continue;
      const key = `${p.vcpu}.${p.masked}`;
      const g = groups.get(key) ?? { vcpu: Number(p.vcpu), masked: !!p.masked, ports: [] };
      g.ports.push(p);
      groups.set(key, g);
    }
    for (const g of groups.values()) {
      if (!g.masked) covered.add(`${domain}.${g.vcpu}`);
      out.push(portFinding(ctx, vcpus, domain, g, a, b));
    }
  }
  out.push(...upcallPending(ctx, vcpus, covered));
  return out;
}

function rowEvidence(ctx: Ctx, dump: EDump, domain: number, ports: Data[], n: number): Evidence[] {
  const sec = dump.domains.get(domain)!;
  const ev: Evidence[] = [];
  for (const p of ports.slice(0, 3)) {
    // The port's row (`(XEN)`, a timestamp or a wrapped prefix may come first).
    const ln = ctx.findLine(sec.firstSeq, sec.lastSeq, new RegExp(`\\s${p.port} \\[[01]/[01]/`));
    ev.push({ firstSeq: ln?.seq ?? sec.firstSeq, lastSeq: ln?.seq ?? sec.lastSeq, note: `e dump ${n}: d${domain} port ${p.port} pending${p.masked ? ', masked' : ', not masked'}` });
  }
  return ev;
}

function portFinding(ctx: Ctx, vcpus: VcpuSeries, domain: number, g: { vcpu: number; masked: boolean; ports: Data[] }, a: EDump, b: EDump): RankedFinding {
  const who = vcpuName(domain, g.vcpu);
  const list = g.ports.map((p) => `port ${p.port} (${portLabel(p)})`);
  const portsText = list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
  const apart = ctx.hasTimes && a.ts > 0 && b.ts > a.ts ? `, ${((b.ts - a.ts) / 1000).toFixed(1)} s apart` : '';
  const where = `the e dumps at lines ${a.firstSeq} and ${b.firstSeq}${apart}`;
  const evidence = [...rowEvidence(ctx, a, domain, g.ports, 1), ...rowEvidence(ctx, b, domain, g.ports, 2)];
  const ports = g.ports.map((p) => p.port).join(', ');
  if (g.masked) {
    return {
      severity: 'info',
      title: `d${domain} event-channel port${g.ports.length > 1 ? 's' : ''} ${ports} pending but masked in two e dumps`,
      explanation:
        `In ${where}, d${domain} has ${portsText} pending and masked. Xen raised the event${g.ports.length > 1 ? 's' : ''}, but the guest masked the port and has not unmasked it, so the event waits. ` +
        `A driver that masks while it handles an event and never unmasks (a handler that did not finish, a lateeoi never sent) leaves it like this; so does a driver that was unbound. What to try: find the driver behind the port (in dom0, /proc/interrupts lists xen-dyn interrupts by name) and whether it is stuck.`,
      domain,
      vcpu: g.vcpu,
      evidence,
      rule: 'evtchn-pending',
      score: 20,
    };
  }
  const ppi = ctx.evtchnPpi?.irq;
  const ppiName = ppi !== undefined ? `PPI ${ppi}` : 'its PPI';
  // Why the upcall does not get through, from the q dumps when there are any.
  let why = `Look at ${who} in a q dump: upcall_pend=01 says Xen raised the upcall and the vCPU has not taken it; check dom0's /proc/interrupts \`events\` count too.`;
  let score = 66;
  const series = vcpus.find((s) => s.domain === domain && s.vcpu === g.vcpu)?.series ?? [];
  const last = series.slice(-2);
  if (ppi !== undefined && last.length > 0 && last.every((s) => heldInNoLr(s.snap, ppi) && !s.snap.pending.includes(ppi))) {
    why = `The q dumps say why: the upcall, IRQ ${ppi}, sits on ${who}'s inflight list with lr=255 and is not in Pending, which is how the vGIC holds an interrupt the guest disabled (see the finding on IRQ ${ppi}). Every event for ${who} is lost until it is enabled again.`;
    score = 68;
    for (const s of last) {
      const ln = ctx.findLine(s.snap.firstSeq, s.snap.lastSeq, new RegExp(`Inflight irq=${ppi} lr=255`));
      if (ln) evidence.push({ firstSeq: ln.seq, lastSeq: ln.seq, note: `q dump: the upcall ${ppiName} held for ${who}, in no LR` });
    }
  } else if (last.length > 0 && last.every((s) => s.snap.upcallPending === 1)) {
    why = `The q dumps agree: ${who} has upcall_pend=01 in ${last.length > 1 ? 'both' : 'the last'}, so Xen raised the upcall and the vCPU has not taken it. Either ${who} runs with interrupts masked (stuck in a handler or a spinning loop with IRQs off) or the upcall ${ppiName} is disabled or masked by priority in the vGIC.`;
  }
  const consoleInput = g.ports.some((p) => p.virqName === 'console') ? ` Keys typed to d${domain}'s console do not reach it.` : '';
  return {
    severity: 'warning',
    title: `d${domain} event-channel port${g.ports.length > 1 ? 's' : ''} ${ports} stayed pending: ${who} never took the event upcall`,
    explanation:
      `In ${where}, d${domain} has ${portsText} pending and not masked, notified on ${who}. Xen raised the event${g.ports.length > 1 ? 's' : ''} and the guest never handled ${g.ports.length > 1 ? 'them' : 'it'}: ` +
      `a pending port makes Xen inject the event-channel upcall (${ppiName}, \`events\` in dom0's /proc/interrupts) into the vCPU it notifies, and the guest's handler clears the port.${consoleInput} ${why}`,
    domain,
    vcpu: g.vcpu,
    ...(ppi !== undefined ? { irq: ppi } : {}),
    evidence,
    rule: 'evtchn-pending',
    score,
  };
}

/** Without e dumps for it: a blocked vCPU whose upcall stays pending in the last two q dumps. */
function upcallPending(ctx: Ctx, vcpus: VcpuSeries, covered: Set<string>): RankedFinding[] {
  const out: RankedFinding[] = [];
  const ppi = ctx.evtchnPpi?.irq;
  for (const { domain, vcpu, series } of vcpus) {
    if (covered.has(`${domain}.${vcpu}`) || series.length < 2) continue;
    const last = series.slice(-2);
    if (!last.every((s) => s.snap.upcallPending === 1 && s.snap.blocked === true)) continue;
    // The upcall PPI held disabled is the stuck-interrupt rule's finding; this one only adds the events.
    const held = ppi !== undefined && last.every((s) => heldInNoLr(s.snap, ppi));
    const who = vcpuName(domain, vcpu);
    const evidence: Evidence[] = last.map((s, i) => {
      const ln = s.snap.domainFirstSeq !== undefined ? ctx.findLine(s.snap.domainFirstSeq, s.snap.firstSeq, new RegExp(`VCPU${vcpu}: CPU\\d+.*upcall_pend=01`)) : undefined;
      return { firstSeq: ln?.seq ?? s.snap.firstSeq, lastSeq: ln?.seq ?? s.snap.firstSeq, note: `q dump ${i + 1} of the last two: ${who} blocked with upcall_pend=01` };
    });
    out.push({
      severity: 'warning',
      title: `${who} blocked with an event upcall pending in two q dumps`,
      explanation:
        `In the last two q dumps ${who} is blocked (pause_flags bit 0) with upcall_pend=01: Xen has events for it and raised the event-channel upcall${ppi !== undefined ? ` (PPI ${ppi})` : ''}, yet the vCPU sleeps on. ` +
        (held
          ? `The upcall is held by the vGIC with lr=255 (see the finding on IRQ ${ppi}): the guest disabled it, so its event channels (console input, xenstore, PV drivers) are dead on ${who}.`
          : `A blocked vCPU is woken by an enabled pending interrupt; this one is not, so the upcall is disabled or masked by priority in the vGIC. `) +
        ` What to try: press e (CTRL-a three times, then e) to see which ports are pending, and compare dom0's \`events\` count in /proc/interrupts.`,
      domain,
      vcpu,
      ...(ppi !== undefined ? { irq: ppi } : {}),
      evidence,
      rule: 'evtchn-pending',
      score: held ? 48 : 52,
    });
  }
  return out;
}
