// Bearer-token authentication for every /v1 route. The token's record names its tenant and
// scopes; routes ask for a scope with requireScope(). Failures are 401 with a
// WWW-Authenticate challenge (RFC 6750), or 403 when the token lacks the scope.
import type { RequestHandler, Response } from 'express';
import type { Scope, TokenRecord } from '../service/tokens.js';
import type { ApiContext } from './context.js';
import { HttpProblem } from './problem.js';
import { logTenant } from './request-log.js';

export interface Principal {
  tenant: string;
  scopes: Scope[];
  token: TokenRecord;
}

const PRINCIPAL = Symbol('principal');

function unauthorized(detail: string): HttpProblem {
  return new HttpProblem(
    401,
    'Unauthorized',
    detail,
    {},
    { 'WWW-Authenticate': 'Bearer realm="bpfq"' },
  );
}

export function authenticate(ctx: ApiContext): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) throw unauthorized('Send an `Authorization: Bearer TOKEN` header.');
    const record = await ctx.tokens.lookup(match[1]!);
    if (record === undefined) throw unauthorized('The bearer token is not valid.');
    const principal: Principal = { tenant: record.tenant, scopes: record.scopes, token: record };
    (res.locals as Record<symbol, Principal>)[PRINCIPAL] = principal;
    logTenant(res, record.tenant);
    next();
  };
}

export function principal(res: Response): Principal {
  const p = (res.locals as Record<symbol, Principal | undefined>)[PRINCIPAL];
  if (p === undefined) throw unauthorized('Not authenticated.');
  return p;
}

export function requireScope(scope: Scope): RequestHandler {
  return (_req, res, next) => {
    const p = principal(res);
    if (!p.scopes.includes(scope) && !p.scopes.includes('admin')) {
      throw new HttpProblem(403, 'Forbidden', `This token lacks the '${scope}' scope.`);
    }
    next();
  };
}
