/**
 * The CLI's token endpoint and device login start (docs/cli-api.md; RFC 6749 §4.1.3 + RFC 7636, RFC 8628 §3.4):
 * `POST /api/v1/cli/token` redeems a browser login's one-time code (with its PKCE verifier and redirect URI) or
 * polls a device login, and answers errors as `{"error", "error_description"}` with status 400.
 * `POST /api/v1/cli/device` starts a device login.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { GatehouseError, isGatehouseError, type ErrorCode } from '../../errors.js';
import { authorizationCodePattern, codeVerifierPattern, redeemAuthorizationCode } from '../../auth/cliCodes.js';
import { deviceCodePattern, pollDeviceLogin, startDeviceLogin } from '../../auth/deviceLogin.js';
import { readInput, textField } from '../readInput.js';
import { applyRetryAfter } from '../signIn.js';
import { clientIp } from '../guards.js';
import { clientNameField } from './cliApi.js';

export const authorizationCodeGrant = 'authorization_code';
export const deviceCodeGrant = 'urn:ietf:params:oauth:grant-type:device_code';

const pattern = (re: RegExp, what: string) => textField(256).refine((v) => re.test(v), { error: `must be ${what}` });
const grantType = z.object({ grant_type: textField(100) });
const codeRedemption = z.object({
  code: pattern(authorizationCodePattern, 'the code sent to the redirect URI'),
  code_verifier: pattern(codeVerifierPattern, '43–128 characters of A–Z a–z 0–9 - . _ ~ (RFC 7636)'),
  redirect_uri: textField(100),
});
const devicePoll = z.object({ device_code: pattern(deviceCodePattern, 'the device_code of POST /api/v1/cli/device') });
const deviceStart = z.object({ clientName: clientNameField });

/** The codes the token endpoint answers with (RFC 6749 §5.2, RFC 8628 §3.5). */
const tokenErrorCodes: readonly ErrorCode[] = ['invalid_request', 'unsupported_grant_type', 'invalid_grant', 'authorization_pending', 'slow_down', 'expired_token', 'access_denied'];

/** Sends a token endpoint error in the RFC shape; `slow_down` also carries the new interval. */
function sendTokenError(reply: FastifyReply, e: GatehouseError): FastifyReply {
  const interval = (e.detail as { interval?: number } | undefined)?.interval;
  return reply.status(400).header('pragma', 'no-cache').send({ error: e.code, error_description: e.message, ...(e.code === 'slow_down' && interval ? { interval } : {}) });
}

/** Reads the body with `schema`; a bad field is `invalid_request` naming it. */
function readTokenRequest<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  try {
    return readInput(schema, body);
  } catch (e) {
    if (isGatehouseError(e, 'validation_failed')) throw new GatehouseError('invalid_request', e.message, { detail: e.detail });
    throw e;
  }
}

export async function registerCliTokenRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/api/v1/cli/token', async (req, reply) => {
    try {
      const { grant_type } = readTokenRequest(grantType, req.body);
      if (grant_type === authorizationCodeGrant) {
        const r = readTokenRequest(codeRedemption, req.body);
        return await redeemAuthorizationCode(ctx, { code: r.code, codeVerifier: r.code_verifier, redirectUri: r.redirect_uri }, req);
      }
      if (grant_type === deviceCodeGrant) {
        const r = readTokenRequest(devicePoll, req.body);
        return await pollDeviceLogin(ctx, r.device_code, req);
      }
      throw new GatehouseError('unsupported_grant_type', `grant_type must be ${authorizationCodeGrant} or ${deviceCodeGrant}.`);
    } catch (e) {
      if (isGatehouseError(e) && tokenErrorCodes.includes(e.code)) return sendTokenError(reply, e);
      throw e;
    }
  });

  app.post('/api/v1/cli/device', async (req, reply) => {
    const { clientName } = readInput(deviceStart, req.body);
    try {
      const d = await startDeviceLogin(ctx, clientName, clientIp(req), req);
      const verificationUri = `${ctx.config.server.baseUrl}/cli/device`;
      return {
        device_code: d.deviceCode, user_code: d.userCode, verification_uri: verificationUri,
        verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(d.userCode)}`, expires_in: d.expiresIn, interval: d.interval,
      };
    } catch (e) {
      applyRetryAfter(reply, e);
      throw e;
    }
  });
}
