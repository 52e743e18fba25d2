// Every decoded event kind's data schema, one registry per decoder family, merged.
import type { TSchema } from '@sinclair/typebox';
import { bootKinds } from './boot.js';
import { linuxKinds } from './linux.js';
import { xenCrashKinds } from './xen-crash.js';
import { xenPlatformKinds } from './xen-platform.js';

export const decodedKinds: Record<string, TSchema> = { ...bootKinds, ...linuxKinds, ...xenCrashKinds, ...xenPlatformKinds };
