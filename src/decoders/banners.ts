// Lines that start a boot (xen-console-reference §5.7, §5.8, §6; linux-console-reference §5):
// one definition for the two decoders that look for them, the boot family (boot.start, where the
// store opens a boot record) and the Xen boot timeline (xen.boot): they must agree on where a
// boot begins.

/** First row of the figlet ` Xen x.y` banner. */
export const XEN_FIGLET_FIRST = /^ __  __ {2,}/;
/** The one-line banner (no figlet; ` Xen 4.x`, `Xen 4.x` from 4.20, indented in quoted logs); group 1 the version. */
export const XEN_ONE_LINE = /^\s*Xen (\d+\.\d+[\w.+~-]*)\s*$/;
/** An untagged Linux banner: `Booting Linux on physical CPU ...` or `Linux version ...`. */
export const LINUX_BANNER = /^(?:Booting Linux on physical CPU|Linux version \d)/;

/** `(XEN) Xen version 4.x ...` (§6 #11); group 1 the version. */
export const XEN_VERSION = /^Xen version (\d+\.\d+\S*) /;

/** The line the EFI loader prints first (`Xen 4.19-unstable (c/s <date> git:<hash>) EFI loader`); group 1 the version. */
export const XEN_EFI_LOADER = /^\s*Xen (\d+\.\d+[\w.+~-]*) \(c\/s /;

/**
 * The lines that Xen prints as it starts, in the order they come, each with its rank. A boot
 * shows some of them, depending on the build and version: the EFI loader's line; with
 * CONFIG_EARLY_PRINTK the head.S lines `- UART enabled -` and, in newer versions, `- Boot CPU
 * booting -` (older ones print `- CPU <id> booting -`, as every secondary CPU does: not a start
 * line); `Checking for initrd in /chosen`, the first line printed before the console is up
 * (on the serial line with early printk, and from 4.21 for every build, which replays those
 * lines before the banner: §5.7); the banner; `Xen version`. A
 * marker of a higher rank than the last one seen continues the same boot start; one of the same
 * or a lower rank is the next boot.
 */
export const enum XenStart { EfiLoader = 0, UartEnabled = 1, CpuBooting = 2, Early = 3, Banner = 4, Version = 5 }

const HEAD_UART = /^- UART enabled -\s*$/;
// `- CPU <id> booting -` is not one: secondary CPUs print it too, as Xen brings them up.
const HEAD_CPU = /^- Boot CPU booting -\s*$/;
const EARLY = 'Checking for initrd in /chosen';

/** The start marker of an untagged line (banner, EFI loader, head.S), or undefined. */
export function plainStart(b: string): XenStart | undefined {
  const c = b.charCodeAt(0);
  if (c === 0x2d /* - */) {
    if (HEAD_CPU.test(b)) return XenStart.CpuBooting;
    if (HEAD_UART.test(b)) return XenStart.UartEnabled;
    return undefined;
  }
  if (c !== 0x20 && c !== 0x09 && c !== 0x58 /* X */) return undefined;
  if (XEN_FIGLET_FIRST.test(b) || XEN_ONE_LINE.test(b)) return XenStart.Banner;
  if (XEN_EFI_LOADER.test(b)) return XenStart.EfiLoader;
  return undefined;
}

/** `Checking for initrd in /chosen`: the first line of a boot printed through (XEN). */
export function isEarlyStart(body: string): boolean {
  return body.startsWith(EARLY);
}

/** The start marker of a `(XEN)` line's body (`Checking for initrd`, `Xen version`), or undefined. */
export function xenLineStart(b: string): XenStart.Early | XenStart.Version | undefined {
  const c = b.charCodeAt(0);
  if (c === 0x43 /* C */ && isEarlyStart(b)) return XenStart.Early;
  if (c === 0x58 /* X */ && XEN_VERSION.test(b)) return XenStart.Version;
  return undefined;
}
