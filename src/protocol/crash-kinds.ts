// The decoded kinds that report a crash, a trap or a kernel's complaint: what the web page lists
// under Panics and `xenuart decode` under Problems. No imports, so the web bundle can take it.
export const CRASH_KINDS: readonly string[] = [
  'xen.panic', 'xen.bug', 'xen.warn', 'xen.assert', 'xen.abort', 'xen.domain.crash', 'xen.trap',
  'linux.panic', 'linux.oops', 'linux.bug', 'linux.warn', 'linux.rcu_stall', 'linux.lockup', 'linux.hung_task', 'linux.irq.nobody_cared',
];
