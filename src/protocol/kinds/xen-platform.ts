// Data schemas of the xen-platform event kinds (decoder: src/decoders/xen/boot-family.ts; formats:
// xen-console-reference §3 GIC, §4 debug keys, §5.5 focus, §5.8/§6 boot). Objects allow extra
// fields: decoders may add, never rename.
import { Type, type TSchema } from '@sinclair/typebox';

const Int = (description: string) => Type.Integer({ description });
const Str = (description: string) => Type.String({ description });
const Bool = (description: string) => Type.Boolean({ description });
const Opt = Type.Optional;
const Addr = (description: string) => Type.String({ description: `${description} ('0x' + lowercase hex, no leading zeros)`, pattern: '^0x[0-9a-f]+$' });
const open = { additionalProperties: true };

export const MilestoneSchema = Type.Object(
  {
    name: Str("Milestone name: efi.loader, xen.head, xen.early, xen.start, timer.up, gic.up, scheduler.up, cpus.up, iommu.up, dom0less.detected, dom0.loading, domu.loading, boot.warnings, input.handover, init.freed, dom0.kernel, dom0.userspace, prompt, xen.panic, xen.reboot"),
    seq: Int('Seq of the line that marks it'),
    ts: Type.Number({ description: 'Host receive time of that line (ms since the epoch)' }),
  },
  { ...open, description: 'One point of the boot timeline; extra fields give details (cpus, version, target, text...)' },
);

const BootSchema = Type.Object(
  {
    version: Opt(Str('Xen version (`4.17.7`), from the version line or the banner')),
    debug: Opt(Bool('`debug=y` build')),
    milestones: Type.Array(MilestoneSchema, { description: 'Milestones in the order seen' }),
    startSeen: Bool('The start of the boot was seen (false: the capture began mid-boot)'),
    compiler: Opt(Str('Compiler group of the version line')),
    compileBy: Opt(Str('`user@domain` group of the version line')),
    distro: Opt(Str('Extra distribution group of the version line (e.g. Debian package version)')),
    buildInfo: Opt(Type.Record(Type.String(), Type.String(), { description: 'key=value words after the compiler (debug, ubsan...)' })),
    compileDate: Opt(Str('Compile date as printed')),
    changeset: Opt(Str('`Latest ChangeSet:` value (may be empty)')),
    buildId: Opt(Str('`build-id:` hex')),
    commandLine: Opt(Str('Xen command line')),
    platform: Opt(Str('`Platform:` name')),
    bootMode: Opt(Type.Union([Type.Literal('dt'), Type.Literal('acpi')], { description: 'Device Tree or ACPI boot' })),
    console: Opt(Str('dtuart path Xen looked for')),
    processor: Opt(Str('`Processor:` line text')),
    allowedCpus: Opt(Int('`SMP: Allowing N CPUs`')),
    cpus: Opt(Int('`Brought up N CPUs`')),
    gic: Opt(Type.Union([Type.Literal(2), Type.Literal(3)], { description: 'GIC version' })),
    scheduler: Opt(Str('`Using scheduler:` value')),
    iommu: Opt(Bool('I/O virtualisation enabled')),
    dom0less: Opt(Bool('`Xen dom0less mode detected`')),
    domUs: Opt(Int('Number of `*** LOADING DOMU` lines')),
    dom0MemMB: Opt(Int('dom0 1:1 allocation (MB)')),
    loglevel: Opt(Str('`Std. Loglevel:`')),
    guestLoglevel: Opt(Str('`Guest Loglevel:`')),
    freedInitKB: Opt(Int('`Freed NkB init memory.`')),
    syncConsole: Opt(Bool('`Console output is synchronous.`')),
    efi: Opt(Bool('Booted through the EFI loader')),
  },
  { ...open, description: 'One Xen boot and its timeline; partial when it did not reach a prompt' },
);

const GicInitSchema = Type.Object(
  {
    version: Type.Union([Type.Literal(2), Type.Literal(3)], { description: 'GIC architecture version' }),
    lines: Opt(Int('Interrupt lines (`GICvN: %d lines`)')),
    dist: Opt(Addr('Distributor base (gic_dist_addr)')),
    cpu: Opt(Addr('GICv2 CPU interface base (gic_cpu_addr)')),
    hyp: Opt(Addr('GICv2 hypervisor interface base (gic_hyp_addr)')),
    vcpu: Opt(Addr('GICv2 virtual CPU interface base (gic_vcpu_addr)')),
    maintenanceIrq: Opt(Int('Maintenance interrupt Xen takes for itself')),
    cpus: Opt(Int('GICv2: CPUs reported by the distributor')),
    secure: Opt(Bool('GICv2: security extensions present')),
    iid: Opt(Str('GICD_IIDR (hex as printed)')),
    rdistStride: Opt(Int('GICv3 gic_rdist_stride')),
    rdistRegions: Opt(Int('GICv3 gic_rdist_regions')),
    regions: Opt(Type.Array(Type.Object({ index: Type.Integer(), base: Type.Optional(Type.String()), end: Type.Optional(Type.String()) }), { description: 'GICv3 redistributor regions' })),
    redistributors: Opt(Type.Array(Type.Object({ cpu: Type.Integer(), region: Type.Integer(), va: Type.String() }), { description: 'GICv3 per-CPU redistributors printed with the block (CPU0)' })),
    v2compat: Opt(Type.Object({ cbase: Type.Optional(Type.String()), vbase: Type.Optional(Type.String()) }, { description: 'GICv3 GICv2-compatibility bases' })),
    v2m: Opt(Type.Array(Type.Object({ addr: Type.Optional(Type.String()), size: Type.Optional(Type.String()), spiBase: Type.Optional(Type.Integer()), numSpis: Type.Optional(Type.Integer()) }), { description: 'GICv2m MSI frames' })),
    its: Opt(Type.Array(Type.String(), { description: 'GICv3 ITS bases' })),
    maxLpis: Opt(Int('GICv3 LPIs usable on the host')),
    espiLines: Opt(Int('GICv3 eSPI lines (master)')),
    warnings: Opt(Type.Array(Type.String(), { description: 'Driver warnings printed inside the block; gic_*= values that are not an address or number, as printed' })),
  },
  { ...open, description: 'GIC driver initialisation block (§3.1, §3.2)' },
);

const LrSchema = Type.Object(
  {
    index: Int('LR number'),
    raw: Str('Value as printed (hex)'),
    state: Type.Union([Type.Literal('invalid'), Type.Literal('pending'), Type.Literal('active'), Type.Literal('pending+active')]),
    virq: Int('Virtual INTID'),
    pirq: Opt(Int('Physical INTID (HW set)')),
    hw: Bool('Hardware (linked to a physical interrupt)'),
    priority: Int('8-bit priority (GICv2: the 5-bit field << 3)'),
    group: Type.Union([Type.Literal(0), Type.Literal(1)], { description: 'Group (GICv2 Grp1, GICv3 Group)' }),
    eoi: Opt(Bool('EOI maintenance requested (HW clear)')),
    sourceCpu: Opt(Int('GICv2 SGI source CPU')),
    live: Bool('HW_LR (live register) rather than VCPU_LR (saved copy)'),
  },
  { ...open, description: 'One decoded list register' },
);

const GicLrsSchema = Type.Object(
  {
    domain: Opt(Int('Domain id (from the enclosing `General information for domain`)')),
    vcpu: Int('vCPU id'),
    gic: Type.Union([Type.Literal(2), Type.Literal(3)], { description: 'Layout used to decode' }),
    gicGuessed: Opt(Bool('No GIC init block seen in this boot: version guessed from the values')),
    mask: Str('lr_mask (hex)'),
    lrs: Type.Array(LrSchema),
    inflight: Type.Array(Type.Object({ irq: Type.Integer(), lr: Type.Integer({ description: '255 = not in an LR' }) })),
    pending: Type.Array(Type.Integer(), { description: '`Pending irq=` (queued, not in an LR)' }),
    queued: Opt(Type.Array(Type.Object({ irq: Type.Integer(), hw: Type.Boolean(), level: Type.Boolean(), pending: Type.Boolean(), active: Type.Boolean(), enabled: Type.Boolean() }), { description: 'New vGIC `active or pending interrupts queued` list' })),
  },
  { ...open, description: 'Per-vCPU GIC list registers from key q (§3.3)' },
);

const VcpuSchema = Type.Object(
  {
    vcpu: Int('vCPU id'),
    cpu: Opt(Int('Physical CPU it last ran on')),
    running: Opt(Bool('[has=T]')),
    poll: Opt(Type.Integer()),
    upcallPending: Opt(Type.Integer()),
    upcallMask: Opt(Type.Integer()),
    dirtyCpu: Opt(Type.Integer()),
    dirtyCpus: Opt(Type.String()),
    unit: Opt(Int('Scheduling unit')),
    hardAffinity: Opt(Str('Hard affinity cpumask list')),
    softAffinity: Opt(Str('Soft affinity cpumask list')),
    pauseCount: Opt(Type.Integer()),
    pauseFlags: Opt(Str('pause_flags (hex)')),
    lrMask: Opt(Str('GIC lr_mask (hex)')),
    inflight: Opt(Int('Inflight interrupts listed')),
    pending: Opt(Int('Pending (queued) interrupts listed')),
    periodicTimer: Opt(Str("'none' or 'N Hz'")),
  },
  open,
);

const DomainSchema = Type.Object(
  {
    domain: Int('Domain id'),
    interrupts: Opt(Str('Interrupts rangeset as printed inside the braces (decimal), trimmed')),
    interruptRanges: Opt(Type.Array(Type.Tuple([Type.Integer(), Type.Integer()]), { description: 'Interrupts as [lo, hi] pairs' })),
    iomem: Opt(Str('I/O Memory rangeset as printed (hex page frames), trimmed')),
    iomemRanges: Opt(Type.Array(Type.Tuple([Type.String(), Type.String()]), { description: "I/O Memory as ['0x..', '0x..'] page-frame pairs" })),
    ioports: Opt(Str('I/O Ports rangeset (x86 only)')),
    vcpus: Type.Array(VcpuSchema),
    pages: Opt(Int('nr_pages')),
    xenheapPages: Opt(Type.Integer()),
    maxPages: Opt(Type.Integer()),
    sharedPages: Opt(Type.Integer()),
    dirtyCpus: Opt(Type.String()),
    refcnt: Opt(Type.Integer()),
    dying: Opt(Type.Integer()),
    pauseCount: Opt(Type.Integer()),
    handle: Opt(Str('Domain handle (UUID)')),
    vmAssist: Opt(Type.String()),
    p2m: Opt(Type.Record(Type.String(), Type.Integer(), { description: 'vmid, map1G/map2M/map4K, shattered1G/shattered2M' })),
    nodeAffinity: Opt(Type.String()),
    watchdogs: Opt(Type.Array(Type.Object({ id: Type.Integer(), expiresIn: Type.Integer() }))),
    llcColors: Opt(Type.String()),
  },
  { ...open, description: 'One domain of the key q dump (§4.4)' },
);

const EvtchnPortSchema = Type.Object(
  {
    port: Int('Port number'),
    pending: Bool('Pending bit (p)'),
    masked: Bool('Masked bit (m)'),
    state: Str("'reserved', 'unbound', 'interdomain', 'pirq', 'virq', 'ipi' (s=1..6), 's=N' for another value, 'unknown' for a port printed 'in flux'"),
    vcpu: Int('vCPU notified (n=); -1 when in flux'),
    consumer: Int('Xen-internal consumer (x=); 0: the guest'),
    selector: Opt(Int('2-level ABI: the selector bit')),
    fifoWord: Opt(Bool('FIFO ABI: the port has an event word (false when printed ?)')),
    busy: Opt(Bool('FIFO ABI: BUSY')),
    linked: Opt(Bool('FIFO ABI: LINKED (on a queue)')),
    link: Opt(Int('FIFO ABI: LINK field')),
    remoteDomain: Opt(Int('unbound: the domain that may bind it; interdomain: the remote domain (d=)')),
    remotePort: Opt(Int('interdomain: the remote port (p=)')),
    pirq: Opt(Int('pirq: the guest PIRQ (p=)')),
    irq: Opt(Int("pirq: Xen's IRQ (i=)")),
    virq: Opt(Int('virq: the VIRQ number (v=)')),
    virqName: Opt(Str("virq: 'timer', 'debug', 'console', 'dom-exc', ... (public/xen.h)")),
    label: Opt(Str('XSM label (Z=)')),
    inFlux: Opt(Bool('Printed `N in flux`: the port was being changed')),
  },
  open,
);

const EvtchnSchema = Type.Object(
  {
    domain: Int('Domain id'),
    polling: Opt(Str('Polling vCPUs (cpumask list inside the braces)')),
    ports: Type.Array(EvtchnPortSchema, { description: 'The ports listed (ECS_FREE ports are not printed), at most 4096' }),
    pendingPorts: Type.Array(Type.Integer(), { description: 'Ports with the pending bit set' }),
    maskedPorts: Type.Array(Type.Integer(), { description: 'Ports with the masked bit set' }),
    morePorts: Opt(Int('Ports past the first 4096, not listed')),
  },
  { ...open, description: 'One domain of the key e dump (event channels)' },
);

const GicCpuSchema = Type.Object(
  {
    what: Str("'rdist-found' (CPU1 and up; CPU0's is in xen.gic.init), 'no-rdist', 'rdist-not-present', 'lpi-init-failed', 'rdist-wakeup-timeout', 'rwp-timeout'"),
    error: Bool('An error (every what but rdist-found)'),
    cpu: Opt(Int('The CPU')),
    region: Opt(Int('rdist-found: redistributor region index')),
    va: Opt(Str("rdist-found: Xen's virtual address of the redistributor, as printed")),
    mpidr: Opt(Str('no-rdist: the MPIDR as printed')),
    address: Opt(Str('rdist-not-present: the address, as printed')),
    code: Opt(Int('lpi-init-failed: the error code')),
    source: Opt(Type.Object({ file: Type.String(), line: Type.Integer() }, { description: "dprintk's file and line" })),
    text: Str('The line'),
  },
  { ...open, description: 'A per-CPU GICv3 line of a CPU bring-up (§3.2)' },
);

const FocusSchema = Type.Object(
  {
    target: Str("'xen', 'dom0', 'dom1', ..."),
    domain: Opt(Int('Domain id when the target is a domain')),
    switchChar: Opt(Str("The CTRL-<c> switch character ('a' by default)")),
    next: Opt(Str('Old format: the next target')),
    atBoot: Bool('The end-of-boot hand-over (console_endboot), not a user switch'),
    text: Str('The line'),
  },
  { ...open, description: 'Serial input focus change (§5.5)' },
);

const DebugKeySchema = Type.Object(
  {
    key: Str('The key'),
    description: Opt(Str("Header text after '->' (`'q' pressed -> dumping domain info (now = ...)`)")),
    handler: Opt(Str('Handler description as listed by h (`[x: desc]` under *, or the table of §4.2)')),
    headerless: Bool("No `'x' pressed` header: recognised by its first output line"),
    lines: Opt(Int('Lines in the response')),
    underStar: Opt(Bool('Fired by *')),
    keys: Opt(Type.Array(Type.String(), { description: '*: the keys it fired' })),
    domains: Opt(Int('q: domains dumped')),
    ringLines: Opt(Int('w: lines of console ring replayed (skipped by the other kinds)')),
  },
  { ...open, description: 'One debug-key response (§4)' },
);

const HandlersSchema = Type.Object(
  {
    handlers: Type.Array(Type.Object({ key: Type.String(), ascii: Type.String({ description: 'two hex digits' }), description: Type.String() })),
    version: Opt(Str('4.21/4.22: Xen version printed after the header')),
    changeset: Opt(Type.String()),
    buildId: Opt(Type.String()),
  },
  { ...open, description: 'The h list of installed key handlers (§4.3)' },
);

const VgicSchema = Type.Object(
  {
    domain: Opt(Type.Integer()),
    vcpu: Opt(Type.Integer()),
    frame: Type.Union([Type.Literal('GICD'), Type.Literal('GICR'), Type.Literal('GITS'), Type.Literal('GIC')]),
    sgi: Opt(Bool('vGICR SGI frame')),
    access: Type.Union(['unhandled-write', 'unhandled-read', 'bad-read-width', 'bad-write-width', 'raz', 'wi', 'unhandled-command', 'clear-pending', 'migration-failed', 'sgi-bad-target', 'sgi-bad-mode', 'other'].map((s) => Type.Literal(s))),
    targetList: Opt(Str('sgi-bad-target: the SGI target list as printed')),
    targetVcpu: Opt(Int('sgi-bad-target (master): the target vCPU that is offline or absent')),
    mode: Opt(Int('sgi-bad-mode (master): the SGI routing mode')),
    irq: Opt(Int('Guest interrupt (clear-pending, migration-failed, the new vGIC active-state messages)')),
    register: Opt(Str('Register name (ICACTIVER4)')),
    offset: Opt(Str('Offset as printed')),
    value: Opt(Str('Written value as printed')),
    width: Opt(Type.Integer()),
    reg: Opt(Int('Guest register number rN')),
    registerClass: Opt(Str("'reserved' or 'implementation defined'")),
    text: Str('Message text'),
  },
  { ...open, description: 'A guest vGIC access Xen did not emulate (§3.5)' },
);

const TimerSchema = Type.Object(
  {
    phys: Opt(Int('EL1 physical timer PPI')),
    hyp: Opt(Int('EL2 (hypervisor) timer PPI, taken by Xen')),
    virt: Opt(Int('EL1 virtual timer PPI')),
    hypVirt: Opt(Int('EL2 virtual timer PPI, when printed')),
    freqKHz: Opt(Int('Counter frequency (kHz)')),
  },
  { ...open, description: '`Generic Timer IRQ:` line (§6 #20)' },
);

const UartSchema = Type.Object(
  {
    path: Str('dtuart path or alias Xen looked for'),
    options: Opt(Type.String()),
    fromStdoutPath: Opt(Bool('Taken from /chosen/stdout-path')),
    node: Opt(Str('DT node name')),
    driver: Opt(Str('Driver guessed from the node name (pl011...)')),
    address: Opt(Str('MMIO address from the node unit address')),
    irq: Opt(Int('Interrupt (not printed by Xen 4.17..master on ARM)')),
    consoleArg: Opt(Str('console= from the Xen command line')),
    dtuartArg: Opt(Str('dtuart= from the Xen command line')),
  },
  { ...open, description: 'The UART Xen keeps for its console (§6 #9)' },
);

const IrqRouteSchema = Type.Object(
  {
    what: Str('Message class: used-by-xen, used-by-domain, in-use, not-routable, not-configured, virq-too-high, not-spi, already-assigned, map-failed, permit-failed, retrieve-failed, free-already-free, unexpected-trap, unknown-irq, local-irq-alloc-failed, evtchn-ppi, dt-irq, not-primary-controller, trigger-forced, v2m-map-failed, v2m-type-failed, v2m-route-failed, v2m-reserve-failed'),
    irq: Opt(Type.Integer()),
    cpu: Opt(Int('trigger-forced: the CPU that configured the interrupt')),
    requested: Opt(Type.Union([Type.Literal('edge'), Type.Literal('level')], { description: 'trigger-forced: the trigger asked for' })),
    forced: Opt(Type.Union([Type.Literal('edge'), Type.Literal('level')], { description: 'trigger-forced: the trigger the GIC forces' })),
    virq: Opt(Type.Integer()),
    domain: Opt(Type.Integer()),
    device: Opt(Type.String()),
    error: Bool('An error (the interrupt was not routed)'),
    text: Str('Message text'),
  },
  { ...open, description: 'IRQ routing message (§3.4)' },
);

export const xenPlatformKinds: Record<string, TSchema> = {
  'xen.boot': BootSchema,
  'xen.milestone': Type.Intersect([MilestoneSchema, Type.Object({ bootSeq: Int('firstSeq of the boot') }, open)], { description: 'A boot milestone, emitted as soon as it is seen' }),
  'xen.gic.init': GicInitSchema,
  'xen.gic.lrs': GicLrsSchema,
  'xen.gic.cpu': GicCpuSchema,
  'xen.domain': DomainSchema,
  'xen.evtchn': EvtchnSchema,
  'xen.focus': FocusSchema,
  'xen.debugkey': DebugKeySchema,
  'xen.handlers': HandlersSchema,
  'xen.vgic.unhandled': VgicSchema,
  'xen.timer': TimerSchema,
  'xen.uart': UartSchema,
  'xen.irq.route': IrqRouteSchema,
};
