/**
 * The CLI API (docs/cli-api.md), JSON only, no cookies: the terminal login (the same login flow, lockout and audit
 * as the browser), and what a CLI session (bearer token) may do: who am I, my roles, signed Responses, log out.
 * The token endpoint and device login start are in cliToken.ts; the browser pages in cliAuthorize.ts, cliDevice.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { GatehouseError } from '../../errors.js';
import { loadFlow, startFlow } from '../../auth/flow/storedFlow.js';
import { runFactorStep } from '../../auth/flow/runFactorStep.js';
import type { LoginFlow } from '../../auth/flow/types.js';
import { factorName } from '../../auth/factors.js';
import { clientNamePattern, finishTerminalLogin, revokeCliSession, terminalClientName } from '../../auth/cliTokens.js';
import { loadEntitlements } from '../../directory/loadEntitlements.js';
import { acsForAccounts } from '../../aws/partitions.js';
import { issueAwsResponse } from '../sso/issueAwsResponse.js';
import type { SigningKeyCache } from '../sso/signingKeyCache.js';
import { readInput, textField } from '../readInput.js';
import { applyRetryAfter, stepMeta } from '../signIn.js';
import { awsSignInOf, cliFactorsUsed, requireCliSession } from '../cliSession.js';
import { cliRoleView, pickCliRoles } from '../cliRoles.js';
import type { User } from '../../store/repositories/users.js';

/** The computer's name the CLI sends (shown on approval pages and in the audit log). */
export const clientNameField = textField(64).refine((v) => clientNamePattern.test(v), { error: 'must be 1–64 letters, digits, spaces or . _ - \' ( ) @ +' });
/** A login flow's token (43 characters). */
const flowTokenField = textField(64);

const startBody = z.object({ clientName: clientNameField });
const passwordBody = z.object({ flowToken: flowTokenField, username: textField(320), password: textField(8192, { allowControls: true }) });
const codeBody = z.object({ flowToken: flowTokenField, code: textField(64) });
/** At most 50 roles per Response (AWS's own limit on Role values is looser; a person rarely has more). */
const assertionBody = z.object({
  roles: z.array(textField(600), { error: (i) => (i.input === undefined ? 'is required' : 'must be a list of role keys, ARNs or alias/RoleName') })
    .min(1, { error: 'must name at least one role' }).max(50, { error: 'must name at most 50 roles' }),
});

/** The flow of a terminal login: only flows the CLI API started (never a browser's). */
async function loadTerminalFlow(ctx: AppContext, token: string): Promise<LoginFlow> {
  const flow = await loadFlow(ctx, token);
  if (terminalClientName(flow) === undefined) throw new GatehouseError('flow_invalid', 'This sign-in was not started by the command line. Start again.');
  return flow;
}

/** The second factors the person can answer with (webauthn only in the browser: the CLI then offers that). */
async function factorsOf(ctx: AppContext, user: User): Promise<string[]> {
  const devices = (await ctx.store.devices.listForUser(user.id, { confirmedOnly: true })).filter((d) => !d.flagged);
  const out: string[] = [];
  if (devices.some((d) => d.kind === 'totp')) out.push('totp');
  if (devices.some((d) => d.kind === 'webauthn')) out.push('webauthn');
  if ((await ctx.store.devices.remainingRecoveryCodes(user.id)) > 0) out.push('recovery');
  return out;
}

export async function registerCliApiRoutes(app: FastifyInstance, ctx: AppContext, keys: SigningKeyCache): Promise<void> {
  /**
   * Runs a login step; a failure in back-off carries Retry-After. The step is counted from the audit event it
   * writes (gatehouse_sign_ins_total, auditMetrics.ts), as the browser's are.
   */
  const step = async <T>(reply: FastifyReply, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      applyRetryAfter(reply, e);
      throw e;
    }
  };

  /** Starts a terminal login: a flow in `password`, marked as the CLI's. */
  app.post('/api/v1/cli/flows', async (req, reply) => {
    const { clientName } = readInput(startBody, req.body);
    const flow = await startFlow(ctx, { purpose: 'login', pending: { kind: 'cli', clientName } });
    return reply.status(201).send({ flowToken: flow.token, state: flow.state, expiresAt: new Date(flow.expiresAt).toISOString() });
  });

  app.post('/api/v1/cli/flows/password', async (req, reply) => {
    const body = readInput(passwordBody, req.body);
    const flow = await loadTerminalFlow(ctx, body.flowToken);
    return step(reply, async () => {
      const { flow: next, success } = await runFactorStep(ctx, flow, factorName.password, { login: body.username, password: body.password }, stepMeta(req));
      return { flowToken: next.token, state: next.state, factors: next.state === 'mfa' ? await factorsOf(ctx, success.user) : [] };
    });
  });

  /** TOTP or recovery code: finishes the flow with a CLI session. A wrong code leaves the flow as it was. */
  const secondFactor = (factor: 'totp' | 'recovery') => async (req: FastifyRequest, reply: FastifyReply) => {
    const body = readInput(codeBody, req.body);
    const flow = await loadTerminalFlow(ctx, body.flowToken);
    return step(reply, async () => {
      const { flow: done } = await runFactorStep(ctx, flow, factor, { code: body.code }, stepMeta(req));
      const token = await finishTerminalLogin(ctx, done, req);
      return { state: 'done', token, ...(factor === 'recovery' ? { recoveryCodesLeft: await ctx.store.devices.remainingRecoveryCodes(done.userId!) } : {}) };
    });
  };
  app.post('/api/v1/cli/flows/totp', secondFactor('totp'));
  app.post('/api/v1/cli/flows/recovery', secondFactor('recovery'));

  app.get('/api/v1/cli/me', async (req) => {
    const s = await requireCliSession(ctx, req);
    return { username: s.user.username, displayName: s.user.displayName, factor: s.factor, expiresAt: new Date(s.expiresAt).toISOString() };
  });

  app.get('/api/v1/cli/roles', async (req) => {
    const s = await requireCliSession(ctx, req);
    const ent = await loadEntitlements(ctx.store, s.user, { now: ctx.now().getTime(), sourceIp: req.ip, factorsUsed: cliFactorsUsed(s) });
    return { roles: ent.roles.map(cliRoleView) };
  });

  /** One signed Response for the roles asked, through the AWS lint and the audit log (`client: cli`). */
  app.post('/api/v1/cli/assertions', async (req) => {
    const s = await requireCliSession(ctx, req);
    const { roles: refs } = readInput(assertionBody, req.body);
    const ent = await loadEntitlements(ctx.store, s.user, { now: ctx.now().getTime(), sourceIp: req.ip, factorsUsed: cliFactorsUsed(s) });
    const roles = pickCliRoles(ent, refs);
    const { partition, acsUrl } = acsForAccounts(roles.map((r) => r.account));
    const { samlResponse } = await issueAwsResponse(ctx, keys, { session: await awsSignInOf(ctx, s), client: 'cli', entitlements: ent, roles, partition, acsUrl, ip: req.ip, requestId: req.id });
    return {
      samlResponse, partition, acsUrl,
      roles: roles.map((r) => {
        const v = cliRoleView(r);
        return { key: v.key, roleArn: v.roleArn, principalArn: v.principalArn, sessionDuration: v.sessionDuration };
      }),
    };
  });

  app.post('/api/v1/cli/logout', async (req, reply) => {
    const s = await requireCliSession(ctx, req);
    await revokeCliSession(ctx, s, req);
    return reply.status(204).send();
  });
}
