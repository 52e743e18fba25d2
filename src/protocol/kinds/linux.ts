// Data schemas of the Linux event kinds (decoder: src/decoders/linux/; formats:
// linux-console-reference §1-§6). Objects allow extra fields: decoders may add, never rename.
import { Type, type TSchema } from '@sinclair/typebox';

const Opt = Type.Optional;
const Int = (description: string) => Type.Integer({ description });
const Str = (description: string) => Type.String({ description });
const Obj = <T extends Record<string, TSchema>>(props: T, description: string) =>
  Type.Object(props, { description, additionalProperties: true });

const Origin = {
  stream: Type.Union([Type.Literal('plain'), Type.Literal('guest')], { description: "'plain': dom0 or bare-metal Linux (untagged lines); 'guest': a domU, from `(dN)` or vpl011 `(XEN) DOMn:` lines" }),
  domain: Opt(Int('Guest domain id (stream guest)')),
  caller: Opt(Str('printk caller id of the first line (`T123`, `C1`) when CONFIG_PRINTK_CALLER is set')),
  time: Opt(Type.Number({ description: 'printk timestamp of the first line, seconds since boot' })),
};

export const TraceEntrySchema = Obj(
  {
    symbol: Str('Function name; for arm32 `Function entered at` frames (no kallsyms) the address as printed'),
    offset: Opt(Str("Offset in the function, '0x..'")),
    size: Opt(Str("Function size, '0x..'")),
    module: Opt(Str('Module name from ` [module]`')),
    buildId: Opt(Str('Module build id (CONFIG_STACKTRACE_BUILD_ID)')),
    addr: Opt(Str('Address from `[<...>]` (hex, no 0x)')),
    flags: Opt(Str('arm64 ≥6.13 unwinder source/flags from ` (C)`, ` (T)`, ` (P)`, ...')),
  },
  'One call-trace frame, innermost first. For arm32 pair lines (`callee from caller+off/size`) the trace is the first callee followed by the caller side of every line',
);

const ReportCommon = {
  ...Origin,
  message: Str('The report header as printed (panic: the text after `Kernel panic - not syncing: `)'),
  arch: Opt(Type.Union([Type.Literal('arm64'), Type.Literal('arm')], { description: 'From the register dump / Internal error flags' })),
  regs: Opt(Type.Record(Type.String(), Type.String(), { description: "Registers as printed, keyed by their printed names: arm64 'pc','lr','sp','pstate','pmr','x0'..'x29'; arm32 'pc','lr','psr','sp','ip','fp','r0'..'r10'. pc/lr hold `sym+0x../0x..` when printed symbolically" })),
  pcSymbol: Opt(TraceEntrySchema),
  lrSymbol: Opt(TraceEntrySchema),
  pcIsAt: Opt(Str('arm32 / old arm64 `PC is at` text')),
  lrIsAt: Opt(Str('arm32 / old arm64 `LR is at` text')),
  pstateFlags: Opt(Str('arm64 text in parentheses after pstate')),
  flags: Opt(Obj({ flags: Str('nzcv, uppercase when set'), irqs: Opt(Str('on|off')), fiqs: Opt(Str('on|off')), mode: Opt(Str('e.g. SVC_32')), isa: Opt(Str('ARM|Thumb|...')), segment: Opt(Str('none|user|kernel')) }, 'arm32 `Flags:` line')),
  control: Opt(Type.Record(Type.String(), Type.String(), { description: 'arm32 `Control:` line: Control, Table, DAC' })),
  callTrace: Type.Array(TraceEntrySchema, { description: 'First call trace of the report ([] when none was printed)' }),
  traces: Opt(Type.Array(Type.Array(TraceEntrySchema), { description: 'All traces when the report printed more than one' })),
  cpu: Opt(Int('CPU (from the CPU: line or the header)')),
  pid: Opt(Int('PID')),
  uid: Opt(Int('UID (≈6.11+ CPU: line)')),
  comm: Opt(Str('Task name')),
  tainted: Opt(Type.Boolean({ description: 'false for `Not tainted`' })),
  taintFlags: Opt(Str('Taint letters after `Tainted:`')),
  release: Opt(Str('Kernel release from the CPU: line')),
  kernelVersion: Opt(Str('Rest of the CPU: line after the release (`#1 SMP ...`)')),
  hardware: Opt(Str('`Hardware name:` (a Xen domU shows `XENVM-x.y (DT)`)')),
  workqueue: Opt(Str('`Workqueue:` line')),
  modules: Opt(Type.Array(Type.String(), { description: '`Modules linked in:` list' })),
  lastUnloaded: Opt(Str('`[last unloaded: x]`')),
  internalError: Opt(Obj({ text: Str('The line'), type: Str("The str, e.g. 'Oops', 'Oops - BUG', '' (arm32 unhandled abort)"), code: Str('err as printed (arm64: ESR)'), count: Int('die counter [#N]'), flags: Type.Array(Type.String(), { description: 'PREEMPT, SMP, ARM, THUMB2 ...' }) }, '`Internal error: %s: %x [#%d] ...`')),
  esr: Opt(Str('arm64: the ESR printed on the Internal error line')),
  dieCount: Opt(Int('[#N] of the Internal error line')),
  fault: Opt(Obj({ text: Str('The line'), type: Str('e.g. NULL pointer dereference, paging request, or the arm32 FSR name'), address: Str('Faulting virtual address as printed'), access: Opt(Str('arm32 ≈6.1+: read|write|execute')), fsr: Opt(Str('arm32 FSR')), unhandled: Opt(Str('arm32 `Unhandled fault|prefetch abort`')) }, '`Unable to handle kernel ...` / `Unhandled fault: ...`')),
  memAbort: Opt(Type.Record(Type.String(), Type.String(), { description: 'arm64 `Mem abort info:` fields (ESR, EC, ECDesc, IL, SET, FnV, EA, S1PTW, FSC, FSCDesc, ...)' })),
  dataAbort: Opt(Type.Record(Type.String(), Type.String(), { description: 'arm64 `Data abort info:` fields' })),
  code: Opt(Str('`Code:` line')),
  endTrace: Opt(Str('Id of `---[ end trace %016llx ]---`')),
  droppedMessages: Opt(Int('`** N printk messages dropped **` seen inside the report')),
};

const PanicSchema = Obj(
  {
    ...ReportCommon,
    endMessage: Opt(Str('Message of `---[ end Kernel panic - not syncing: ... ]---`')),
    kernelOffset: Opt(Str('`Kernel Offset:` text')),
    rebootSeconds: Opt(Int('`Rebooting in N seconds..`')),
    cpusNotStopped: Opt(Str('`SMP: failed to stop secondary CPUs` list')),
  },
  '`Kernel panic - not syncing: %s` through `---[ end Kernel panic ... ]---` (§4.2). A panic after an oops is its own event',
);

const OopsSchema = Obj(
  {
    ...ReportCommon,
    serror: Opt(Obj({ cpu: Int('CPU'), code: Str('ESR'), text: Str('Description') }, 'arm64 `SError Interrupt on CPU%d, code 0x%016lx -- %s`')),
    stackOverflow: Opt(Type.Boolean({ description: 'arm64 `Insufficient stack space to handle exception!`' })),
  },
  'Kernel oops: arm64/arm32 fault or `Internal error:` report up to `---[ end trace ]---` (§2, §3)',
);

const WarnSchema = Obj(
  {
    ...ReportCommon,
    file: Opt(Str('Source file of the WARN')),
    line: Opt(Int('Source line')),
    function: Opt(Str('Function of the WARN (without +off/size)')),
    location: Opt(Str('The %pS as printed, e.g. `f+0x70/0x12c`')),
    warnText: Opt(Str('WARN() message printed between `cut here` and `WARNING:` (arm64 and other trap-based arches)')),
  },
  '`------------[ cut here ]------------` + `WARNING: CPU: %d PID: %d at %s:%d %pS` or `WARNING: %s:%d at %pS, CPU#%d: %s/%d` (§4.1)',
);

const BugSchema = Obj(
  {
    ...ReportCommon,
    file: Opt(Str('Source file')),
    line: Opt(Int('Source line')),
    location: Opt(Str('`Kernel BUG at %pB` location when the file is unknown')),
  },
  '`kernel BUG at %s:%u!` with its oops (`Internal error: Oops - BUG`), registers and trace as ONE event (§4.1); no separate linux.oops',
);

const RcuCpu = Obj(
  {
    cpu: Int('CPU'),
    flags: Opt(Str('The four/five state characters after `N-`')),
    text: Str('The line without `rcu: `'),
    ticks: Opt(Int('`(N ticks this GP)`')),
    gpsBehind: Opt(Int('`(N GPs behind)`')),
    fqs: Opt(Int('fqs=')),
  },
  'One stalled CPU',
);

const RcuSchema = Obj(
  {
    ...ReportCommon,
    flavor: Str('rcu_preempt, rcu_sched, rcu_bh, rcu_tasks ...'),
    stallType: Type.Union([Type.Literal('cpus'), Type.Literal('self'), Type.Literal('expedited'), Type.Literal('tasks')], { description: 'Which report form' }),
    selfDetected: Type.Boolean(),
    expedited: Type.Boolean(),
    cpus: Type.Array(RcuCpu, { description: 'Stalled CPUs as listed' }),
    tasks: Opt(Type.Array(Type.Integer(), { description: 'PIDs of blocking tasks (P<pid>)' })),
    detectedBy: Opt(Int('`(detected by N, ...)`')),
    jiffies: Opt(Int('t= jiffies (or the expedited jiffies)')),
    gp: Opt(Int('g=')),
    q: Opt(Int('q=')),
    ncpus: Opt(Int('ncpus=')),
  },
  'RCU CPU stall warning (§4.3): `rcu: INFO: %s detected stalls on CPUs/tasks:`, `self-detected stall on CPU`, expedited form',
);

const LockupSchema = Obj(
  {
    ...ReportCommon,
    type: Type.Union([Type.Literal('soft'), Type.Literal('hard')]),
    cpu: Int('The stuck CPU'),
    seconds: Opt(Int('Soft lockup: stuck for N s')),
    reporterCpu: Opt(Int('≈6.7+ hard lockup: the CPU that detected it')),
    utilization: Opt(Type.Array(Type.String(), { description: '≈6.10+ `CPU#N Utilization` rows' })),
    topIrqs: Opt(Type.Array(Obj({ rank: Int('#N'), count: Int('Count'), irq: Int('Linux irq') }, 'Most frequent HardIRQs row'))),
  },
  'Soft or hard lockup (§4.4), all version variants',
);

const HungSchema = Obj(
  {
    ...ReportCommon,
    comm: Str('Task name (may contain spaces)'),
    pid: Int('PID'),
    seconds: Int('Blocked for more than N seconds'),
    ioWait: Opt(Type.Boolean({ description: 'Newest kernels: `blocked in I/O wait`' })),
    state: Opt(Str('task: line state letter')),
    taskLine: Opt(Str('The sched_show_task `task:` line')),
  },
  '`INFO: task %s:%d blocked for more than %ld seconds.` (§4.5)',
);

const Handler = Obj(
  { handler: Str('%ps of the action handler'), addr: Opt(Str('[<%p>] as printed (hashed)')), thread: Opt(Str('Threaded handler')), threadAddr: Opt(Str('Its [<%p>]')) },
  'One `handlers:` entry',
);

const NobodySchema = Obj(
  {
    ...ReportCommon,
    irq: Int('Linux virq (map to a hwirq through /proc/interrupts)'),
    handlers: Type.Array(Handler),
    disabled: Type.Boolean({ description: '`Disabling IRQ #N` was printed' }),
    disabledIrq: Opt(Int('N of `Disabling IRQ #N`')),
  },
  '`irq %d: nobody cared (try booting with the "irqpoll" option)` … `Disabling IRQ #%d` (§4.7)',
);

const SpuriousSchema = Obj(
  {
    ...Origin,
    irq: Int('Linux virq (bogus return) or the GIC INTID (Unexpected interrupt: same as hwirq)'),
    text: Str('The line'),
    source: Opt(Str("'bogus-return', 'gicv3-unexpected', 'gicv3-unexpected-nmi', 'spurious'")),
    hwirq: Opt(Int('GIC INTID (Unexpected interrupt)')),
    returnValue: Opt(Str('bogus return value (hex)')),
    handlers: Opt(Type.Array(Handler)),
    callTrace: Opt(Type.Array(TraceEntrySchema)),
  },
  '`irq event %d: bogus return value %x` (with its dump), GICv3 `Unexpected interrupt (irqnr %u)` / `Unexpected pseudo-NMI`, `Spurious ...` (§4.7)',
);

const BannerSchema = Obj(
  {
    stream: Origin.stream,
    domain: Origin.domain,
    time: Origin.time,
    version: Opt(Str('uname -r (missing only when the banner was cut before `Linux version`)')),
    full: Opt(Str('Everything after `Linux version `')),
    builder: Opt(Str('user@host')),
    build: Opt(Str('`#1 SMP ...` part')),
    physicalCpu: Opt(Str('MPIDR from `Booting Linux on physical CPU`')),
    midr: Opt(Str('arm64 MIDR')),
    machine: Opt(Str('`Machine model:`')),
    cmdline: Opt(Str('`Kernel command line:`')),
    xen: Type.Boolean({ description: 'Xen lines seen between the banner and the command line (`Xen x.y support found`, `Machine model: XENVM-`, `xen:`)' }),
    xenVersion: Opt(Str('x.y from `Xen x.y support found`')),
    xenLines: Opt(Type.Array(Type.String())),
  },
  'A Linux kernel starting (§5 rows 1-7); event spans the banner to the command line',
);

const Row = Obj(
  {
    irq: Str("First column without ':' — '11', 'IPI0', 'Err'"),
    num: Opt(Int('The virq when the first column is numeric')),
    counts: Type.Array(Type.Integer(), { description: 'Per-CPU counts, in header order (Err: one value)' }),
    total: Int('Sum of counts'),
    chip: Opt(Str('Chip: GICv3, GIC-0, ITS-MSI, xen-dyn, xen-percpu, ...')),
    hwirq: Opt(Int('hwirq (GIC INTID); absent for Xen event channels')),
    trigger: Opt(Type.Union([Type.Literal('Level'), Type.Literal('Edge')])),
    flow: Opt(Str('desc->name printed as `-name`, e.g. event, virq')),
    name: Opt(Str('Actions (numeric rows) or the description (IPI rows)')),
    actions: Opt(Type.Array(Type.String(), { description: 'Action names split on `, `' })),
  },
  'One /proc/interrupts row',
);

const InterruptsSchema = Obj(
  {
    stream: Origin.stream,
    domain: Origin.domain,
    cpus: Int('Number of CPU columns'),
    cpuIds: Type.Array(Type.Integer(), { description: 'CPU numbers from the header' }),
    rows: Type.Array(Row),
  },
  '`cat /proc/interrupts` output (§6); complete when it ends with `Err:`',
);

const IrqSetupSchema = Obj(
  {
    stream: Origin.stream,
    domain: Origin.domain,
    gic: Opt(Obj({
      version: Opt(Type.Union([Type.Literal(2), Type.Literal(3)], { description: '3 from `GICv3:` lines; 2 from `GIC: Using split EOI/Deactivate mode` or `GICv2m:`. Under Xen: the vGIC Xen gives this domain' })),
      spis: Opt(Int('`GICv3: %d SPIs implemented`')),
      extendedSpis: Opt(Int('`GICv3: %d Extended SPIs implemented`')),
      ppis: Opt(Int('`GICv3: %d PPIs implemented` / `GICv3: GICv3 features: %d PPIs`')),
      rangeSelector: Opt(Type.Boolean({ description: '`Distributor has [no ]Range Selector support`' })),
      splitEoi: Opt(Type.Boolean({ description: 'GICv2 `Using split EOI/Deactivate mode`' })),
      its: Opt(Type.Union([Type.Literal('none'), Type.Literal('present')], { description: "'none': `ITS: No ITS available, not enabling LPIs`; 'present': an ITS was probed" })),
      v2m: Opt(Type.Array(Obj({ base: Str('Frame start'), end: Str('Frame end'), firstSpi: Type.Integer(), lastSpi: Type.Integer() }, '`GICv2m: range[mem a-b], SPI[f:l]`'))),
      redistributors: Opt(Type.Array(Obj({ cpu: Type.Integer(), mpidr: Str('Affinity as printed, with 0x'), region: Opt(Type.Integer()), address: Opt(Str('Physical address')) }, '`GICv3: CPU%d: found redistributor %llx region %d:%pa`'))),
      noRedistributor: Opt(Type.Array(Obj({ cpu: Type.Integer(), mpidr: Str('As printed') }, '`GICv3: CPU%d: mpidr %lx has no re-distributor!`'))),
    }, 'The interrupt controller as this kernel found it')),
    timer: Opt(Obj({ mhz: Type.Number(), mode: Str('phys | virt | hyp-phys | hyp-virt (Xen guests: virt)'), text: Str('The line') }, '`arch_timer: cp15 timer(s) running at %lu.%02luMHz (%s).`')),
    xen: Opt(Obj({
      version: Opt(Str('`Xen %s support found`')),
      eventsAbi: Opt(Type.Union([Type.Literal('fifo'), Type.Literal('2-level')], { description: '`xen:events: Using FIFO-based ABI` / `Using 2-level ABI`' })),
      grantTableVersion: Opt(Type.Integer({ description: '`xen:grant_table: Grant tables using version %d layout`' })),
      noEventIrq: Opt(Type.Literal(true, { description: '`Xen event channel interrupt not found`: no upcall PPI, so no event channel can interrupt this kernel' })),
      initializedCpus: Opt(Type.Array(Type.Integer(), { description: '`Xen: initializing cpu%d`' })),
    }, 'What the kernel printed about Xen (absent on bare metal)')),
    cpus: Obj({
      booted: Type.Array(Type.Integer(), { description: 'Secondary CPUs that printed `CPU%u: Booted secondary processor`' }),
      failed: Type.Array(Obj({ cpu: Type.Integer(), text: Str('The line') }, '`CPU%u: failed to come online` / `failed in unknown state`')),
      online: Opt(Int('From `smp: Brought up %d node(s), %d CPUs`')),
    }, 'SMP bring-up'),
  },
  'How the kernel set up interrupt delivery at boot (§4.8, §5 rows 5, 8, 9, 12-15); one per boot and stream, ended by `smp: Brought up`',
);

export const linuxKinds: Record<string, TSchema> = {
  'linux.banner': BannerSchema,
  'linux.panic': PanicSchema,
  'linux.oops': OopsSchema,
  'linux.warn': WarnSchema,
  'linux.bug': BugSchema,
  'linux.rcu_stall': RcuSchema,
  'linux.lockup': LockupSchema,
  'linux.hung_task': HungSchema,
  'linux.irq.nobody_cared': NobodySchema,
  'linux.irq.spurious': SpuriousSchema,
  'linux.interrupts': InterruptsSchema,
  'linux.irq.setup': IrqSetupSchema,
};
