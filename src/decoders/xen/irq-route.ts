// IRQ routing messages (xen-console-reference §3.4): routing is silent on success, so these lines
// are the only trace of an interrupt Xen refused to give a domain (or kept for itself), plus the
// event-channel PPI it allocated. Each line gives one `xen.irq.route` event.
import { code } from '../util.js';

export interface IrqRouteData {
  what: 'used-by-xen' | 'used-by-domain' | 'in-use' | 'not-routable' | 'not-configured' | 'virq-too-high' |
    'not-spi' | 'already-assigned' | 'map-failed' | 'permit-failed' | 'retrieve-failed' | 'free-already-free' |
    'unexpected-trap' | 'unknown-irq' | 'local-irq-alloc-failed' | 'evtchn-ppi' | 'dt-irq' | 'not-primary-controller';
  irq?: number;
  virq?: number;
  domain?: number;
  device?: string;
  error: boolean;
  text: string;
}

type Rule = [RegExp, (m: RegExpExecArray) => Omit<IrqRouteData, 'text'>];

const RULES: Rule[] = [
  [/^IRQ (\d+) is already used by Xen/, (m) => ({ what: 'used-by-xen', irq: +m[1], error: true })],
  [/^IRQ (\d+) is already used by domain (\d+)/, (m) => ({ what: 'used-by-domain', irq: +m[1], domain: +m[2], error: true })],
  [/^IRQ (\d+) has not been configured/, (m) => ({ what: 'not-configured', irq: +m[1], error: true })],
  [/^IRQ can only be routed to an SPI/, () => ({ what: 'not-spi', error: true })],
  [/^ERROR: IRQ (\d+) is already in use by the domain (\d+)/, (m) => ({ what: 'in-use', irq: +m[1], domain: +m[2], error: true })],
  [/^the IRQ(\d+) is not routable/, (m) => ({ what: 'not-routable', irq: +m[1], error: true })],
  [/^the vIRQ number (\d+) is too high for domain (\d+)/, (m) => ({ what: 'virq-too-high', virq: +m[1], domain: +m[2], error: true })],
  [/^invalid vIRQ number (\d+) for domain d(\d+)/, (m) => ({ what: 'virq-too-high', virq: +m[1], domain: +m[2], error: true })],
  [/^d(\d+): IRQ (\d+) is already assigned to vIRQ (\d+)/, (m) => ({ what: 'already-assigned', domain: +m[1], irq: +m[2], virq: +m[3], error: true })],
  [/^Unable to map IRQ(\d+) to dom(\d+)/, (m) => ({ what: 'map-failed', irq: +m[1], domain: +m[2], error: true })],
  [/^Unable to permit to dom(\d+) access to IRQ (\d+)/, (m) => ({ what: 'permit-failed', domain: +m[1], irq: +m[2], error: true })],
  [/^Unable to (?:retrieve|get) irq (\d+) for (\S+)/, (m) => ({ what: 'retrieve-failed', irq: +m[1], device: m[2], error: true })],
  [/^(\S+): IRQ(\d+) is not a SPI/, (m) => ({ what: 'not-spi', device: m[1], irq: +m[2], error: true })],
  [/^Trying to free already-free IRQ (\d+)/, (m) => ({ what: 'free-already-free', irq: +m[1], error: true })],
  [/^unexpected IRQ trap at irq ([0-9a-fA-F]+)/, (m) => ({ what: 'unexpected-trap', irq: parseInt(m[1], 16), error: true })],
  [/^Unknown (?:IRQ|FIQ) (0x[0-9a-fA-F]+|\d+)/, (m) => ({ what: 'unknown-irq', irq: Number(m[1]), error: true })],
  [/^Unable to allocate local IRQ for CPU(\d+)/, () => ({ what: 'local-irq-alloc-failed', error: true })],
  [/^Allocating PPI (\d+) for event channel interrupt/, (m) => ({ what: 'evtchn-ppi', irq: +m[1], error: false })],
  [/^\s+- IRQ: (\d+)\s*$/, (m) => ({ what: 'dt-irq', irq: +m[1], error: false })],
  [/^irq (\d+) not connected to primary controller\. Connected to (\S+)/, (m) => ({ what: 'not-primary-controller', irq: +m[1], device: m[2], error: false })],
];

/**
 * Every line a rule can match starts like one of the rules' literal starts, or is `<device>: IRQ`
 * after a first word. A first-character switch and `startsWith` reject almost every line in a few
 * ns (most Xen lines reaching here are indented register-dump rows: only `  - IRQ: ` can match).
 */
function irqStart(b: string): boolean {
  switch (code(b, 0)) {
    case 0x20: return b.startsWith('  - IRQ: '); // dt_dprintk, with CONFIG_DEVICE_TREE_DEBUG
    case 0x49: if (b.startsWith('IRQ ')) return true; break; // I
    case 0x45: if (b.startsWith('ERROR: IRQ ')) return true; break; // E
    case 0x74: if (b.startsWith('the IRQ') || b.startsWith('the vIRQ ')) return true; break; // t
    case 0x69: if (b.startsWith('invalid vIRQ ') || b.startsWith('irq ')) return true; break; // i
    case 0x55: if (b.startsWith('Unable to ') || b.startsWith('Unknown ')) return true; break; // U
    case 0x54: if (b.startsWith('Trying to free ')) return true; break; // T
    case 0x75: if (b.startsWith('unexpected IRQ ')) return true; break; // u
    case 0x41: if (b.startsWith('Allocating PPI ')) return true; break; // A
    case 0x64: break; // d: only `dN: IRQ ...`
    default: return false;
  }
  // `<device>: IRQ%u is not a SPI`, `d%d: IRQ %u is already assigned ...`.
  return b.indexOf(': IRQ', 1) > 0;
}

export function parseIrqRoute(body: string): IrqRouteData | undefined {
  if (!irqStart(body)) return undefined;
  if (!/irq/i.test(body) && !body.includes('PPI')) return undefined;
  for (const [re, f] of RULES) {
    const m = re.exec(body);
    if (m) return { ...f(m), text: body.trim() };
  }
  return undefined;
}
