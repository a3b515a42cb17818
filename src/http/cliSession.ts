/**
 * The bearer token of the CLI API (`Authorization: Bearer gatehouse_cli_…`): read from the header, checked on every
 * request by src/auth/cliTokens.ts (revoked, expired, person disabled → `session_required`). No cookie is read.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { authenticateCliToken, type CliSession } from '../auth/cliTokens.js';
import type { SecondFactor } from '../auth/factors.js';
import type { AwsSignInSession } from './sso/issueAwsResponse.js';

/** Longest Authorization header read (a token is 57 characters). */
const MAX_AUTHORIZATION_LENGTH = 256;

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || h.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  return /^Bearer ([\x21-\x7e]+)$/i.exec(h)?.[1];
}

/** The CLI session of the request's bearer token, or `session_required` (401). */
export function requireCliSession(ctx: AppContext, req: FastifyRequest): Promise<CliSession> {
  return authenticateCliToken(ctx, bearerToken(req), req);
}

/** The factors a CLI session counts as having proved, for the entitlement rules. */
export function cliFactorsUsed(s: CliSession): SecondFactor[] {
  return [s.factor];
}

/**
 * A CLI session in the shape the AWS Response builder takes (the factor's time is the AuthnInstant), with the name
 * of the device it was proved with for the audit event.
 */
export async function awsSignInOf(ctx: AppContext, s: CliSession): Promise<AwsSignInSession> {
  const deviceName = s.deviceId ? (await ctx.store.devices.findById(s.deviceId))?.name ?? null : null;
  return { userId: s.userId, user: s.user, authMethod: s.factor, deviceId: s.deviceId, deviceName, expiresAt: s.expiresAt, idHash: s.tokenHash, createdAt: s.authenticatedAt };
}
