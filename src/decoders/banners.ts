// Banner lines that start a boot (xen-console-reference §5.8, linux-console-reference §5): one
// definition for the two decoders that look for them, the boot family (boot.start) and the Xen
// boot timeline (xen.start): they must agree on where a boot begins.

/** First row of the figlet ` Xen x.y` banner. */
export const XEN_FIGLET_FIRST = /^ __  __ {2,}/;
/** The one-line banner (no figlet; ` Xen 4.x`, `Xen 4.x` from 4.20, indented in quoted logs); group 1 the version. */
export const XEN_ONE_LINE = /^\s*Xen (\d+\.\d+[\w.+~-]*)\s*$/;
/** An untagged Linux banner: `Booting Linux on physical CPU ...` or `Linux version ...`. */
export const LINUX_BANNER = /^(?:Booting Linux on physical CPU|Linux version \d)/;
