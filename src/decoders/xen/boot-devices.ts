// The devices Xen keeps for itself, from its boot lines: the generic timer
// (`Generic Timer IRQ: phys=%u hyp=%u virt=%u Freq: %lu KHz`, reference §6 #20) and the console
// UART (`Taking dtuart configuration from /chosen/stdout-path`, `Looking for dtuart at "%s",
// options "%s"`, §6 #9). Xen does not print the UART's interrupt on ARM (4.17..master); the DT node
// path (`/pl011@9000000`) gives the driver name and the MMIO address.

export interface TimerData {
  phys?: number;
  hyp?: number;
  virt?: number;
  hypVirt?: number;
  freqKHz?: number;
  [k: string]: number | undefined;
}

const RE_TIMER_KV = /(\w+)=(\d+)/g;
const RE_FREQ = /Freq: (\d+) ?KHz/i;

export function parseTimer(body: string): TimerData | undefined {
  if (!body.startsWith('Generic Timer IRQ:')) return undefined;
  const d: TimerData = {};
  const re = RE_TIMER_KV;
  re.lastIndex = 0; // global regex shared across calls: start each line from its beginning
  let m: RegExpExecArray | null;
  let n = 0;
  while ((m = re.exec(body)) && n++ < 8) {
    const k = m[1] === 'hyp_virt' || m[1] === 'hypvirt' ? 'hypVirt' : m[1];
    d[k] = Number(m[2]);
  }
  const f = RE_FREQ.exec(body);
  if (f) d.freqKHz = Number(f[1]);
  return d;
}

export interface UartData {
  path: string;
  options?: string;
  fromStdoutPath?: boolean;
  node?: string;
  driver?: string;
  address?: string;
  /** `console=` / `dtuart=` from this boot's command line, when printed. */
  consoleArg?: string;
  dtuartArg?: string;
}

const DRIVERS = /^(pl011|sbsa-uart|ns16550a?|8250|uart8250|dw-apb-uart|scif|hscif|exynos4210-uart|omap-uart|meson-uart|mvebu-uart|imx-uart|lpuart|linflex|xuartps|cdns-uart|serial)$/;

const RE_DTUART = /^Looking for dtuart at "([^"]*)", options "([^"]*)"/;
const RE_NODE_AT = /^([\w,.-]+)@([0-9a-fA-F]+)$/;
const RE_LEADING_ZEROS = /^0+(?=.)/;

export function parseUart(body: string): UartData | undefined {
  if (!body.startsWith('Looking for dtuart at "')) return undefined;
  const m = RE_DTUART.exec(body);
  if (!m) return undefined;
  const d: UartData = { path: m[1], options: m[2] };
  const last = m[1].split('/').pop() ?? '';
  const at = RE_NODE_AT.exec(last);
  if (at) {
    d.node = at[1];
    d.address = '0x' + at[2].toLowerCase().replace(RE_LEADING_ZEROS, '');
    if (DRIVERS.test(at[1]) && at[1] !== 'serial') d.driver = at[1];
  }
  return d;
}
