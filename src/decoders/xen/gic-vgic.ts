// Guest accesses the vGIC could not emulate (xen-console-reference §3.5, vgic-v2.c / vgic-v3.c /
// vgic-v3-its.c / vgic.c), e.g. `d0v0: vGICD: unhandled word write 0x000000ffffffff to ICACTIVER4`,
// `d0v1: vGICR: SGI: unhandled word write ... to ICACTIVER0`, `d1v0: vGICD: bad read width 2 r3
// offset 0x000800`, `d0v0: vGICD: RAZ on reserved register offset 0x00000c`. Debug builds may put a
// `file.c:NN:` in front (gdprintk). Also vgic.c's two messages about one guest interrupt:
// `d0v1 trying to clear pending interrupt 27.`, `d1v0 irq 40 migration failed: requested while in
// progress` (access `clear-pending`, `migration-failed`).

import { SOURCE_FILE } from '../util.js';

export interface VgicData {
  domain?: number;
  vcpu?: number;
  frame: 'GICD' | 'GICR' | 'GITS' | 'GIC';
  /** The vGICR SGI frame (`vGICR: SGI:`). */
  sgi?: boolean;
  access: 'unhandled-write' | 'unhandled-read' | 'bad-read-width' | 'bad-write-width' | 'raz' | 'wi' | 'unhandled-command' | 'clear-pending' | 'migration-failed' |
    'sgi-bad-target' | 'sgi-bad-mode' | 'other';
  /** sgi-bad-target: the SGI's target list as printed, and (master) the vCPU that is not there. */
  targetList?: string;
  targetVcpu?: number;
  /** sgi-bad-mode (master): the SGI routing mode. */
  mode?: number;
  /** The guest interrupt (clear-pending, migration-failed, the new vGIC's active-state messages). */
  irq?: number;
  register?: string;
  offset?: string;
  value?: string;
  width?: number;
  reg?: number;
  /** `reserved` or `implementation defined` for RAZ/WI lines. */
  registerClass?: string;
  text: string;
}

const RE_HEAD = new RegExp(String.raw`^(?:${SOURCE_FILE}:\d+:)?(?:(d(\d+)v(\d+)):? )?(vGICD|vGICR|vGITS|VGIC|vGIC)(?:: ?(SGI))?:\s*(.*)$`);
const RE_WORD_WRITE = /^unhandled word write (0x[0-9a-fA-F]+|\d+) to (\w+)/;
const RE_UNHANDLED = /^unhandled (read|write) r(\d+) offset (0x[0-9a-fA-F]+|\d+)/;
const RE_BAD_WIDTH = /^bad (read|write) width (\d+) r(\d+) offset (0x[0-9a-fA-F]+|\d+)/;
const RE_RAZ_WI = /^(RAZ|WI) on (implementation defined|reserved) register offset (0x[0-9a-fA-F]+|\d+)/;
const RE_ITS_CMD = /^(?:unhandled ITS command|ignoring MOVALL command)/;
const RE_ACTIVE_STATE = /^IRQ(\d+): (clearing|setting) active state not supported/;
// vgic.c vgic_to_sgi (§3.5), a guest IPI dropped. 4.17 (a line continuation inside the literal
// leaves a run of spaces): `VGIC: write r=%x <spaces>target->list=%hx, wrong CPUTargetList` and
// `vGICD:unhandled GICD_SGIR write %x <spaces>with wrong mode`; master: `vGIC: write %#x,
// target->list=%#x, bad target vcpu%u` and `vGICD: GICD_SGIR write %#x with unhandled mode %d`.
const RE_SGI_TARGET = /^write (?:r=)?((?:0x)?[0-9a-fA-F]+),?\s+target->list=((?:0x)?[0-9a-fA-F]+), (?:wrong CPUTargetList|bad target vcpu(\d+))/;
const RE_SGI_MODE = /^(?:unhandled )?GICD_SGIR write ((?:0x)?[0-9a-fA-F]+)\s+with (?:wrong mode|unhandled mode (\d+))/;
// vgic.c, without a frame name: `printk("%pv trying to clear pending interrupt %u.\n")` (a write to
// ICPENDR for an interrupt in flight, which the old vGIC cannot withdraw) and `gprintk(...
// "irq %u migration failed: requested while in progress\n")` (gprintk puts `%pv ` in front).
const RE_VGIC_C = new RegExp(String.raw`^(?:${SOURCE_FILE}:\d+:\s*)?d(\d+)v(\d+):? (?:trying to clear pending interrupt (\d+)|irq (\d+) migration failed: requested while in progress)`);

/**
 * Can parseVgic() accept this line (first character code `c`; `source`: util.ts hasSourcePrefix)?
 * It starts with the vCPU (`d0v1`) or the frame (`vGICD`, `vGITS`, `VGIC`), or with the
 * `file.c:NN:` of gdprintk, whose path may be relative (`arch/arm/vgic-v3-its.c`), the file's name
 * alone, or absolute (`/build/.../vgic.c`).
 */
export function mayBeVgic(c: number, source: boolean): boolean {
  return c === 0x64 /* d */ || c === 0x76 /* v */ || c === 0x56 /* V */ || source;
}

export function parseVgic(body: string): VgicData | undefined {
  // `GI`: vGICD, vGICR, VGIC, vGIC and vGITS (the ITS frame has no `GIC` in its name).
  const at = body.indexOf('GI');
  if (at < 0) return vgicC(body);
  if (at > 40) {
    // Far in only behind gdprintk's `file.c:NN:` with a long path (`xen-source/xen/arch/arm/...`).
    const file = body.lastIndexOf('.c:', at);
    if (file < 0 || at - file > 40) return undefined;
  }
  const m = RE_HEAD.exec(body);
  if (!m) return undefined;
  const fr = m[4];
  const frame: VgicData['frame'] = fr === 'vGICD' ? 'GICD' : fr === 'vGICR' ? 'GICR' : fr === 'vGITS' ? 'GITS' : 'GIC';
  const rest = m[6];
  const d: VgicData = { frame, access: 'other', text: body.trim() };
  if (m[2] !== undefined) { d.domain = Number(m[2]); d.vcpu = Number(m[3]); }
  if (m[5]) d.sgi = true;
  let x: RegExpExecArray | null;
  if ((x = RE_WORD_WRITE.exec(rest))) {
    d.access = 'unhandled-write'; d.value = x[1]; d.register = x[2];
  } else if ((x = RE_UNHANDLED.exec(rest))) {
    d.access = x[1] === 'read' ? 'unhandled-read' : 'unhandled-write'; d.reg = Number(x[2]); d.offset = x[3];
  } else if ((x = RE_BAD_WIDTH.exec(rest))) {
    d.access = x[1] === 'read' ? 'bad-read-width' : 'bad-write-width'; d.width = Number(x[2]); d.reg = Number(x[3]); d.offset = x[4];
  } else if ((x = RE_RAZ_WI.exec(rest))) {
    d.access = x[1] === 'RAZ' ? 'raz' : 'wi'; d.registerClass = x[2]; d.offset = x[3];
  } else if (RE_ITS_CMD.test(rest)) {
    d.access = 'unhandled-command';
  } else if ((x = RE_ACTIVE_STATE.exec(rest))) {
    d.register = x[2] === 'clearing' ? 'ICACTIVER' : 'ISACTIVER';
    d.irq = Number(x[1]);
  } else if ((x = RE_SGI_TARGET.exec(rest))) {
    d.access = 'sgi-bad-target'; d.value = x[1]; d.targetList = x[2];
    if (x[3] !== undefined) d.targetVcpu = Number(x[3]);
  } else if ((x = RE_SGI_MODE.exec(rest))) {
    d.access = 'sgi-bad-mode'; d.value = x[1]; d.register = 'GICD_SGIR';
    if (x[2] !== undefined) d.mode = Number(x[2]);
  }
  return d;
}

function vgicC(body: string): VgicData | undefined {
  if (!body.includes('pending interrupt') && !body.includes('migration failed')) return undefined;
  const m = RE_VGIC_C.exec(body);
  if (!m) return undefined;
  const clear = m[3] !== undefined;
  return { frame: 'GIC', access: clear ? 'clear-pending' : 'migration-failed', text: body.trim(), domain: Number(m[1]), vcpu: Number(m[2]), irq: Number(clear ? m[3] : m[4]) };
}
