// The list of decoder families run by default. Each family lives in its own file under
// xen/ or linux/ and owns its event kinds.
import type { FamilyFactory } from './types.js';
import { bootFamily } from './boot.js';

export const defaultFamilies: FamilyFactory[] = [
  bootFamily,
];
