// The hand-written scanners of the xen-platform family (they replaced regexes, splits and BigInt for
// speed): each case pins the exact output, key order included (JSON), of the code they replaced.
import { describe, expect, it } from 'vitest';
import { parseXenVersion } from '../../src/decoders/xen/boot-version.js';
import { normAddr } from '../../src/decoders/xen/boot-context.js';
import { parseDecimalRanges, parseHexRanges } from '../../src/decoders/xen/domain-rangeset.js';
import { decodeLrV2, decodeLrV3 } from '../../src/decoders/xen/gic-lrs.js';
import { parseIrqRoute } from '../../src/decoders/xen/irq-route.js';

const json = (v: unknown) => JSON.stringify(v);

describe('xen-platform scanners', () => {
  it('parseXenVersion: groups, build words (a=b=c gives b), dates with runs of spaces, wrapped lines', () => {
    expect(json(parseXenVersion('Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1) (pkg-xen-devel@lists.alioth.debian.org) (aarch64-linux-gnu-gcc (Debian 12.2.0-14+deb12u1) 12.2.0) debug=n Wed Nov  4 16:52:28 UTC 2026')))
      .toBe('{"version":"4.17.7","compileBy":"pkg-xen-devel@lists.alioth.debian.org","compiler":"aarch64-linux-gnu-gcc (Debian 12.2.0-14+deb12u1) 12.2.0","distro":"Debian 4.17.7+13-g2445b30a44-0+deb12u1","buildInfo":{"debug":"n"},"debug":false,"compileDate":"Wed Nov 4 16:52:28 UTC 2026"}');
    expect(json(parseXenVersion('Xen version 4.13-unstable (aarch64-poky-linux-gcc (Linaro GCC 5.2-2015.11-2) 5.2.1 20151005) debug=y  Tue Jul 30 12:23:51 IST 209')))
      .toBe('{"version":"4.13-unstable","compiler":"aarch64-poky-linux-gcc (Linaro GCC 5.2-2015.11-2) 5.2.1 20151005","buildInfo":{"debug":"y"},"debug":true,"compileDate":"Tue Jul 30 12:23:51 IST 209"}');
    expect(json(parseXenVersion('Xen version 4.21-unstable (edgar@) (gcc (Ubuntu 13.3.0-6ubuntu2~24.04) 13.3.0) debug=y ubsan=y a=b=c Tue Jul 29 15:05:09 CEST 2025')))
      .toBe('{"version":"4.21-unstable","compileBy":"edgar@","compiler":"gcc (Ubuntu 13.3.0-6ubuntu2~24.04) 13.3.0","buildInfo":{"debug":"y","ubsan":"y","a":"b"},"debug":true,"compileDate":"Tue Jul 29 15:05:09 CEST 2025"}');
    expect(json(parseXenVersion('Xen version 4.10.1 (root@) (aarch64-linux-gnu-gcc (Linaro GCC')))
      .toBe('{"version":"4.10.1","compileBy":"root@","compiler":"aarch64-linux-gnu-gcc (Linaro GCC","incomplete":true}');
  });

  it('normAddr: trim, 0x/0X, 1 to 16 hex digits, lowercase without leading zeros', () => {
    expect(normAddr(' 0x00000008000000 ')).toBe('0x8000000');
    expect(normAddr('0000000008000000')).toBe('0x8000000');
    expect(normAddr('0X0')).toBe('0x0');
    expect(normAddr('DEADbeef')).toBe('0xdeadbeef');
    expect(normAddr('0x')).toBeUndefined();
    expect(normAddr('12345678901234567')).toBeUndefined();
  });

  it('rangesets: spaces around numbers and dashes, bad and empty parts skipped', () => {
    expect(json(parseDecimalRanges(' 34-39, 48-79 '))).toBe('[[34,39],[48,79]]');
    expect(json(parseDecimalRanges('1 - 2,,x,3'))).toBe('[[1,2],[3,3]]');
    expect(json(parseHexRanges('1 - 2,,x,3'))).toBe('[["0x1","0x2"],["0x3","0x3"]]');
    expect(parseDecimalRanges('')).toEqual([]);
  });

  it('list registers from 32-bit halves: v2 rejects values above 32 bits, v3 reads bits 63..32', () => {
    expect(json(decodeLrV2(0, 'ffffffff'))).toBe('{"index":0,"raw":"ffffffff","state":"pending+active","virq":1023,"hw":true,"priority":248,"group":1,"live":false,"pirq":1023}');
    expect(decodeLrV2(0, '100000000')).toBeUndefined();
    expect(json(decodeLrV2(0, '000000009a00001b'))).toBe('{"index":0,"raw":"000000009a00001b","state":"pending","virq":27,"hw":true,"priority":160,"group":0,"live":false,"pirq":0}');
    expect(json(decodeLrV3(0, 'ffffffff'))).toBe('{"index":0,"raw":"ffffffff","state":"invalid","virq":4294967295,"hw":false,"priority":0,"group":0,"live":false,"eoi":false}');
  });

  it('IRQ messages after a first word: `<device>: IRQn`, `dN: IRQ n`, not `dev :IRQ`', () => {
    expect(json(parseIrqRoute('uart@1c28000: IRQ5 is not a SPI'))).toBe('{"what":"not-spi","device":"uart@1c28000","irq":5,"error":true,"text":"uart@1c28000: IRQ5 is not a SPI"}');
    expect(json(parseIrqRoute('d1: IRQ 40 is already assigned to vIRQ 40'))).toBe('{"what":"already-assigned","domain":1,"irq":40,"virq":40,"error":true,"text":"d1: IRQ 40 is already assigned to vIRQ 40"}');
    expect(parseIrqRoute('dev :IRQ5 is not a SPI')).toBeUndefined();
  });
});
