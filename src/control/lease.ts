// The write lease of one console (like conserver's attach/spy): many readers, one writer. The
// lease belongs to the token that took it: any connection authenticated with that token may
// write. Readers are never promoted by themselves; an admin may take it over with force, and the
// previous holder is told.
import { EventEmitter } from 'node:events';
import type { Principal } from '../server/auth.js';

export interface LeaseHolder {
  name: string;
  role: string;
  since: number;
  /** Identity of the holder: its token, or `anonymous` when no tokens are configured. */
  key: string;
}

export interface LeaseChange {
  action: 'take' | 'release' | 'force';
  holder: LeaseHolder | null;
  previous: LeaseHolder | null;
  by: string;
}

export class LeaseError extends Error {
  constructor(readonly status: 403 | 409, message: string) {
    super(message);
  }
}

export function principalKey(p: Principal): string {
  return p.token ?? `anonymous:${p.name}`;
}

export class Lease extends EventEmitter<{ change: [LeaseChange] }> {
  private holderValue: LeaseHolder | null = null;

  get holder(): LeaseHolder | null {
    return this.holderValue;
  }

  heldBy(p: Principal): boolean {
    return this.holderValue !== null && this.holderValue.key === principalKey(p);
  }

  /** Take the lease. Already holding it is fine. Held by someone else: 409, unless an admin forces it. */
  take(p: Principal, force = false): LeaseHolder {
    if (this.heldBy(p)) return this.holderValue!;
    const prev = this.holderValue;
    if (prev && !force) throw new LeaseError(409, `the write lease is held by "${prev.name}" since ${new Date(prev.since).toISOString()}; an admin can take it with force: true`);
    if (prev && force && p.role !== 'admin') throw new LeaseError(403, 'only an admin can take the lease over (force)');
    const h: LeaseHolder = { name: p.name, role: p.role, since: Date.now(), key: principalKey(p) };
    this.holderValue = h;
    this.emit('change', { action: prev ? 'force' : 'take', holder: h, previous: prev, by: p.name });
    return h;
  }

  /** Release the lease (its holder, or an admin). */
  release(p: Principal): void {
    const prev = this.holderValue;
    if (!prev) return;
    if (prev.key !== principalKey(p) && p.role !== 'admin') throw new LeaseError(409, `the write lease is held by "${prev.name}", not by you`);
    this.holderValue = null;
    this.emit('change', { action: 'release', holder: null, previous: prev, by: p.name });
  }
}

/** What the API shows of a holder (never the token). */
export function publicHolder(h: LeaseHolder | null): { name: string; role: string; since: number } | null {
  return h ? { name: h.name, role: h.role, since: h.since } : null;
}
