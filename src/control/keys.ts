// Xen debug keys on ARM (xen-console-reference §4.2) and which of them need more than operator.
// R reboots, C crashes/kexecs, % traps into the debugger; + - G A change Xen's state.

export const DANGEROUS_KEYS: Record<string, string> = {
  R: 'reboots the machine',
  C: 'crashes Xen (kexec/crash dump)',
  '%': 'traps into the debugger',
  '+': 'raises the console log level',
  '-': 'lowers the console log level',
  G: 'toggles guest log level',
  A: 'toggles the alternative (key handler) mode',
};

/** Printable ASCII without space: what a debug-key request may contain. */
export const KEY_CHARS = /^[!-~]+$/;

export function isDangerous(key: string): boolean {
  return key in DANGEROUS_KEYS;
}

/** The byte Xen's `conswitch=<c>` makes the switch character: CTRL-<c>. */
export function switchByte(conswitch: string): number {
  const c = conswitch.charAt(0).toLowerCase();
  return c.charCodeAt(0) - 'a'.charCodeAt(0) + 1;
}
