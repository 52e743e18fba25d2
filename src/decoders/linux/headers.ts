// Header lines that open a Linux report (linux-console-reference §0 quick index, §2-§5). Detection
// is a first-character switch plus `startsWith`, so a line pays at most one short regex.
import { code } from '../util.js';

export type HeaderType =
  | 'cut' // ------------[ cut here ]------------   (BUG/WARN, lib/bug.c)
  | 'cut8' // 8<--- cut here ---                     (arm32 fault preamble)
  | 'fault' // Unable to handle kernel ... at virtual address ...
  | 'unhandled' // Unhandled fault: / Unhandled prefetch abort:   (arm32)
  | 'internal' // Internal error: %s: %x [#%d] ...
  | 'serror' // SError Interrupt on CPU%d, code 0x%016lx -- %s   (arm64)
  | 'stack' // Insufficient stack space to handle exception!   (arm64)
  | 'bug' // kernel BUG at %s:%u! / Kernel BUG at %pB [verbose debug info unavailable]
  | 'warn' // WARNING: CPU: %d PID: %d at ... / WARNING: %s:%d at %pS, CPU#%d: %s/%d
  | 'panic' // Kernel panic - not syncing: %s
  | 'rcu' // rcu: INFO: %s detected stalls on CPUs/tasks: / self-detected stall / expedited
  | 'softlockup' // watchdog: BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]
  | 'hardlockup' // watchdog: CPU%u: Watchdog detected hard LOCKUP on cpu %u (and older forms)
  | 'hung' // INFO: task %s:%d blocked for more than %ld seconds.
  | 'nobody' // irq %d: nobody cared (try booting with the "irqpoll" option)
  | 'bogus' // irq event %d: bogus return value %x
  | 'unexpected' // Unexpected interrupt (irqnr %u) / Unexpected pseudo-NMI (irqnr %u)   (GICv3 WARN_ONCE text)
  | 'spurious' // Spurious interrupt/IRQ ... N
  | 'banner'; // Booting Linux on physical CPU ... / Linux version ...

export const WARN_OLD = /^WARNING: CPU: (\d+) PID: (\d+) at (?:(\S+):(\d+) )?(\S+)/;
export const WARN_NEW = /^WARNING: (?:\[.*?\] )?(?:(\S+):(\d+) )?at (\S+?), CPU#(\d+): (.*)\/(\d+)\s*$/;
export const RCU_HEADER = /^(?:rcu: )?INFO: (\S+) (self-detected stall on CPU|detected stalls on CPUs\/tasks:|detected expedited stalls on CPUs\/tasks:|detected stalls on tasks:)/;
export const SOFT_LOCKUP = /^(?:(?:NMI )?watchdog: )?BUG: soft lockup - CPU#(\d+) stuck for (\d+)s! \[(.*):(\d+)\]/;
export const HARD_LOCKUP = /^(?:(?:NMI )?watchdog: )?(?:CPU(\d+): )?Watchdog detected hard LOCKUP on cpu (\d+)/;
export const HUNG_TASK = /^INFO: task (.+):(\d+) blocked (in I\/O wait )?for more than (\d+) seconds\./;
export const NOBODY_CARED = /^irq (\d+): nobody cared/;
export const BOGUS_RETURN = /^irq event (\d+): bogus return value ([0-9a-fA-F]+)/;
export const UNEXPECTED_IRQ = /^Unexpected (interrupt|pseudo-NMI) \(irqnr (\d+)\)/;
export const SPURIOUS = /^[Ss]purious (?:interrupt|IRQ|irq)\b.*?(?:irq|IRQ|irqnr|INTID|#)\s*[#:]?\s*(\d+)/;

/**
 * The literal starts of every header below, as one regex: most lines are rejected by this single
 * test (irregexp code: cheap to run, and it keeps the per-line caller small to compile).
 */
const HEADER_START = /^(?:------------\[ cut here \]|8<--- cut here ---|Un(?:able to handle kernel |handled fault: |handled prefetch abort: |expected )|In(?:ternal error: |sufficient stack space to handle exception)|INFO: |SError Interrupt on CPU|[Ss]purious |[kK]ernel BUG at |Kernel panic - not syncing|WARNING: |Watchdog detected hard LOCKUP|watchdog: |NMI watchdog: |Booting Linux on physical CPU|BUG: soft lockup|Linux version \d|rcu: INFO: |irq )/;

export function detectHeader(b: string): HeaderType | undefined {
  if (b.length < 8 || !HEADER_START.test(b)) return undefined;
  return headerOf(b);
}

/** detectHeader() for a line that starts like a header. */
function headerOf(b: string): HeaderType | undefined {
  switch (code(b, 0)) {
    case 0x2d: // -
      return b.startsWith('------------[ cut here ]') ? 'cut' : undefined;
    case 0x38: // 8
      return b.startsWith('8<--- cut here ---') ? 'cut8' : undefined;
    case 0x55: // U
      if (b.startsWith('Unable to handle kernel ')) return 'fault';
      if (b.startsWith('Unhandled fault: ') || b.startsWith('Unhandled prefetch abort: ')) return 'unhandled';
      if (b.startsWith('Unexpected ') && UNEXPECTED_IRQ.test(b)) return 'unexpected';
      return undefined;
    case 0x49: // I
      if (b.startsWith('Internal error: ')) return 'internal';
      if (b.startsWith('INFO: ')) {
        if (b.startsWith('INFO: task ') && HUNG_TASK.test(b)) return 'hung';
        if (RCU_HEADER.test(b)) return 'rcu';
        return undefined;
      }
      if (b.startsWith('Insufficient stack space to handle exception')) return 'stack';
      return undefined;
    case 0x53: // S
      if (b.startsWith('SError Interrupt on CPU')) return 'serror';
      if (b.startsWith('Spurious ') && SPURIOUS.test(b)) return 'spurious';
      return undefined;
    case 0x73: // s
      return b.startsWith('spurious ') && SPURIOUS.test(b) ? 'spurious' : undefined;
    case 0x6b: // k
      return b.startsWith('kernel BUG at ') ? 'bug' : undefined;
    case 0x4b: // K
      if (b.startsWith('Kernel panic - not syncing')) return 'panic';
      if (b.startsWith('Kernel BUG at ')) return 'bug';
      return undefined;
    case 0x57: // W
      if (b.startsWith('WARNING: ')) return WARN_OLD.test(b) || WARN_NEW.test(b) ? 'warn' : undefined;
      if (b.startsWith('Watchdog detected hard LOCKUP')) return 'hardlockup';
      return undefined;
    case 0x77: // w
      if (!b.startsWith('watchdog: ')) return undefined;
      if (SOFT_LOCKUP.test(b)) return 'softlockup';
      if (HARD_LOCKUP.test(b)) return 'hardlockup';
      return undefined;
    case 0x4e: // N
      if (!b.startsWith('NMI watchdog: ')) return undefined;
      if (SOFT_LOCKUP.test(b)) return 'softlockup';
      if (HARD_LOCKUP.test(b)) return 'hardlockup';
      return undefined;
    case 0x42: // B
      if (b.startsWith('Booting Linux on physical CPU')) return 'banner';
      if (b.startsWith('BUG: soft lockup') && SOFT_LOCKUP.test(b)) return 'softlockup';
      return undefined;
    case 0x4c: // L
      return b.startsWith('Linux version ') && code(b, 14) >= 0x30 && code(b, 14) <= 0x39 ? 'banner' : undefined;
    case 0x72: // r
      return b.startsWith('rcu: INFO: ') && RCU_HEADER.test(b) ? 'rcu' : undefined;
    case 0x69: // i
      if (b.startsWith('irq ')) {
        if (NOBODY_CARED.test(b)) return 'nobody';
        if (BOGUS_RETURN.test(b)) return 'bogus';
      }
      return undefined;
    default:
      return undefined;
  }
}
