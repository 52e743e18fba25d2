// Tokens and roles. With no tokens configured every request gets `auth.anonymous` (viewer by
// default: read-only). Once tokens exist every route needs one: `Authorization: Bearer TOKEN`,
// or `?token=` for WebSockets (browsers cannot set headers on them). Roles are ordered
// viewer < operator < admin; a route declares the least role it needs.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config, Role } from '../config/schema.js';

export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export interface Principal {
  name: string;
  role: Role;
  /** The token itself identifies the lease holder (any connection with it may write). */
  token?: string;
}

export class Auth {
  private readonly tokens: Config['auth']['tokens'];
  private readonly anonymous: Role | 'none';

  constructor(cfg: Config['auth']) {
    this.tokens = cfg.tokens;
    this.anonymous = cfg.anonymous;
  }

  get enabled(): boolean {
    return this.tokens.length > 0;
  }

  /** Who is asking: a principal, or an error status and message. */
  identify(req: FastifyRequest): Principal | { status: 401; message: string } {
    const header = req.headers.authorization;
    let given: string | undefined;
    if (typeof header === 'string' && header.length) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) return { status: 401, message: 'Authorization header must be "Bearer TOKEN"' };
      given = m[1];
    } else {
      const q = (req.query as Record<string, unknown> | undefined)?.token;
      if (typeof q === 'string' && q.length) given = q;
    }
    if (given === undefined) {
      if (this.enabled) return { status: 401, message: 'a token is required (Authorization: Bearer TOKEN)' };
      if (this.anonymous === 'none') return { status: 401, message: 'anonymous access is disabled' };
      return { name: 'anonymous', role: this.anonymous };
    }
    const t = this.tokens.find((x) => safeEqual(x.token, given!));
    if (!t) return { status: 401, message: 'unknown token' };
    return { name: t.name, role: t.role, token: t.token };
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Least role the route needs (default viewer). */
    role?: Role;
  }
}

/** onRequest hook: authenticate and check the route's role. */
export function authHook(auth: Auth) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const need: Role = (req.routeOptions.config as { role?: Role } | undefined)?.role ?? 'viewer';
    if ((req.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    const who = auth.identify(req);
    if ('status' in who) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ statusCode: 401, error: 'Unauthorized', message: who.message });
      return reply;
    }
    req.principal = who;
    if (ROLE_RANK[who.role] < ROLE_RANK[need]) {
      await reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `this needs role ${need}; token "${who.name}" has role ${who.role}` });
      return reply;
    }
  };
}
