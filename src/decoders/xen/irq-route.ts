// IRQ routing messages (xen-console-reference §3.4): routing is silent on success, so these lines
// are the only trace of an interrupt Xen refused to give a domain (or kept for itself), plus the
// event-channel PPI it allocated, and a trigger type the GIC would not take. Each line gives one
// `xen.irq.route` event.
import { code } from '../util.js';

export interface IrqRouteData {
  what: 'used-by-xen' | 'used-by-domain' | 'in-use' | 'not-routable' | 'not-configured' | 'virq-too-high' |
    'not-spi' | 'already-assigned' | 'map-failed' | 'permit-failed' | 'retrieve-failed' | 'free-already-free' |
    'unexpected-trap' | 'unknown-irq' | 'local-irq-alloc-failed' | 'evtchn-ppi' | 'dt-irq' | 'not-primary-controller' |
    'trigger-forced' | 'v2m-map-failed' | 'v2m-type-failed' | 'v2m-route-failed' | 'v2m-reserve-failed';
  irq?: number;
  /** trigger-forced: the CPU that configured it, the trigger asked for and the one the GIC forces. */
  cpu?: number;
  requested?: 'edge' | 'level';
  forced?: 'edge' | 'level';
  virq?: number;
  domain?: number;
  device?: string;
  error: boolean;
  text: string;
}

type Rule = [RegExp, (m: RegExpExecArray, text: string) => IrqRouteData];

const RULES: Rule[] = [
  [/^IRQ (\d+) is already used by Xen/, (m, text) => ({ what: 'used-by-xen', irq: +m[1], error: true, text })],
  [/^IRQ (\d+) is already used by domain (\d+)/, (m, text) => ({ what: 'used-by-domain', irq: +m[1], domain: +m[2], error: true, text })],
  [/^IRQ (\d+) has not been configured/, (m, text) => ({ what: 'not-configured', irq: +m[1], error: true, text })],
  [/^IRQ can only be routed to an SPI/, (_, text) => ({ what: 'not-spi', error: true, text })],
  [/^ERROR: IRQ (\d+) is already in use by the domain (\d+)/, (m, text) => ({ what: 'in-use', irq: +m[1], domain: +m[2], error: true, text })],
  [/^the IRQ(\d+) is not routable/, (m, text) => ({ what: 'not-routable', irq: +m[1], error: true, text })],
  [/^the vIRQ number (\d+) is too high for domain (\d+)/, (m, text) => ({ what: 'virq-too-high', virq: +m[1], domain: +m[2], error: true, text })],
  [/^invalid vIRQ number (\d+) for domain d(\d+)/, (m, text) => ({ what: 'virq-too-high', virq: +m[1], domain: +m[2], error: true, text })],
  [/^d(\d+): IRQ (\d+) is already assigned to vIRQ (\d+)/, (m, text) => ({ what: 'already-assigned', domain: +m[1], irq: +m[2], virq: +m[3], error: true, text })],
  [/^Unable to map IRQ(\d+) to dom(\d+)/, (m, text) => ({ what: 'map-failed', irq: +m[1], domain: +m[2], error: true, text })],
  [/^Unable to permit to dom(\d+) access to IRQ (\d+)/, (m, text) => ({ what: 'permit-failed', domain: +m[1], irq: +m[2], error: true, text })],
  [/^Unable to (?:retrieve|get) irq (\d+) for (\S+)/, (m, text) => ({ what: 'retrieve-failed', irq: +m[1], device: m[2], error: true, text })],
  [/^(\S+): IRQ(\d+) is not a SPI/, (m, text) => ({ what: 'not-spi', device: m[1], irq: +m[2], error: true, text })],
  [/^Trying to free already-free IRQ (\d+)/, (m, text) => ({ what: 'free-already-free', irq: +m[1], error: true, text })],
  [/^unexpected IRQ trap at irq ([0-9a-fA-F]+)/, (m, text) => ({ what: 'unexpected-trap', irq: parseInt(m[1], 16), error: true, text })],
  [/^Unknown (?:IRQ|FIQ) (0x[0-9a-fA-F]+|\d+)/, (m, text) => ({ what: 'unknown-irq', irq: Number(m[1]), error: true, text })],
  [/^Unable to allocate local IRQ for CPU(\d+)/, (_, text) => ({ what: 'local-irq-alloc-failed', error: true, text })],
  [/^Allocating PPI (\d+) for event channel interrupt/, (m, text) => ({ what: 'evtchn-ppi', irq: +m[1], error: false, text })],
  [/^\s+- IRQ: (\d+)\s*$/, (m, text) => ({ what: 'dt-irq', irq: +m[1], error: false, text })],
  [/^irq (\d+) not connected to primary controller\. Connected to (\S+)/, (m, text) => ({ what: 'not-primary-controller', irq: +m[1], device: m[2], error: false, text })],
  // gic-v2.c, giving dom0 the GICv2m MSI frame and its SPIs (§3.1): PCIe MSIs through them never arrive.
  [/^GICv2: Map v2m frame to d(\d+) failed/, (m, text) => ({ what: 'v2m-map-failed', domain: +m[1], error: true, text })],
  [/^GICv2: Failed to set v2m MSI SPI\[(\d+)\] type/, (m, text) => ({ what: 'v2m-type-failed', irq: +m[1], error: true, text })],
  [/^GICv2: Failed to route v2m MSI SPI\[(\d+)\] to Dom(\d+)/, (m, text) => ({ what: 'v2m-route-failed', irq: +m[1], domain: +m[2], error: true, text })],
  [/^GICv2: Failed to reserve v2m MSI SPI\[(\d+)\] for Dom(\d+)/, (m, text) => ({ what: 'v2m-reserve-failed', irq: +m[1], domain: +m[2], error: true, text })],
  // gic-v2.c / gic-v3.c set_irq_type (§3.1, §3.2): at routing time, boot or later.
  [/^GICv[23]: WARNING: CPU(\d+): Failed to configure IRQ(\d+) as (Edge|Level)-triggered\. H\/w forces to (Edge|Level)-triggered/, (m, text) => ({
    what: 'trigger-forced', irq: +m[2], cpu: +m[1], requested: m[3] === 'Edge' ? 'edge' : 'level', forced: m[4] === 'Edge' ? 'edge' : 'level', error: false, text,
  })],
];

/**
 * The literal first character of each rule (from its source: `^I...`), or -1 when the rule starts
 * with a class (`^(\S+)`, `^\s+`): a line is only tried on the rules it can match.
 */
const RULE_FIRST = RULES.map(([re]) => (/^\^[A-Za-z]/.test(re.source) ? re.source.charCodeAt(1) : -1));

/** All the rules as one regex: most lines are rejected by this single test. */
const ANY_RULE = new RegExp(RULES.map(([re]) => `(?:${re.source})`).join('|'));

/** The literal first characters of the rules (RULE_FIRST), as a table. */
const FIRST = new Uint8Array(128);
for (const c of RULE_FIRST) if (c >= 0 && c < 128) FIRST[c] = 1;

/**
 * Whether `body` (whose first character code is `c`) can be a routing message, without a regex:
 * a rule's literal first character, or one of the two rules that start with a class: the
 * `  - IRQ: ` row (indented lines are otherwise register dumps and key bodies) and
 * `%s: IRQ%u is not a SPI` (a device-tree node name first, any character).
 */
export function mayBeIrqRoute(body: string, c: number): boolean {
  if (c < 128 && FIRST[c] === 1) return true;
  if (c === 0x20) return code(body, 2) === 0x2d /* - */;
  return code(body, body.length - 1) === 0x49 /* I */ && body.endsWith(' is not a SPI');
}

export function parseIrqRoute(body: string): IrqRouteData | undefined {
  if (!ANY_RULE.test(body)) return undefined;
  const c = code(body, 0);
  for (let i = 0; i < RULES.length; i++) {
    const first = RULE_FIRST[i];
    if (first >= 0 && first !== c) continue;
    const m = RULES[i][0].exec(body);
    if (m) return RULES[i][1](m, body.trim());
  }
  return undefined;
}
