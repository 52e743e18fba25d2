// Xen register dumps (xen.regs) and the ESR/CPSR tables. Fixture excerpts are real captures;
// variants with no capture are rendered from the format strings of xen-console-reference §1
// (marked "rendered").
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../src/decoders/engine.js';
import { xenCrashFamily } from '../../src/decoders/xen/crash.js';
import { decodeCpsr, decodeEsr, decodeFsc, modeShortName } from '../../src/decoders/xen/esr.js';
import { readFixture } from '../helpers/fixtures.js';

type Ev = ReturnType<typeof decodeText>[number];
type D = Record<string, any>;

function decode(text: string): Ev[] {
  return decodeText(text, 't', [xenCrashFamily]);
}
function regsOf(text: string): Array<Ev & { data: D }> {
  return decode(text).filter((e) => e.kind === 'xen.regs') as Array<Ev & { data: D }>;
}
/** Lines [from, to] (1-based, inclusive) of a fixture. */
function lines(rel: string, from: number, to: number): string {
  return readFixture(rel).toString('utf8').split(/\r?\n/).slice(from - 1, to).join('\n') + '\n';
}

describe('ESR_EL2 / HSR decoding (Arm ARM ESR_ELx, HSR)', () => {
  it('data abort at EL2, translation fault level 2 (public/005: ESR_EL2 96000006)', () => {
    const e = decodeEsr('0000000096000006')!;
    expect(e).toMatchObject({ ec: 0x25, ecHex: '0x25', il: 1, iss: 6, isv: 0, dfsc: 6, dfscName: 'Translation fault, level 2', faultLevel: 2, wnr: 0, access: 'read', s1ptw: 0, ea: 0, fnv: 0, cm: 0 });
    expect(e.ecName).toBe('Data Abort taken without a change in Exception level');
  });
  it('arm32 HSR data abort in Hyp mode, alignment fault with ISV (public/007: 97830021)', () => {
    const e = decodeEsr('97830021', true)!;
    expect(e).toMatchObject({ ec: 0x25, ecName: 'Data Abort taken to Hyp mode', il: 1, isv: 1, sas: 2, accessSize: 4, sse: 0, srt: 3, dfsc: 0x21, dfscName: 'Alignment fault', wnr: 0 });
    expect(e.sf).toBeUndefined();
  });
  it('stage-2 data abort from a guest with ISV, SF (HSR=0x00000093c48006)', () => {
    const e = decodeEsr('00000093c48006')!;
    expect(e).toMatchObject({ ec: 0x24, isv: 1, sas: 3, accessSize: 8, srt: 4, sf: 1, ar: 0, wnr: 0, dfsc: 6 });
  });
  it('arm32 guest data abort (93840006): SRT is 4 bits in HSR', () => {
    expect(decodeEsr('93840006', true)).toMatchObject({ ec: 0x24, ecName: 'Data Abort from a lower Exception level', isv: 1, sas: 2, srt: 4, dfsc: 6 });
  });
  it('instruction aborts (public/020 8200000d, public/034 8600000f)', () => {
    expect(decodeEsr('8200000d')).toMatchObject({ ec: 0x20, ifsc: 0xd, ifscName: 'Permission fault, level 1', faultLevel: 1 });
    expect(decodeEsr('000000008600000f')).toMatchObject({ ec: 0x21, ifscName: 'Permission fault, level 3' });
  });
  it('HVC, BRK, WFI, sysreg', () => {
    expect(decodeEsr('000000005a00ffff')).toMatchObject({ ec: 0x16, ecName: 'HVC instruction (AArch64)', imm16: 0xffff });
    expect(decodeEsr('4a00ffff', true)).toMatchObject({ ec: 0x12, ecName: 'HVC instruction', imm16: 0xffff });
    expect(decodeEsr('00000000f2000001')).toMatchObject({ ec: 0x3c, ecName: 'BRK instruction (AArch64)', comment: 1 });
    expect(decodeEsr('0000000007e00000')).toMatchObject({ ec: 0x01, instruction: 'WFI' });
    // rendered: MRS x0, ID_AA64PFR0_EL1 (op0=3 op1=0 CRn=0 CRm=4 op2=0), read
    const sys = (0x18 << 26) | (1 << 25) | (3 << 20) | (0 << 17) | (0 << 14) | (0 << 10) | (0 << 5) | (4 << 1) | 1;
    expect(decodeEsr((sys >>> 0).toString(16))).toMatchObject({ ec: 0x18, op0: 3, crn: 0, crm: 4, op2: 0, rt: 0, direction: 'read' });
    expect(decodeEsr('zz')).toBeUndefined();
  });
  it('fault status codes', () => {
    expect(decodeFsc(0x04).name).toBe('Translation fault, level 0');
    expect(decodeFsc(0x0b)).toMatchObject({ name: 'Access flag fault, level 3', level: 3 });
    expect(decodeFsc(0x10).name).toBe('Synchronous External abort, not on translation table walk');
    expect(decodeFsc(0x15)).toMatchObject({ level: 1 });
    expect(decodeFsc(0x30).name).toBe('TLB conflict abort');
  });
});

describe('CPSR decoding and MODE strings (§1.6)', () => {
  it('arm64 EL2h', () => {
    expect(decodeCpsr('0000000080000249')).toMatchObject({ n: 1, z: 0, flags: 'N', aarch32: false, modeBits: 'EL2h', d: 1, a: 0, i: 0, f: 1, masks: 'DF', sp: 'SPx', el: 2 });
  });
  it('arm64 guest EL1h, old 8-digit CPSR (4.8.5)', () => {
    expect(decodeCpsr('000001c5')).toMatchObject({ modeBits: 'EL1h', masks: 'AIF', aarch32: false });
  });
  it('arm32 Xen: ABT, HYP, offline vCPU with CPSR 0 (MODE:Unknown)', () => {
    expect(decodeCpsr('400001d7', true)).toMatchObject({ aarch32: true, modeBits: 'ABT', z: 1, masks: 'AIF', t: 0 });
    expect(decodeCpsr('6000005a', true)).toMatchObject({ modeBits: 'HYP', z: 1, c: 1, masks: 'F' });
    expect(decodeCpsr('00000000', true)).toMatchObject({ modeBits: 'Unknown', m: 0 });
  });
  it('AArch32 guest on arm64 Xen: nRW set in a 16-digit CPSR (rendered)', () => {
    expect(decodeCpsr('00000000600001d3')).toMatchObject({ aarch32: true, modeBits: 'SVC', flags: 'ZC' });
  });
  it('every mode_string() value', () => {
    const table: Array<[string, string]> = [
      ['32-bit Guest USR', 'USR'], ['32-bit Guest FIQ', 'FIQ'], ['32-bit Guest IRQ', 'IRQ'], ['32-bit Guest SVC', 'SVC'],
      ['32-bit Monitor', 'MON'], ['32-bit Guest ABT', 'ABT'], ['Hypervisor', 'HYP'], ['32-bit Guest UND', 'UND'],
      ['32-bit Guest SYS', 'SYS'], ['64-bit EL3h (Monitor, handler)', 'EL3h'], ['64-bit EL3t (Monitor, thread)', 'EL3t'],
      ['64-bit EL2h (Hypervisor, handler)', 'EL2h'], ['64-bit EL2t (Hypervisor, thread)', 'EL2t'],
      ['64-bit EL1h (Guest Kernel, handler)', 'EL1h'], ['64-bit EL1t (Guest Kernel, thread)', 'EL1t'],
      ['64-bit EL0t (Guest User)', 'EL0t'], ['Unknown', 'Unknown'],
    ];
    for (const [s, short] of table) expect(modeShortName(s)).toBe(short);
  });
});

describe('xen.regs: arm64', () => {
  it('key d host dump, 4.17 debug GICv3 (qemu-debug/xen417-debug-gic3.log 179-227)', () => {
    const [r] = regsOf(lines('qemu-debug/xen417-debug-gic3.log', 177, 228));
    expect(r.partial).toBeUndefined();
    expect(r.firstSeq).toBe(3); // the header line
    expect(r.data).toMatchObject({
      arch: 'arm64', context: 'host', trigger: 'key-d', cpu: 0, mode: 'EL2h', modeString: '64-bit EL2h (Hypervisor, handler)',
      pcSymbol: 'domain.c#idle_loop+0x128/0x190',
      xen: { version: '4.17.7', arch: 'arm64', debug: true, tainted: true, taintFlags: 'U' },
      regs: { PC: '0000000000268aec', LR: '0000000000268ad0', SP: '000080002010fe60', CPSR: '0000000080000249', X0: '0000000000000000', FP: '000080002010fe60', ESR_EL2: '0000000007e00000', FAR_EL2: '000000000b000000', VTCR_EL2: '0000000080043594' },
      esr: { ec: 1 }, cpsr: { modeBits: 'EL2h' }, stackSp: '000080002010fe60',
    });
    expect(r.data.stack).toHaveLength(52);
    expect(r.data.callTrace).toEqual([
      { addr: '0000000000268aec', symbol: 'domain.c#idle_loop+0x128/0x190', kind: 'PC' },
      { addr: '0000000000268ad0', symbol: 'domain.c#idle_loop+0x10c/0x190', kind: 'LR' },
      { addr: '00000000002766dc', symbol: 'arch_get_xen_caps+0/0x94' },
      { addr: 'ffffffffffffffff' },
    ]);
    for (let i = 0; i <= 28; i++) expect(r.data.regs[`X${i}`]).toMatch(/^[0-9a-f]{16}$/);
  });

  it('key 0 guest vCPUs: EL1h with guest stack note, EL0t (user mode) ends without a stack', () => {
    const rs = regsOf(lines('qemu-debug/xen417-debug-gic3.log', 277, 359));
    expect(rs.map((r) => [r.firstSeq, r.lastSeq, r.partial])).toEqual([[2, 42, undefined], [43, 81, undefined]]);
    expect(rs[0].data).toMatchObject({ trigger: 'key-0', context: 'guest', domain: 0, vcpu: 0, mode: 'EL1h', guestStackSp: '0', guestStackNote: 'Failed to convert stack to physical address', regs: { SP_EL0: '0000000000000000', SP_EL1: '0000000000000000', ELR_EL1: '0000000070000088', ESR_EL1: '96000000' } });
    expect(rs[1].data).toMatchObject({ domain: 0, vcpu: 1, mode: 'EL0t', modeString: '64-bit EL0t (Guest User)' });
    expect(rs[1].data.guestStackNote).toBeUndefined();
  });

  it('DOM0: DEBUG guest dump with a leaked <G><3> line in the guest stack (gic3 107-148)', () => {
    const [r] = regsOf(lines('qemu-debug/xen417-debug-gic3.log', 105, 150));
    expect(r.firstSeq).toBe(3);
    expect(r.lastSeq).toBe(44);
    expect(r.partial).toBeUndefined();
    expect(r.data).toMatchObject({ trigger: 'debug-hvc', header: 'DOM0: DEBUG', context: 'guest', domain: 0, cpu: 0, mode: 'EL1h', regs: { PC: '0000000070000070', ESR_EL2: '000000005a00ffff' }, esr: { ec: 0x16, imm16: 0xffff }, interleaved: [43] });
  });

  it('release build key d, GICv2 (qemu/xen417-arm64-gicv2-smp2-keys.log 441-488)', () => {
    const [r] = regsOf(lines('qemu/xen417-arm64-gicv2-smp2-keys.log', 441, 490));
    expect(r.data).toMatchObject({ cpu: 0, xen: { debug: false, buildInfo: 'debug=n' }, regs: { PC: '000000000025b0c8' }, pcSymbol: 'domain.c#idle_loop+0x128/0x140' });
    expect(r.data.callTrace).toHaveLength(2);
  });

  it('Xen 4.8.5 double-spaced capture, 8-digit CPSR, three-space banner (public/020 180-276)', () => {
    const rs = regsOf(lines('public/020-jetson-nano-xen485-debugkeys-h-star-d.txt', 178, 277));
    expect(rs).toHaveLength(1);
    expect(rs[0].partial).toBeUndefined();
    expect(rs[0].data).toMatchObject({ cpu: 1, mode: 'EL2h', regs: { CPSR: '20000249', SP: '00008000ff1bfe70' }, xen: { version: '4.8.5', debug: false, taintFlags: 'C' } });
    expect(rs[0].data.callTrace).toHaveLength(4);
  });

  it('mail-wrapped register and stack lines are joined (public/035 34-121)', () => {
    const [r] = regsOf(lines('public/035-jetson-nano-xen4140-bug-alloc-boot-pages-reserved-memory-quoted.txt', 33, 122));
    expect(r.partial).toBeUndefined();
    expect(r.data.regs).toMatchObject({ X2: '0000000000000000', X23: 'fc80000000000038', FP: '0000000000307d40', ESR_EL2: 'f2000001' });
    expect(r.data.stack).toHaveLength(84);
    expect(r.data.callTrace[1]).toEqual({ addr: '00000000002cda04', symbol: 'setup_frametable_mappings+0xb4/0x310', kind: 'LR' });
  });

  it('rendered: 4.19+ VA, 4.18+ taint flag I, console_timestamps=boot', () => {
    const body = [
      '*** Dumping CPU0 host state: ***',
      '----[ Xen-4.23-unstable  arm64  debug=y  Tainted: I      ]----',
      'CPU:    0',
      'PC:     00000a000026cdbc domain.c#idle_loop+0x128/0x198',
      'LR:     00000a000026cda0',
      'SP:     00000a000030fe60',
      'CPSR:   0000000080000249 MODE:64-bit EL2h (Hypervisor, handler)',
      '     X0: 0000000000000000  X1: 0000000000000000  X2: 0000000000318048',
      '    X27: 0000000000008ec8 X28: 0000000000000000  FP: 00000a000030fe60',
      '',
      '   ESR_EL2: 0000000007e00000',
      '   FAR_EL2: 000000000b000000',
      '',
      'Xen stack trace from sp=00000a000030fe60:',
      '   00000a000030fe90 00000a00002766dc',
      'Xen call trace:',
      '   [<00000a000026cdbc>] domain.c#idle_loop+0x128/0x198 (PC)',
      '   [<00000a000026cda0>] domain.c#idle_loop+0x10c/0x198 (LR)',
      '',
    ];
    const text = body.map((b, i) => `(XEN) [    1.${String(100000 + i).slice(1)}0] ${b}`.replace(/ $/, ' ')).join('\n');
    const [r] = regsOf(text);
    expect(r.partial).toBeUndefined();
    expect(r.data).toMatchObject({ cpu: 0, xen: { version: '4.23-unstable', taintFlags: 'I' }, regs: { PC: '00000a000026cdbc', X2: '0000000000318048' }, stack: ['00000a000030fe90', '00000a00002766dc'] });
    expect(r.data.callTrace).toHaveLength(2);
  });
});

describe('xen.regs: arm32', () => {
  const F = 'qemu-debug/xen417-debug-arm32.log';
  it('guest ABT dump under key d: banked registers, no-space R10:/SPSR:, HDFAR/HIFAR (131-167)', () => {
    const [r] = regsOf(lines(F, 129, 168));
    expect(r.data).toMatchObject({
      arch: 'arm32', context: 'guest', trigger: 'key-d', cpu: 0, domain: 0, vcpu: 0, mode: 'ABT', modeString: '32-bit Guest ABT',
      xen: { arch: 'arm32', tainted: false, taint: 'Not tainted' },
      regs: {
        PC: '6fe00090', CPSR: '400001d7', R3: '0b000000', R10: '00000000', R12: 'deadbeef',
        SP_usr: '00000000', LR_usr: '00000000', LR_abt: '6fe00064', SPSR_abt: '400001d3', SPSR_svc: '00000000',
        R8_fiq: '00000000', R12_fiq: '00000000', SCTLR: '00c50078', DFAR: '0b000000', DFSR: '00000002', IFAR: '00000000',
        ESR_EL2: '93840006', HPFAR_EL2: '000b0000', HDFAR: '0b000000', HIFAR: '6fe00000',
      },
      esr: { ec: 0x24, isv: 1, srt: 4 }, cpsr: { modeBits: 'ABT', aarch32: true },
      guestStackNote: 'Failed to convert stack to physical address',
    });
    expect(r.data.regs.SP).toBeUndefined();
  });
  it('host HYP dump: HYP: SP/LR give SP_hyp/LR_hyp and SP/LR, 8-word stack rows (169-202)', () => {
    const [r] = regsOf(lines(F, 169, 203));
    expect(r.partial).toBeUndefined();
    expect(r.data).toMatchObject({ arch: 'arm32', context: 'host', cpu: 1, mode: 'HYP', pcSymbol: 'domain.c#idle_loop+0x130/0x1ac', regs: { PC: '0026af74', SP: '41feff44', LR: '00225698', SP_hyp: '41feff44', LR_hyp: '00225698', R10: '3fe10000', R11: '41feff54', R12: '00000013' } });
    expect(r.data.stack).toHaveLength(47);
    expect(r.data.callTrace.map((e: D) => e.addr)).toEqual(['0026af74', '00225698', '00278e2c']);
  });
  it('offline vCPU: CPSR 00000000 MODE:Unknown, No stack trace (241-276)', () => {
    const [r] = regsOf(lines(F, 241, 276));
    expect(r.partial).toBeUndefined();
    expect(r.data).toMatchObject({ trigger: 'key-0', domain: 0, vcpu: 1, mode: 'Unknown', modeString: 'Unknown', regs: { CPSR: '00000000', PC: '00000000' }, cpsr: { modeBits: 'Unknown' }, guestStackNote: 'No stack trace, VCPU offline' });
  });
  it('rendered: AArch32 guest on arm64 Xen (PC 8 digits, CPSR 16 digits, USR LR 16 digits)', () => {
    const text = [
      '(XEN) *** Dumping CPU1 guest state (d1v0): ***',
      '(XEN) ----[ Xen-4.17.7  arm64  debug=y  Tainted: U      ]----',
      '(XEN) CPU:    1',
      '(XEN) PC:     c0108a44',
      '(XEN) CPSR:   0000000060000193 MODE:32-bit Guest SVC',
      '(XEN)      R0: 00000000 R1: 00000000 R2: 00000000 R3: 00000000',
      '(XEN)      R4: 00000000 R5: 00000000 R6: 00000000 R7: 00000000',
      '(XEN)      R8: 00000000 R9: 00000000 R10:00000000 R11:00000000 R12:00000000',
      '(XEN) USR: SP: 00000000 LR: 0000000000000000',
      '(XEN) SVC: SP: c1201f50 LR: c0108a40 SPSR:60000013',
      '(XEN) FIQ: R8: 00000000 R9: 00000000 R10:00000000 R11:00000000 R12:00000000',
      '(XEN) ',
      '(XEN)      SCTLR: 0000000010c5387d',
      '(XEN)       IFAR: 00000000, IFSR: 00000000',
      '(XEN) ',
      '(XEN)    ESR_EL2: 0000000007e00000',
      '(XEN)    FAR_EL2: 0000000000000000',
      '(XEN) ',
      '(XEN) Guest stack trace from sp=c1201f50:',
      '(XEN)    c1201f60 c0108a40 00000000 00000000 c1200000 c1201f8c 00000000 00000000',
      '(XEN) ',
    ].join('\n');
    const [r] = regsOf(text);
    expect(r.partial).toBeUndefined();
    expect(r.data).toMatchObject({ arch: 'arm32', context: 'guest', domain: 1, vcpu: 0, mode: 'SVC', regs: { LR_usr: '0000000000000000', SP_svc: 'c1201f50', SPSR_svc: '60000013', SCTLR: '0000000010c5387d' }, cpsr: { aarch32: true, modeBits: 'SVC' }, esr: { ec: 1, ecName: 'Trapped WFI/WFE' } });
    expect(r.data.guestStack).toHaveLength(8);
  });
});
