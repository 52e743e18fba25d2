// Data schemas of the Xen crash event kinds (decoder: src/decoders/xen/crash.ts; formats:
// xen-console-reference §1 and §2). Objects allow extra fields: decoders may add, never rename.
import { Type, type TSchema } from '@sinclair/typebox';

const Hex = (description: string) => Type.String({ description, pattern: '^[0-9a-fA-F]+$' });
const Hex0x = (description: string) => Type.String({ description, pattern: '^(?:0x)?[0-9a-fA-F]+$' });
const Int = (description: string) => Type.Integer({ description });
const Opt = Type.Optional;

export const EsrSchema = Type.Object(
  {
    value: Hex('ESR_EL2 / HSR as printed'),
    ec: Int('Exception class, ESR[31:26]'),
    ecHex: Type.String({ description: "EC as '0xNN'" }),
    ecName: Type.String({ description: 'Exception class name (Arm ARM ESR_ELx.EC / HSR.EC)' }),
    il: Int('Instruction length bit, ESR[25]: 1 = 32-bit instruction'),
    iss: Int('Instruction specific syndrome, ESR[24:0]'),
    issHex: Type.String({ description: "ISS as '0x...'" }),
    iss2: Opt(Int('ISS2, ESR_EL2[36:32], when non-zero (arm64)')),
    dfsc: Opt(Int('Data fault status code (data aborts, SError)')),
    dfscName: Opt(Type.String({ description: "DFSC meaning, e.g. 'Translation fault, level 2'" })),
    ifsc: Opt(Int('Instruction fault status code (instruction aborts)')),
    ifscName: Opt(Type.String({ description: 'IFSC meaning' })),
    faultLevel: Opt(Int('Translation table level of a level-specific fault (-1..3)')),
    wnr: Opt(Int('Write not Read (data aborts)')),
    access: Opt(Type.Union([Type.Literal('read'), Type.Literal('write')], { description: 'WnR as a word' })),
    s1ptw: Opt(Int('Fault on the stage 2 walk of a stage 1 table walk')),
    cm: Opt(Int('Cache maintenance instruction')),
    ea: Opt(Int('External abort type')),
    fnv: Opt(Int('FAR not valid')),
    isv: Opt(Int('Instruction syndrome valid: SAS/SSE/SRT/SF/AR are meaningful')),
    sas: Opt(Int('Syndrome access size (0..3)')),
    accessSize: Opt(Int('Access size in bytes (1, 2, 4, 8)')),
    sse: Opt(Int('Syndrome sign extend')),
    srt: Opt(Int('Syndrome register transfer (register number)')),
    sf: Opt(Int('64-bit register access (arm64)')),
    ar: Opt(Int('Acquire/Release (arm64)')),
    imm16: Opt(Int('HVC/SVC/SMC immediate')),
    comment: Opt(Int('BRK/BKPT immediate (BRK #1 is a Xen bug frame)')),
  },
  { description: 'ESR_EL2 (arm64) / HSR (arm32 Xen) decoded; EC-specific fields are added per class' },
);

export const CpsrSchema = Type.Object(
  {
    value: Hex('CPSR/SPSR as printed'),
    n: Int('N flag'), z: Int('Z flag'), c: Int('C flag'), v: Int('V flag'),
    flags: Type.String({ description: "Condition flags set, e.g. 'NZ'" }),
    aarch32: Type.Boolean({ description: 'M[4] (nRW): AArch32 state' }),
    m: Int('M[4:0]'),
    modeBits: Type.String({ description: "Mode from M[4:0]: 'EL2h', 'EL1h', 'EL0t', 'SVC', 'HYP'...; 'Unknown' for an invalid encoding" }),
    masks: Type.String({ description: "Exception masks set: DAIF letters (AArch64) or AIF (AArch32)" }),
    a: Int('SError mask'), i: Int('IRQ mask'), f: Int('FIQ mask'),
    d: Opt(Int('Debug mask (AArch64)')),
    il: Int('Illegal execution state'),
    ss: Int('Software step'),
    pan: Int('Privileged access never'),
  },
  { description: 'CPSR decoded' },
);

const BannerSchema = Type.Object(
  {
    version: Type.String({ description: "Xen version, e.g. '4.17.7', '4.21-unstable'" }),
    arch: Type.String({ description: "'arm64' or 'arm32'" }),
    debug: Type.Boolean({ description: 'debug=y' }),
    buildInfo: Type.String({ description: "xen_build_info(): 'debug=y', 'debug=n gcov=y'" }),
    tainted: Type.Boolean({ description: 'Tainted (not "Not tainted")' }),
    taintFlags: Type.String({ description: "Taint letters set, e.g. 'U' (4.17) or 'I' (4.18+)" }),
    taint: Type.String({ description: 'The taint field as printed' }),
  },
  { description: 'The `----[ Xen-... ]----` banner line before the registers' },
);

const TraceEntrySchema = Type.Object(
  {
    addr: Hex('Return address'),
    symbol: Opt(Type.String({ description: "'%pS' symbol, e.g. 'domain.c#idle_loop+0x128/0x190'; absent when Xen printed the bare address" })),
    kind: Opt(Type.Union([Type.Literal('PC'), Type.Literal('LR')], { description: '(PC)/(LR) marker of the first two entries' })),
  },
);

const RegsSchema = Type.Object(
  {
    arch: Opt(Type.Union([Type.Literal('arm64'), Type.Literal('arm32')], {
      description: 'Register layout shown: arm64 = X0..X28/FP, arm32 = R0..R12 (arm32 Xen, or an AArch32 guest on arm64 Xen)',
    })),
    context: Type.Union([Type.Literal('host'), Type.Literal('guest')], { description: 'Hypervisor (host) or guest register state' }),
    trigger: Type.String({ description: "What printed the dump: 'key-d', 'key-0', 'debug-hvc', 'bug', 'warn', 'assert', 'trap', 'abort', 'bad-mode', 'domain-crash', 'unknown'" }),
    header: Opt(Type.String({ description: 'The `*** Dumping ... ***` or `DOM%d: DEBUG` line' })),
    cpu: Opt(Int('Physical CPU (`CPU:` line); absent only when that line was not captured')),
    domain: Opt(Int('Domain of a guest dump')),
    vcpu: Opt(Int('vCPU of a guest dump')),
    pv: Opt(Type.String({ description: "'%pv' of the header when not d<N>v<M> (e.g. 'd[IDLE]v0')" })),
    xen: Opt(BannerSchema),
    mode: Opt(Type.String({ description: "Short mode name from MODE: 'EL2h', 'EL1h', 'EL0t', 'SVC', 'ABT', 'HYP', 'MON', 'Unknown'" })),
    modeString: Opt(Type.String({ description: "MODE text as printed, e.g. '64-bit EL2h (Hypervisor, handler)'" })),
    regs: Type.Record(Type.String(), Hex('value'), {
      description: "Registers by printed name, values as printed (PC, LR, SP, CPSR, X0..X28, FP, SP_EL0, SP_EL1, R0..R12, ESR_EL2, FAR_EL2, HDFAR, ...). arm32 banked registers `USR: SP:`, `SVC: SPSR:`, `FIQ: R8:` are named <REG>_<mode> (SP_usr, LR_svc, SPSR_abt, R8_fiq); `HYP: SP:/LR:` give SP_hyp/LR_hyp and also SP/LR",
    }),
    pcSymbol: Opt(Type.String({ description: 'Symbol printed after PC (hypervisor mode)' })),
    cpsr: Opt(CpsrSchema),
    esr: Opt(EsrSchema),
    stackSp: Opt(Hex('sp of `Xen stack trace from sp=`')),
    stack: Opt(Type.Array(Hex('word'), { description: 'Xen stack words, in order' })),
    stackEmpty: Opt(Type.Boolean({ description: '`Stack empty.`' })),
    callTrace: Type.Array(TraceEntrySchema, { description: '`Xen call trace:` entries' }),
    guestStackSp: Opt(Hex('sp of `Guest stack trace from sp=`')),
    guestStack: Opt(Type.Array(Hex('word'), { description: 'Guest stack words' })),
    guestStackNote: Opt(Type.String({ description: "'Failed to convert stack to physical address', 'Stack is misaligned', 'Stack empty.', 'No stack trace, VCPU offline', 'No stack trace for guest user-mode'" })),
    causeSeq: Opt(Int('firstSeq of the crash event (xen.bug, xen.trap...) that printed this dump')),
    interleaved: Opt(Type.Array(Int('seq'), { description: 'Unrelated Xen lines printed inside the dump (skipped)' })),
  },
  { description: 'One register dump of one CPU or vCPU (§1)' },
);

const CrashLink = {
  cpu: Opt(Int('CPU, from the line or the dump that follows')),
  regsSeq: Opt(Int('firstSeq of the xen.regs dump printed for this event')),
  pc: Opt(Hex('PC of that dump')),
  pcSymbol: Opt(Type.String({ description: 'PC symbol of that dump' })),
};

const BugSchema = (what: string) => Type.Object(
  {
    file: Type.String({ description: "Source file relative to xen/ (or as printed, e.g. 'page_alloc.c' in old releases; '...' + last 47 chars when long)" }),
    line: Opt(Int('Line number (absent only if the line was unreadable)')),
    pathTruncated: Opt(Type.Boolean({ description: "File printed with the '...' prefix" })),
    ...CrashLink,
  },
  { description: what },
);

const AssertSchema = Type.Object(
  {
    condition: Type.String({ description: "The predicate ('<unknown>' when Xen could not find it)" }),
    file: Type.String({ description: 'Source file' }),
    line: Opt(Int('Line number')),
    pathTruncated: Opt(Type.Boolean({ description: "File printed with the '...' prefix" })),
    ...CrashLink,
  },
  { description: "`Assertion '%s' failed at %s:%d` (§2.4)" },
);

const TrapSchema = Type.Object(
  {
    trap: Type.String({ description: "The trap: 'Data Abort', 'Undefined Instruction', 'SError', 'Hypervisor', 'Bad mode in IRQ handler', or the guest trap message" }),
    type: Type.String({
      description: "'unexpected' (CPU%d: Unexpected Trap), 'hypervisor' (Hypervisor Trap. HSR=...), 'bad-mode', or a guest-induced type: 'stage2-abort', 'unsupported-fsc', 'unknown-guest-trap', 'invalid-hvc-imm', 'sve-not-allowed', 'unhandled-sysreg', 'unhandled-cp', 'unhandled-smc-hvc', 'deprecated-hypercall', 'multicall-not-32bit-clean'",
    }),
    guest: Opt(Type.Boolean({ description: 'Guest-induced (§2.7), not fatal to Xen' })),
    domain: Opt(Int('Guest domain')),
    vcpu: Opt(Int('Guest vCPU')),
    message: Opt(Type.String({ description: 'Guest trap message after the d<N>v<M> prefix' })),
    source: Opt(Type.Object({ file: Type.String(), line: Type.Integer() }, { description: 'gdprintk source location' })),
    hsr: Opt(Hex0x('HSR value as printed')),
    esr: Opt(EsrSchema),
    abortSeq: Opt(Int('firstSeq of the xen.abort that led to this trap')),
    handler: Opt(Type.String({ description: "Bad mode: 'Synchronous Abort', 'IRQ', 'FIQ', 'Error'" })),
    ...CrashLink,
  },
  { description: 'Unexpected hypervisor trap, bad-mode vector, or guest-induced trap message (§2.2, §2.3, §2.5, §2.7)' },
);

const AbortSchema = Type.Object(
  {
    fault: Type.Union([Type.Literal('Data Abort'), Type.Literal('Instruction Abort')]),
    syndrome: Hex0x('Syndrome (ISS) as printed'),
    iss: Type.Record(Type.String(), Type.Unknown(), { description: 'ISS decoded for the abort class (DFSC/IFSC, WnR, S1PTW, ISV...)' }),
    va: Opt(Hex0x('Faulting hypervisor VA (from `Walking Hypervisor VA`)')),
    ttbr: Opt(Hex0x('TTBR of the walk')),
    walk: Type.Array(Type.Object({ level: Int('0..3'), index: Hex0x('table index'), entry: Hex0x('PTE as printed') }), { description: 'Page-table walk rows' }),
    notes: Type.Array(Type.String(), { description: "'Invalid FAR, not walking the hypervisor tables', 'Using concatenated root table N', ..." }),
    esr: Opt(EsrSchema),
    far: Opt(Hex('FAR_EL2 / HDFAR / HIFAR of the dump')),
    ...CrashLink,
  },
  { description: 'Hypervisor synchronous data/instruction abort with its page-table walk (§2.3, §1.9)' },
);

const PanicSchema = Type.Object(
  {
    cpu: Opt(Int('`Panic on CPU %d`')),
    message: Type.String({ description: 'Message, lines joined with \\n' }),
    lines: Type.Array(Type.String(), { description: 'Message lines as printed' }),
    truncated: Opt(Type.Boolean({ description: '4.17: message cut at 127 characters (closing stars on the same line)' })),
    action: Opt(Type.String({ description: "'Reboot in five seconds...' or \"Manual reset required ('noreboot' specified)\"" })),
    reboot: Opt(Type.Boolean({ description: 'Xen will reboot' })),
    after: Opt(Type.String({ description: "Kind of the crash event just before the panic, e.g. 'xen.bug'" })),
    afterSeq: Opt(Int('Its firstSeq')),
    cause: Opt(Type.Record(Type.String(), Type.Unknown(), { description: 'Cause parsed from the message: {kind, file, line, condition, trap...}' })),
  },
  { description: 'panic() block (§2.1)' },
);

const DomainCrashSchema = Type.Object(
  {
    domain: Opt(Int('Domain id (absent for a lone `domain_crash called from` line)')),
    vcpu: Opt(Int('vCPU of `Domain %d (vcpu#%d) crashed`')),
    cpu: Opt(Int('Physical CPU')),
    reason: Opt(Type.String({ description: "'crash', 'reported' (by another domain), or for the hardware domain 'halt', 'crash', 'reboot', 'watchdog', 'soft-reset', 'unknown'" })),
    hardware: Opt(Type.Boolean({ description: 'Hardware domain (dom0) shutdown: Xen stops or reboots' })),
    action: Opt(Type.String({ description: "Text after the colon: 'rebooting machine', 'watchdog rebooting machine', 'rebooting machine in 5 seconds.'..." })),
    code: Opt(Int('Unknown shutdown reason code')),
    reportedBy: Opt(Int('Domain that reported the crash')),
    calledFrom: Opt(Type.Object({ file: Type.String(), line: Type.Integer() }, { description: '`domain_crash called from %s:%d`' })),
    regsSeq: Opt(Int('firstSeq of the guest register dump')),
    pc: Opt(Hex('Guest PC of that dump')),
    pcSymbol: Opt(Type.String()),
  },
  { description: 'Domain crash or hardware-domain shutdown (§2.9)' },
);

export const xenCrashKinds: Record<string, TSchema> = {
  'xen.regs': RegsSchema,
  'xen.panic': PanicSchema,
  'xen.bug': BugSchema('`Xen BUG at %s:%d` (§2.4); Xen panics after the dump'),
  'xen.warn': BugSchema('`Xen WARN at %s:%d` (§2.4); Xen continues after the dump'),
  'xen.assert': AssertSchema,
  'xen.trap': TrapSchema,
  'xen.abort': AbortSchema,
  'xen.domain.crash': DomainCrashSchema,
};
