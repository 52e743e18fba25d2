// Xen crash kinds: xen.panic, xen.bug/warn/assert, xen.trap, xen.abort, xen.domain.crash, plus
// robustness of the whole family (xen.regs included). Fixture excerpts are real; lines marked
// "rendered" were assembled from the format strings in xen-console-reference §2 (no capture).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { decodeText } from '../../src/decoders/engine.js';
import { xenCrashFamily, XEN_CRASH_KINDS } from '../../src/decoders/xen/crash.js';
import { xenCrashKinds } from '../../src/protocol/kinds/xen-crash.js';
import { listFixtures, readFixture } from '../helpers/fixtures.js';

type Ev = ReturnType<typeof decodeText>[number];
type D = Record<string, any>;

function decode(text: string): Array<Ev & { data: D }> {
  return decodeText(text, 't', [xenCrashFamily]) as Array<Ev & { data: D }>;
}
function fixtureLines(rel: string): string[] {
  return readFixture(rel).toString('utf8').split(/\r?\n/);
}
function lines(rel: string, from: number, to: number): string[] {
  return fixtureLines(rel).slice(from - 1, to);
}
const X = (s: string) => `(XEN) ${s}`;
const brief = (evs: Ev[]) => evs.map((e) => `${e.kind}@${e.firstSeq}-${e.lastSeq}${e.partial ? '!' : ''}`);

describe('xen.panic (§2.1)', () => {
  it('4.17 block with Reboot action (qemu-debug/xen417-debug-panic.log 80-88)', () => {
    const evs = decode(lines('qemu-debug/xen417-debug-panic.log', 80, 88).join('\n'));
    expect(brief(evs)).toEqual(['xen.panic@4-9']);
    expect(evs[0].data).toMatchObject({ cpu: 0, message: 'Could not set up DOM0 guest OS', action: 'Reboot in five seconds...', reboot: true });
  });
  it("'noreboot' and a link to the assertion before it (public/008, osstest timestamps)", () => {
    const evs = decode(fixtureLines('public/008-osstest-armhf-xen418rc-assert-destroy-xen-mappings-timestamped.txt').join('\n'));
    const p = evs.find((e) => e.kind === 'xen.panic')!;
    expect(p.data).toMatchObject({ cpu: 0, action: "Manual reset required ('noreboot' specified)", reboot: false, after: 'xen.assert', afterSeq: 2, cause: { kind: 'xen.assert', file: 'arch/arm/mm.c', line: 1243 } });
  });
  it('4.17 truncation: a message over 127 characters glues the closing stars (rendered)', () => {
    const msg = 'A'.repeat(127);
    const text = [X(''), X('****************************************'), X('Panic on CPU 1:'), X(`${msg}****************************************`), X(''), X('Reboot in five seconds...')].join('\n');
    const [p] = decode(text);
    expect(p).toMatchObject({ kind: 'xen.panic', firstSeq: 2, lastSeq: 6 });
    expect(p.partial).toBeUndefined();
    expect(p.data).toMatchObject({ cpu: 1, message: msg, truncated: true });
  });
  it('multi-line message, master wording (rendered)', () => {
    const text = [X('****************************************'), X('Panic on CPU 0:'), X('Could not set up d0 guest OS (rc = -2)'), X('second line'), X('****************************************'), X(''), X('Reboot in five seconds...')].join('\n');
    const [p] = decode(text);
    expect(p.data.message).toBe('Could not set up d0 guest OS (rc = -2)\nsecond line');
    expect(p.data.lines).toHaveLength(2);
  });
  it('mail-wrapped assertion inside the panic is joined (public/028 22-27)', () => {
    const evs = decode(fixtureLines('public/028-osstest-arm64-xsm-gicv3-lpi-assert-secondary-cpu-timestamped.txt').join('\n'));
    const p = evs.find((e) => e.kind === 'xen.panic')!;
    expect(p.data.message).toBe("Assertion '!in_irq() && (local_irq_is_enabled() || num_online_cpus() <= 1)' failed at common/page_alloc.c:2212");
    expect(p).toMatchObject({ firstSeq: 22, lastSeq: 27, partial: true, reason: 'end of input' });
  });
  it('two panics in a row (public/031)', () => {
    const evs = decode(fixtureLines('public/031-arm64-xt-dom0-xen4140-ioreq-bug-double-panic-psci-quoted.txt').join('\n'));
    const ps = evs.filter((e) => e.kind === 'xen.panic');
    expect(ps.map((p) => [p.firstSeq, p.lastSeq, p.data.cpu])).toEqual([[79, 84, 3], [86, 91, 0]]);
    expect(ps[1].data.message).toBe('PSCI cpu off failed for CPU0 err=-3');
  });
  it('a 51-star banner is not a panic (public/041 123-129)', () => {
    expect(decode(fixtureLines('public/041-rpi4-uefi-acpi-xen419-boot-dom0-watchdog-reboot.txt').join('\n')).filter((e) => e.kind === 'xen.panic')).toEqual([]);
  });
});

describe('xen.bug / xen.warn / xen.assert (§2.4)', () => {
  it('BUG with its dump and panic (qemu-debug/xen417-debug-bug.log 150-238)', () => {
    const evs = decode(lines('qemu-debug/xen417-debug-bug.log', 150, 238).join('\n'));
    expect(brief(evs)).toEqual(['xen.bug@2-2', 'xen.regs@3-82', 'xen.panic@84-89']);
    expect(evs[0].data).toEqual({ file: 'common/keyhandler.c', line: 255, regsSeq: 3, cpu: 0, pc: '0000000000218b0c', pcSymbol: 'keyhandler.c#reboot_machine+0x30/0x34' });
    expect(evs[1].data).toMatchObject({ trigger: 'bug', causeSeq: 2, esr: { ec: 0x3c, comment: 1 } });
    expect(evs[2].data).toMatchObject({ after: 'xen.bug', afterSeq: 2 });
  });
  it('WARN (4.13, basename only) and CRLF (public/022 147)', () => {
    const evs = decode(fixtureLines('public/022-zcu102-qemu-zynqmp-xen413-warn-bug-page-alloc-crlf.txt').join('\n'));
    expect(evs.filter((e) => e.kind === 'xen.warn').map((e) => [e.firstSeq, e.data.file, e.data.line])).toEqual([[147, 'page_alloc.c', 1392], [331, 'page_alloc.c', 1392]]);
  });
  it("mail-wrapped `Xen BUG at ` + quoted continuation with '...' path (public/031 3-4)", () => {
    const evs = decode(fixtureLines('public/031-arm64-xt-dom0-xen4140-ioreq-bug-double-panic-psci-quoted.txt').join('\n'));
    const b = evs.find((e) => e.kind === 'xen.bug')!;
    expect(b).toMatchObject({ firstSeq: 3, lastSeq: 4, data: { file: '...tAUTOINC+bb71237a55-r0/git/xen/include/xen/mm.h', line: 683, pathTruncated: true, cpu: 3 } });
  });
  it('assertion with no dump captured (public/025, quoted)', () => {
    const evs = decode(fixtureLines('public/025-qemu-virt-arm32-xen417rc-gicv2m-boot-assert-quoted.txt').join('\n'));
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({ kind: 'xen.assert', firstSeq: 48, data: { condition: '!lpae_is_valid(*entry)', file: 'arch/arm/domain_page.c', line: 69 } });
  });
  it("rendered: unknown predicate, quotes inside the predicate", () => {
    const evs = decode([X("Assertion '<unknown>' failed at common/sched/core.c:1000"), X('x'), X("Assertion 'a == 'b'' failed at arch/arm/x.c:2")].join('\n'));
    expect(evs.map((e) => e.data.condition)).toEqual(['<unknown>', "a == 'b'"]);
  });
});

describe('xen.trap and xen.abort (§2.2, §2.3, §2.5, §2.7)', () => {
  it('data abort with page-table walk, trap, dump, panic (public/005)', () => {
    const evs = decode(fixtureLines('public/005-arm64-xen417-dom0less-construct-domU-data-abort.txt').join('\n'));
    expect(brief(evs)).toEqual(['xen.abort@2-6', 'xen.trap@7-7', 'xen.regs@8-76', 'xen.panic@78-81!']);
    expect(evs[0].data).toMatchObject({
      fault: 'Data Abort', syndrome: '0x6', va: '0x0', cpu: 0, ttbr: '0x00000000f91f5000', far: '0000000000000000',
      walk: [{ level: 0, index: '0x0', entry: '0x00000000f91f4f7f' }, { level: 1, index: '0x0', entry: '0x00000000f91f1f7f' }, { level: 2, index: '0x0', entry: '0x0000000000000000' }],
      iss: { dfscName: 'Translation fault, level 2' }, esr: { ec: 0x25 }, pcSymbol: 'domain_build.c#construct_domU+0xc90/0xd0c',
    });
    expect(evs[1].data).toMatchObject({ type: 'unexpected', trap: 'Data Abort', cpu: 0, abortSeq: 2, regsSeq: 8 });
    expect(evs[3].data).toMatchObject({ after: 'xen.trap', afterSeq: 7 });
  });
  it('arm32 alignment fault (public/007): HSR layout for the ISS, HDFAR as FAR', () => {
    const evs = decode(fixtureLines('public/007-qemu-arm32-xen418-data-abort-lookup-processor-type.txt').join('\n'));
    expect(evs[0].data).toMatchObject({ va: '0x2a5ca6', far: '002a5ca6', iss: { dfscName: 'Alignment fault', isv: 1, srt: 3 }, walk: [{ level: 1 }, { level: 2 }, { level: 3, index: '0x0a5' }] });
    expect(evs[0].data.iss.sf).toBeUndefined();
  });
  it('instruction abort, timestamps, unknown PC symbol (public/034)', () => {
    const evs = decode(fixtureLines('public/034-arm64-xen4211-gcov-instruction-abort-init-constructors-timestamped.txt').join('\n'));
    expect(evs[0].data).toMatchObject({ fault: 'Instruction Abort', va: '0xa00003ce000', iss: { ifscName: 'Permission fault, level 3' } });
    expect(evs[0].data.walk).toHaveLength(4);
    const r = evs.find((e) => e.kind === 'xen.regs')!;
    expect(r.data.pcSymbol).toBeUndefined();
    expect(r.data.xen).toMatchObject({ version: '4.21.1', buildInfo: 'debug=n gcov=y', debug: false });
    expect(r.data.callTrace[0]).toEqual({ addr: '00000a00003ce000', kind: 'PC' });
  });
  it('Invalid FAR (rendered)', () => {
    const evs = decode([X('Data Abort Trap. Syndrome=0x610'), X('Invalid FAR, not walking the hypervisor tables'), X('CPU0: Unexpected Trap: Data Abort')].join('\n'));
    expect(evs[0].data).toMatchObject({ notes: ['Invalid FAR, not walking the hypervisor tables'], walk: [], iss: { dfsc: 0x10, fnv: 1 } });
  });
  it('snipped arm32 undefined instruction (public/032): trap, partial dump, panic', () => {
    const evs = decode(fixtureLines('public/032-arm32-xen420rc-undef-instr-dump-execution-state-snipped.txt').join('\n'));
    expect(brief(evs)).toEqual(['xen.trap@3-3', 'xen.regs@4-5!', 'xen.panic@8-11!']);
    expect(evs[1]).toMatchObject({ reason: 'interrupted by panic', data: { cpu: 0, arch: 'arm32', xen: { version: '4.20-rc', debug: false } } });
  });
  it('Hypervisor Trap + Unexpected Trap: Hypervisor is one event (rendered)', () => {
    const evs = decode([X('Hypervisor Trap. HSR=0x0000000e000000 EC=0x3 IL=1 Syndrome=0x0'), X('CPU1: Unexpected Trap: Hypervisor')].join('\n'));
    expect(brief(evs)).toEqual(['xen.trap@1-2']);
    expect(evs[0].data).toMatchObject({ type: 'hypervisor', cpu: 1, ec: 3, esr: { ec: 3 } });
  });
  it('bad mode (rendered §2.5)', () => {
    const evs = decode([X('Bad mode in FIQ handler detected'), X('ESR=0x00000000000000:  EC=0, IL=0, ISS=0')].join('\n'));
    expect(evs[0]).toMatchObject({ kind: 'xen.trap', firstSeq: 1, lastSeq: 2, data: { type: 'bad-mode', handler: 'FIQ', esr: { ec: 0 } } });
  });
  it('guest-induced traps (real stage-2 line; others rendered)', () => {
    const text = [
      X('arch/arm/traps.c:1983:d0v0 HSR=0x00000093c48006 pc=0x00000070000088 gva=0xb000000 gpa=0x0000000b000000'),
      X('d0v0 Unhandled SMC/HVC: 0x84000050'),
      X('d1v0 Unknown Guest Trap. HSR=0x0000000c000000 EC=0x3 IL=1 Syndrome=0x0'),
      X('d1v1 Invalid HVC imm 0x1'),
      X('d2v0 Unsupported FSC: HSR=0x00000093c48031 DFSC=0x31'),
      X('arch/arm/arm64/vsysreg.c:436:d0v0 mrs 3, 0, c0, c4, 2 => x0 @ 0x0000000040001000'),
      X('arch/arm/arm64/vsysreg.c:437:d0v0 unhandled 64-bit sysreg access 0x00000000323c09'),
      X('d0v0 Domain tried to use SVE while not allowed'),
    ].join('\n');
    const evs = decode(text);
    expect(evs.map((e) => [e.firstSeq, e.lastSeq, e.data.type])).toEqual([
      [1, 1, 'stage2-abort'], [2, 2, 'unhandled-smc-hvc'], [3, 3, 'unknown-guest-trap'], [4, 4, 'invalid-hvc-imm'],
      [5, 5, 'unsupported-fsc'], [6, 7, 'unhandled-sysreg'], [8, 8, 'sve-not-allowed'],
    ]);
    expect(evs[0].data).toMatchObject({ guest: true, domain: 0, vcpu: 0, source: { file: 'arch/arm/traps.c', line: 1983 }, gva: '0xb000000', esr: { ec: 0x24, isv: 1 } });
    expect(evs[5].data.instruction).toBe('mrs 3, 0, c0, c4, 2 => x0 @ 0x0000000040001000');
  });
  it('gdprintk lines whatever path the build gave __FILE__ (under a source folder, absolute, the name alone) [rendered from the real stage-2 line]', () => {
    const tail = ':1983:d0v0 HSR=0x00000093c48006 pc=0x00000070000088 gva=0xb000000 gpa=0x0000000b000000';
    const files = ['xen-source/xen/arch/arm/traps.c', '/build/xen-4.19/xen/arch/arm/traps.c', './arch/arm/traps.c', 'traps.c'];
    const evs = decode(files.map((f) => X(f + tail)).join('\n'));
    expect(evs.map((e) => [e.kind, e.firstSeq, (e.data.source as { file: string }).file])).toEqual(files.map((f, i) => ['xen.trap', i + 1, f]));
  });
});

describe('xen.domain.crash (§2.9)', () => {
  it('domain_crash + Domain crashed + guest dump (rendered header; dump lines from qemu-debug/xen417-debug-gic3.log 108-148)', () => {
    const dump = lines('qemu-debug/xen417-debug-gic3.log', 108, 148);
    const text = [X('domain_crash called from arch/arm/traps.c:2095'), X('Domain 0 (vcpu#0) crashed on cpu#0:'), ...dump].join('\n');
    const evs = decode(text);
    expect(brief(evs)).toEqual(['xen.domain.crash@1-2', 'xen.regs@3-43']);
    expect(evs[0].data).toMatchObject({ domain: 0, vcpu: 0, cpu: 0, reason: 'crash', calledFrom: { file: 'arch/arm/traps.c', line: 2095 }, regsSeq: 3 });
    expect(evs[1].data).toMatchObject({ trigger: 'domain-crash', context: 'guest', domain: 0, vcpu: 0 });
  });
  it('hardware domain watchdog reboot (public/041 162) and rendered variants', () => {
    const evs = decode(fixtureLines('public/041-rpi4-uefi-acpi-xen419-boot-dom0-watchdog-reboot.txt').join('\n'));
    expect(evs.filter((e) => e.kind === 'xen.domain.crash').map((e) => [e.firstSeq, e.data])).toEqual([[162, { domain: 0, hardware: true, reason: 'watchdog', action: 'watchdog rebooting machine' }]]);
    const r = decode([X('Hardware Dom0 crashed: rebooting machine in 5 seconds.'), X("Hardware Dom0 halted: halting machine"), X('Hardware Dom0 shutdown (unknown reason 7): rebooting machine'), X('Hardware domain 0 did unsupported soft reset, rebooting.'), X('Domain 3 reported crashed by domain 0 on cpu#1:')].join('\n'));
    expect(r.map((e) => e.data.reason)).toEqual(['crash', 'halt', 'unknown', 'soft-reset', 'reported']);
    expect(r[2].data.code).toBe(7);
    expect(r[4].data).toMatchObject({ domain: 3, reportedBy: 0, cpu: 1 });
  });
});

// ---- robustness -------------------------------------------------------------------------------

describe('robustness', () => {
  it('random strings and bytes never throw and give valid events', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom(
      '(XEN) ****************************************', '(XEN) Panic on CPU 0:', '(XEN) Xen BUG at a.c:1', '(XEN) CPU:    0',
      '(XEN) Xen call trace:', '(XEN) ----[ Xen-4.17.7  arm64  debug=y  Not tainted ]----', '(XEN) *** Dumping CPU0 host state: ***',
      '(XEN) PC:     0000000000268aec x', '(XEN) Data Abort Trap. Syndrome=0x6', '(XEN) 0TH[0x000] = 0x1', '(XEN) ', '(XEN) X ',
      '(XEN) DOM0: DEBUG', '(XEN) Guest stack trace from sp=0:', '(XEN)    0000000000000000 0000000000000000', 'plain')), { maxLength: 60 }),
    (ls) => {
      const evs = decode(ls.join('\n'));
      for (const e of evs) expect(Value.Check(xenCrashKinds[e.kind], e.data)).toBe(true);
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => { decodeText(Buffer.from(b), 't', [xenCrashFamily]); }), { numRuns: 200 });
  });

  const blocks: Array<[string, number, number, string]> = [
    ['qemu-debug/xen417-debug-gic3.log', 179, 227, 'xen.regs'], // host dump, ends at the blank after the call trace
    ['qemu-debug/xen417-debug-arm32.log', 131, 167, 'xen.regs'], // arm32 guest dump, ends at the guest stack note
    ['qemu-debug/xen417-debug-panic.log', 83, 88, 'xen.panic'],
    ['qemu-debug/xen417-debug-bug.log', 151, 238, 'xen.panic'],
  ];
  for (const [rel, from, to, kind] of blocks) {
    it(`${rel} ${from}-${to} cut at every line: partial, or complete only at a valid end`, () => {
      const all = lines(rel, from, to);
      const full = decode(all.join('\n')).filter((e) => e.kind === kind);
      expect(full.at(-1)!.partial).toBeUndefined();
      for (let n = 1; n < all.length; n++) {
        const evs = decode(all.slice(0, n).join('\n')).filter((e) => e.kind === kind);
        for (const e of evs.slice(0, -1)) expect(e.partial).toBeUndefined();
        const last = evs.at(-1);
        if (!last) continue; // the block had not started yet (e.g. only its leading blank line)
        if (!last.partial) {
          // Complete before the end: only at a real end (guest stack note, blank after the call trace).
          expect(kind === 'xen.regs' ? ['', 'Failed to convert stack to physical address'] : []).toContain(all[n - 1].replace(/^\(XEN\)\s*/, ''));
        } else expect(last.reason).toBe('end of input');
      }
    });
  }

  it('dom0 lines interleaved between every line of a dump and a panic do not change the events', () => {
    const src = lines('qemu-debug/xen417-debug-bug.log', 150, 238);
    const plain = decode(src.join('\n'));
    const mixed = decode(src.flatMap((l, i) => [l, `[   12.${String(345678 + i)}] dom0 says ${i}`, '']).join('\n'));
    expect(mixed.map((e) => e.kind)).toEqual(plain.map((e) => e.kind));
    const noSeqs = (d: D) => { const { regsSeq, causeSeq, afterSeq, ...rest } = d; return rest; };
    mixed.forEach((e, i) => expect(noSeqs(e.data)).toEqual(noSeqs(plain[i].data)));
  });

  it('a new boot cuts an open dump', () => {
    const src = lines('qemu-debug/xen417-debug-gic3.log', 179, 200);
    const evs = decode([...src, ' Xen 4.17.7', X('Xen version 4.17.7 (@) (gcc) debug=y Mon Nov 23 18:29:15 UTC 2026')].join('\n'));
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({ partial: true, reason: 'interrupted by new boot', lastSeq: 22 });
  });

  it('every fixture: events validate against the schemas, kinds are ours, state stays bounded', () => {
    for (const f of listFixtures()) {
      for (const e of decodeText(readFixture(f), f, [xenCrashFamily])) {
        expect(XEN_CRASH_KINDS).toContain(e.kind);
        const ok = Value.Check(xenCrashKinds[e.kind], e.data);
        if (!ok) throw new Error(`${f} ${e.kind}@${e.firstSeq}: ${[...Value.Errors(xenCrashKinds[e.kind], e.data)].map((x) => x.path + ' ' + x.message).join('; ')}`);
        expect(e.lastSeq - e.firstSeq).toBeLessThan(700);
      }
    }
  });

  it('a dump never grows past the block cap', () => {
    const rows = Array.from({ length: 5000 }, () => X('   0000000000000000 0000000000000000 0000000000000000 0000000000000000'));
    const evs = decode([X('*** Dumping CPU0 host state: ***'), X('CPU:    0'), X('Xen stack trace from sp=0:'), ...rows].join('\n'));
    expect(evs[0]).toMatchObject({ kind: 'xen.regs', partial: true });
    expect(evs[0].lastSeq).toBeLessThan(700);
    expect(evs[0].data.stack.length).toBeLessThanOrEqual(2048);
  });
});

describe('key `w` (§4.4): the console ring replayed', () => {
  const F = 'qemu-debug/xen417-debug-gic3.log';
  it('dumps printed again by the ring replay give no second event (the real capture: w at 518, its end at 881)', () => {
    const evs = decode(fixtureLines(F).join('\n')).filter((e) => e.kind === 'xen.regs');
    // Key d (179-276) and key 0 (278-357) once each, with the DOM0: DEBUG dump; none of 519-880.
    expect(evs.map((e) => e.firstSeq)).toEqual([107, 179, 228, 278, 319]);
  });
  it('a dump open when `w` is pressed ends there; a dump after the replay is decoded', () => {
    const d = lines(F, 177, 227); // the `d` header and CPU0's dump
    const w = X("'w' pressed -> dumping console ring buffer (dmesg)");
    const text = [...d.slice(0, 30), w, ...d, w, ...d].join('\n');
    const evs = decode(text).filter((e) => e.kind === 'xen.regs');
    expect(evs.map((e) => `${e.firstSeq}${e.partial ? '!' : ''}`)).toEqual(['3!', `${30 + 1 + 51 + 1 + 3}`]);
    expect(evs[0].reason).toBe("interrupted by key 'w'");
  });
});
