// The list of decoder families run by default. Each family lives in its own file under
// xen/ or linux/ and owns its event kinds.
import type { FamilyFactory } from './types.js';
import { bootFamily } from './boot.js';
import { linuxFamily } from './linux/family.js';
import { linuxIrqSetupFamily } from './linux/irq-setup.js';
import { xenCrashFamily } from './xen/crash.js';
import { xenPlatformFamily } from './xen/boot-family.js';

export const defaultFamilies: FamilyFactory[] = [
  bootFamily,
  linuxFamily,
  linuxIrqSetupFamily,
  xenCrashFamily,
  xenPlatformFamily,
];
